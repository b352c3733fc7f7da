// Each documented route's operationId (what a generated client names its method) and the key it
// needs, read from the route's own `config.auth` so the document cannot say otherwise.
import type { SwaggerTransform } from '@fastify/swagger';
import type { FastifySchema } from 'fastify';
import type { AuthLevel } from './auth.js';

/** `METHOD url` as Fastify registers it → operationId. A route missing here fails openapi.int.test.ts. */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  'GET /healthz': 'health',
  'GET /readyz': 'ready',
  'POST /v1/jobs': 'submitJob',
  'GET /v1/jobs': 'listJobs',
  'GET /v1/jobs/:id': 'getJob',
  'DELETE /v1/jobs/:id': 'cancelJob',
  'GET /v1/jobs/:id/result': 'getJobResult',
  'GET /v1/jobs/:id/events': 'streamJobEvents',
  'GET /v1/jobs/:id/logs': 'getJobLogs',
  'GET /v1/jobs/:id/incumbent': 'getJobIncumbent',
  'GET /v1/jobs/:id/artifacts/:name': 'getJobArtifact',
  'POST /v1/batches': 'submitBatch',
  'GET /v1/batches/:id': 'getBatch',
  'GET /v1/gpus': 'listGpus',
  'POST /v1/boxes/:boxId/drain': 'drainBox',
  'DELETE /v1/boxes/:boxId/drain': 'undrainBox',
  'GET /v1/system/status': 'getSystemStatus',
  'GET /v1/system/queue': 'getSystemQueue',
  'GET /v1/system/failures': 'listSystemFailures',
  'GET /v1/jobs/:id/attempts': 'listJobAttempts',
  'GET /cuopt/health': 'cuoptHealth',
  'POST /cuopt/request': 'cuoptSubmitRequest',
  'GET /cuopt/request/:id': 'cuoptGetRequestStatus',
  'DELETE /cuopt/request/:id': 'cuoptAbortRequest',
  'GET /cuopt/solution/:id': 'cuoptGetSolution',
  'DELETE /cuopt/solution/:id': 'cuoptDeleteSolution',
  'GET /cuopt/solution/:id/incumbents': 'cuoptGetIncumbents',
  'GET /cuopt/log/:id': 'cuoptGetLog',
  'DELETE /cuopt/log/:id': 'cuoptDeleteLog',
};

/** Either key scheme works on every route that needs a key (auth/key-from-header.ts). */
export const KEY_SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { basicAuth: [] }];

const ADMIN_NOTE = 'Admins only: needs a key with the admin role; any other key gets 403 `forbidden`.';

/** The auth plugin's rule: a route's own level, else a key for /v1 and none elsewhere. */
const authLevelOf = (url: string, level: AuthLevel | undefined): AuthLevel => level ?? (url.startsWith('/v1/') ? 'tenant' : 'none');

/** Wraps the zod transform: adds the operationId, the security the route enforces, and the admin note. */
export function withOperations<S extends FastifySchema>(transform: SwaggerTransform<S>): SwaggerTransform<S> {
  return (input) => {
    const result = transform(input);
    const schema = result.schema as Record<string, unknown> | undefined;
    if (!schema || schema.hide === true) return result;
    const { route, url } = input;
    const method = Array.isArray(route.method) ? route.method[0] : route.method;
    const operationId = OPERATION_IDS[`${method} ${url}`];
    const level = authLevelOf(url, route.config?.auth);
    const description = typeof schema.description === 'string' ? schema.description : undefined;
    return {
      ...result,
      schema: {
        ...schema,
        ...(operationId ? { operationId } : {}),
        security: level === 'none' ? [] : KEY_SECURITY,
        ...(level === 'admin' ? { description: description ? `${description}\n\n${ADMIN_NOTE}` : ADMIN_NOTE } : {}),
      },
    };
  };
}
