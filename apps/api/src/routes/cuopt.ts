// The cuOpt server's REST protocol, served by gpuq (docs/contracts/cuopt-rest.md): NVIDIA's own
// thin client (`cuopt_sh_client`, `cuopt_sh`) pointed at gpuq works unchanged, and its requests run
// as gpuq solve jobs (cuopt-requests.ts). Bodies and answers in cuOpt's encodings (JSON, msgpack,
// zlib; pickle only when config allows it), each answer in the encoding its Accept header asks for,
// errors as cuOpt words them. The tenant's key comes as HTTP Basic (`user:key@host`, ~/.netrc) or
// Bearer. Encapsulated: its body parsing and error answers apply to these routes only.
import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { encodeReply, replyMedia, requestMedia, unsupportedContentTypeMessage, WireDecodeError, type ReplyRoute, type WireMedia } from '@gpuq/cuopt-wire';
import { cuopt, type GpuqConfig } from '@gpuq/shared';
import { byteLengthOf } from '../body-checks/body-chunks.js';
import { checkedValue } from '../body-checks/body-tasks.js';
import { CuoptError } from '../body-checks/cuopt-body.js';
import { CuoptRequests, type CheckCuoptBody } from '../cuopt-requests.js';
import { readBody } from '../plugins/body-checks.js';
import { ApiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which cuOpt route this is: the answer's encoding follows that route's rules. */
    cuoptRoute?: ReplyRoute;
  }
}

interface IdParams {
  id: string;
}

type Query = Record<string, string | string[] | undefined>;

/** cuOpt's query flags: `true`/`false` (FastAPI also takes 1/0, yes/no, on/off). */
function flag(query: Query, name: string): boolean | undefined {
  const value = query[name];
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  return ['true', '1', 'yes', 'on'].includes(text.toLowerCase());
}

const TAGS = ['cuopt'];

export const cuoptRoutes: FastifyPluginAsync<{ config: GpuqConfig }> = async (app, { config }) => {
  const checkBody: CheckCuoptBody = async (tenant, body) => checkedValue(await app.bodyChecks.check(tenant, { type: 'cuopt', mode: 'check', ...body }), 'cuopt');
  const requests = new CuoptRequests(app.redis, app.jobs, app.batches, config, checkBody);

  // Bodies stay bytes here (the chunks they came in): how to read them is the request's
  // Content-Type, as cuOpt decides it, in the body-check pool.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request: FastifyRequest, payload: IncomingMessage) => readBody(request, payload));

  /** Sends `value` in the encoding the request's Accept asks for on this route (cuOpt's rules). */
  const send = (request: FastifyRequest, reply: FastifyReply, route: ReplyRoute, value: unknown, status = 200, media?: WireMedia) => {
    const chosen = replyMedia(request.headers.accept, route, media);
    if ('unsupported' in chosen) {
      const body = encodeReply({ error: chosen.unsupported, error_result: false }, 'json');
      return reply.code(415).type(body.contentType).send(body.body);
    }
    const body = encodeReply(value, chosen.media);
    return reply.code(status).type(body.contentType).send(body.body);
  };

  const routeOf = (request: FastifyRequest): ReplyRoute => request.routeOptions.config.cuoptRoute ?? 'solution';

  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    // Error bodies as cuOpt's encode() writes them: with error_result (true when it is the request's own outcome).
    if (err instanceof CuoptError) return send(request, reply, routeOf(request), { error: err.message, error_result: err.isResult }, err.status);
    if (err instanceof ApiError) {
      if (err.code === 'unauthorized') void reply.header('www-authenticate', 'Basic realm="gpuq"');
      return send(request, reply, routeOf(request), { error: err.message, error_result: false }, err.statusCode);
    }
    if (err instanceof WireDecodeError) return send(request, reply, routeOf(request), { error: err.message, error_result: false }, err.status);
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err }, 'cuOpt request failed');
    return send(request, reply, routeOf(request), { error: status === 500 ? 'gpuq could not handle the request; it has been logged' : err.message, error_result: false }, status);
  });

  // An Accept the route cannot answer is refused before anything is done, as cuOpt does.
  app.addHook('preHandler', async (request) => {
    const chosen = replyMedia(request.headers.accept, routeOf(request));
    if ('unsupported' in chosen) throw new CuoptError(415, chosen.unsupported);
  });

  const withRoute = (cuoptRoute: ReplyRoute, summary: string) => ({ config: { auth: 'tenant' as const, cuoptRoute }, schema: { tags: TAGS, summary } });

  app.get('/cuopt/health', { config: { auth: 'none', cuoptRoute: 'health' }, schema: { tags: TAGS, summary: 'cuOpt health: gpuq answers as a cuOpt server does' } }, async (request, reply) =>
    send(request, reply, 'health', { status: 'RUNNING', version: cuopt.CUOPT_VERSION } satisfies cuopt.HealthReply),
  );

  app.post<{ Querystring: Query }>('/cuopt/request', withRoute('submit', 'cuOpt submit: the problem becomes gpuq solve jobs; answers its reqId'), async (request, reply) => {
    const contentType = request.headers['content-type'];
    const media = requestMedia(contentType);
    if (media === undefined) throw new CuoptError(415, unsupportedContentTypeMessage(contentType ?? ''));
    for (const header of ['cuopt-data-file', 'cuopt-result-file']) {
      if (request.headers[header] !== undefined) throw new CuoptError(400, `gpuq reads and writes no files on its own disk (${header.toUpperCase()}): send the problem in the body, and read the result from the answer`);
    }
    if (request.query.warmstartId !== undefined || request.query.initialId !== undefined) {
      throw new CuoptError(400, 'gpuq does not take initialId or warmstartId: send the problem alone');
    }
    const cachedId = typeof request.query.reqId === 'string' ? request.query.reqId : undefined;
    if (cachedId !== undefined) return send(request, reply, 'submit', { reqId: await requests.submitCached(request.principal, cachedId) }, 200, media);
    const body = Array.isArray(request.body) ? (request.body as Uint8Array[]) : [];
    if (byteLengthOf(body) === 0) throw new CuoptError(422, 'Data length is zero and reqId not set');
    // A zlib body may not inflate past a few times the body limit (a small bomb stays small).
    const decoding = { allowPickle: config.api.cuopt.allowPickle, maxInflatedBytes: app.initialConfig.bodyLimit! * 8 };
    const tenant = request.principal.tenant;
    let reqId: string;
    if (flag(request.query, 'cache')) {
      reqId = await requests.cache(request.principal, checkedValue(await app.bodyChecks.check(tenant, { type: 'cuopt', mode: 'decode', body, media, decoding }), 'cuopt-problem'));
    } else {
      const checked = checkedValue(await app.bodyChecks.check(tenant, { type: 'cuopt', mode: 'check', body, media, decoding }), 'cuopt');
      reqId = flag(request.query, 'validation_only') ? await requests.validated(request.principal, checked) : await requests.submit(request.principal, checked);
    }
    return send(request, reply, 'submit', { reqId } satisfies cuopt.SubmitReply, 200, media);
  });

  app.get<{ Params: IdParams }>('/cuopt/solution/:id', withRoute('solution', 'cuOpt poll: `{reqId}` while it runs, then its response'), async (request, reply) => {
    const { id } = request.params;
    const answer = await requests.solution(request.principal, id);
    if (answer.state === 'pending') return send(request, reply, 'solution', { reqId: id } satisfies cuopt.SolutionReply);
    return send(request, reply, 'solution', { response: answer.response, reqId: id, ...(answer.notes ? { notes: answer.notes } : {}) });
  });

  app.delete<{ Params: IdParams }>('/cuopt/solution/:id', withRoute('delete-solution', 'cuOpt delete a result'), async (request, reply) => {
    await requests.deleteSolution(request.principal, request.params.id);
    return reply.code(200).send();
  });

  app.get<{ Params: IdParams }>('/cuopt/solution/:id/incumbents', withRoute('incumbents', 'cuOpt MILP incumbents, each once, then the end marker'), async (request, reply) =>
    send(request, reply, 'incumbents', await requests.incumbents(request.principal, request.params.id)),
  );

  app.get<{ Params: IdParams; Querystring: Query }>('/cuopt/log/:id', withRoute('log', 'cuOpt solver log from byte `frombyte`'), async (request, reply) => {
    const { id } = request.params;
    const fromByte = Number(request.query.frombyte ?? 0);
    if (!Number.isInteger(fromByte) || fromByte < 0) throw new CuoptError(422, 'frombyte must be a whole number of 0 or more');
    const log = await requests.log(request.principal, id, fromByte);
    // cuOpt answers this one without its encode(): a plain JSON {"error"}.
    if (!log) return reply.code(404).type('application/json').send(JSON.stringify({ error: `log not found for request ${id}` }));
    return send(request, reply, 'log', log);
  });

  // cuOpt's client deletes the log after the solution; gpuq keeps a job's log as long as the job.
  app.delete<{ Params: IdParams }>('/cuopt/log/:id', withRoute('log', 'cuOpt delete a log: the job keeps it for its retention'), async (request, reply) => {
    await requests.status(request.principal, request.params.id);
    return reply.code(200).send();
  });

  app.get<{ Params: IdParams }>('/cuopt/request/:id', withRoute('request-status', 'cuOpt status: queued, running, completed or aborted'), async (request, reply) =>
    send(request, reply, 'request-status', await requests.status(request.principal, request.params.id)),
  );

  app.delete<{ Params: IdParams; Querystring: Query }>('/cuopt/request/:id', withRoute('abort', 'cuOpt cancel: stops its gpuq jobs'), async (request, reply) => {
    const { id } = request.params;
    const given = { running: flag(request.query, 'running'), queued: flag(request.query, 'queued'), cached: flag(request.query, 'cached') };
    const anyGiven = Object.values(given).some((v) => v !== undefined);
    // cuOpt: a specific id with no flags means all three; with some flags, the others are false.
    const which = { running: given.running ?? !anyGiven, queued: given.queued ?? !anyGiven, cached: given.cached ?? !anyGiven };
    if (id === '*') throw new CuoptError(400, 'gpuq cancels one request at a time: give its reqId');
    return send(request, reply, 'abort', await requests.abort(request.principal, id, which));
  });
};
