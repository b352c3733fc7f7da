// JSON bodies, read as bytes and checked by the body-check pool (body-checks/): a route that takes
// jobs names its check in its config (`bodyCheck: 'job' | 'batch'`) and gets a CheckedBody, already
// parsed, validated against its schema and checked job by job; the validator lets it through as it
// is. Any other route takes small JSON only, parsed here. An empty body is no body, whatever its
// content type (HTTP clients send `content-type: application/json` on a DELETE without one); a
// body of any other type gets 415. Bodies over the limit are read and thrown away up to a bound
// before their 413 (body-chunks.ts).
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { GpuqConfig } from '@gpuq/shared';
import { BodyCheckPool } from '../body-checks/body-check-pool.js';
import type { IncomingMessage } from 'node:http';
import { byteLengthOf, joined, readChunks } from '../body-checks/body-chunks.js';
import { checkedValue, parseJson, type BodyTaskValue } from '../body-checks/body-tasks.js';
import { ApiError } from '../errors.js';

export type BodyCheck = 'job' | 'batch';

declare module 'fastify' {
  interface FastifyInstance {
    bodyChecks: BodyCheckPool;
    /** How much of a body over the limit is read and thrown away before its 413 (api.http.oversizeBodyDrainMb). */
    oversizeBodyDrainBytes: number;
  }
  interface FastifyContextConfig {
    /** The check this route's JSON body gets in the body-check pool. */
    bodyCheck?: BodyCheck;
  }
}

/** A body the pool has checked: routes read it with checkedBody(). */
export class CheckedBody {
  constructor(readonly value: BodyTaskValue) {}
}

/** The checked body of a route that names a bodyCheck, as the value its check gives. */
export function checkedBody<T extends BodyTaskValue['type']>(body: unknown, type: T): Extract<BodyTaskValue, { type: T }> {
  if (!(body instanceof CheckedBody)) throw new Error(`the route's body was not checked as a ${type}`);
  return checkedValue(body.value, type);
}

export const bodyChecksPlugin = fp<{ config: GpuqConfig; redisUrl: string }>(
  async (app, { config, redisUrl }) => {
    // Version 2 job data keeps inputs apart: the threads stage them in Redis themselves.
    const pool = new BodyCheckPool(config, config.api.jobDataVersion === 2 ? redisUrl : undefined);
    app.decorate('bodyChecks', pool);
    app.addHook('onClose', async () => pool.close());

    app.decorate('oversizeBodyDrainBytes', config.api.http.oversizeBodyDrainMb * 1024 * 1024);

    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', (request: FastifyRequest, payload: IncomingMessage) => readJsonBody(request, payload, pool, config));
    app.addContentTypeParser('*', (request: FastifyRequest, payload: IncomingMessage) => readEmptyBody(request, payload));
  },
  { name: 'body-checks', dependencies: ['validation'] },
);

/** The chunks of a body, within the body limit; read as they arrive, joined only where they are checked. */
export function readBody(request: FastifyRequest, payload: IncomingMessage): Promise<Uint8Array[]> {
  return readChunks(payload, request.headers['content-length'], request.routeOptions.bodyLimit ?? request.server.initialConfig.bodyLimit!, request.server.oversizeBodyDrainBytes);
}

/** A body that is not JSON: none at all is fine (a DELETE or GET sent with a content type), anything else 415. */
async function readEmptyBody(request: FastifyRequest, payload: IncomingMessage): Promise<undefined> {
  try {
    // A limit of 0: any byte makes it a body this route does not take, thrown away as it arrives.
    await readChunks(payload, request.headers['content-length'], 0, request.server.oversizeBodyDrainBytes);
    return undefined;
  } catch (err) {
    throw err instanceof ApiError && err.code === 'payload_too_large' ? new ApiError('unsupported_media_type') : err;
  }
}

async function readJsonBody(request: FastifyRequest, payload: IncomingMessage, bodyChecks: BodyCheckPool, config: GpuqConfig): Promise<unknown> {
  const body = await readBody(request, payload);
  const check = request.routeOptions.config.bodyCheck;
  if (check === 'job') return new CheckedBody(await bodyChecks.check(request.principal.tenant, { type: 'job', body, withHash: request.headers['idempotency-key'] !== undefined }));
  if (check === 'batch') return new CheckedBody(await bodyChecks.check(request.principal.tenant, { type: 'batch', body }));
  const size = byteLengthOf(body);
  if (size > config.api.bodyChecks.inlineMaxBytes) {
    throw new ApiError('payload_too_large', `This route takes at most ${config.api.bodyChecks.inlineMaxBytes} bytes of JSON.`);
  }
  return parseJson(joined(body));
}
