// The cuOpt REST protocol over HTTP: submit, poll, status, cancel, delete, incumbents and health,
// with cuOpt's status codes and error bodies. Solving happens in the SolverPool's threads.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyReply } from 'fastify';
import { cuopt } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import { clientVersionWarnings } from './client-version.js';
import { RequestStore, type SolveRequest } from './request-store.js';
import { SolverPool } from './solver-pool.js';

export interface SolverAppOptions {
  log: Logger;
  threads: number;
  maxBodyBytes: number;
  /** Finished requests nobody deleted are dropped after this long. */
  resultTtlMs: number;
  abortGraceMs?: number;
}

const ACCEPTED_TYPES = [cuopt.CUOPT_JSON];

function errorReply(reply: FastifyReply, status: number, error: string, errorResult: boolean) {
  return reply.code(status).send({ error, error_result: errorResult } satisfies cuopt.ErrorReply);
}

function notFound(reply: FastifyReply, id: string) {
  return errorReply(reply, 404, `job ${id} does not exist`, false);
}

const flag = (value: string | undefined): boolean | undefined =>
  value === undefined ? undefined : ['true', '1', 'yes'].includes(value.toLowerCase());

export async function buildSolverApp(options: SolverAppOptions) {
  const store = new RequestStore();
  const pool = new SolverPool(options.threads, store, options.log, options.abortGraceMs);
  await pool.ready();

  // Polls arrive every few milliseconds per running job: per-request log lines would drown the rest.
  const app = Fastify({
    loggerInstance: options.log,
    bodyLimit: options.maxBodyBytes,
    logController: new LogController({ disableRequestLogging: true }),
  });
  const sweeper = setInterval(() => store.sweep(Date.now(), options.resultTtlMs), Math.min(options.resultTtlMs, 60_000));
  sweeper.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweeper);
    await pool.close();
  });

  // The body stays a string here; the solver thread parses and validates it off the event loop.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) options.log.error({ err }, 'request failed');
    return errorReply(reply, status, status >= 500 ? 'cuOpt unhandled exception, please include this message in any error report' : err.message, false);
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not Found' }));

  const health = () => ({ status: 'RUNNING', version: cuopt.CUOPT_VERSION }) satisfies cuopt.HealthReply;
  app.get('/cuopt/health', async () => health());
  app.get('/v2/health/ready', async () => health());
  app.get('/v2/health/live', async () => health());

  app.post<{ Querystring: Record<string, string> }>('/cuopt/request', async (request, reply) => {
    const contentType = request.headers['content-type'] ?? cuopt.CUOPT_JSON;
    if (!ACCEPTED_TYPES.includes(contentType)) {
      return errorReply(reply, 415, `Unsupported Content-Type value ${contentType}, supported values are [${ACCEPTED_TYPES.join(', ')}]`, false);
    }
    const body = typeof request.body === 'string' ? request.body : '';
    if (body.length === 0) return errorReply(reply, 422, 'Data length is zero and reqId not set', false);
    const clientVersion = request.headers['client-version'];
    const solveRequest: SolveRequest = {
      id: randomUUID(),
      body,
      state: 'queued',
      wantsIncumbents: flag(request.query.incumbent_solutions) ?? false,
      submitWarnings: clientVersionWarnings(Array.isArray(clientVersion) ? clientVersion[0] : clientVersion),
      createdAt: Date.now(),
      incumbents: [],
    };
    store.add(solveRequest);
    pool.submit(solveRequest);
    request.log.info({ cuoptReqId: solveRequest.id, bytes: body.length, queued: pool.queuedCount() }, 'accepted a request');
    return { reqId: solveRequest.id } satisfies cuopt.SubmitReply;
  });

  app.get<{ Params: { id: string } }>('/cuopt/solution/:id', async (request, reply) => {
    const { id } = request.params;
    const found = store.get(id);
    if (!found) return notFound(reply, id);
    if (found.state === 'aborted') return errorReply(reply, 500, `${id} was aborted`, true);
    if (found.state !== 'completed' || !found.outcome) return { reqId: id } satisfies cuopt.SolutionReply;
    const outcome = found.outcome;
    if (!outcome.ok) return errorReply(reply, outcome.status, outcome.error, true);
    const warnings = [...found.submitWarnings, ...outcome.warnings];
    return {
      response: outcome.response,
      reqId: id,
      ...(warnings.length > 0 ? { warnings } : {}),
      ...(outcome.notes.length > 0 ? { notes: outcome.notes } : {}),
    };
  });

  app.get<{ Params: { id: string } }>('/cuopt/solution/:id/incumbents', async (request, reply) => {
    const { id } = request.params;
    const found = store.get(id);
    if (!found) return notFound(reply, id);
    const incumbents = found.incumbents.splice(0);
    const finished = found.state === 'completed' || found.state === 'aborted';
    // cuOpt's sentinel: once the solve is over and nothing is left, this one entry, forever.
    if (incumbents.length === 0 && finished) return [{ solution: [], cost: null, bound: null }];
    return incumbents;
  });

  app.delete<{ Params: { id: string } }>('/cuopt/solution/:id', async (request, reply) => {
    const { id } = request.params;
    const found = store.get(id);
    if (!found) return notFound(reply, id);
    if (found.state === 'completed' || found.state === 'aborted') store.delete(id);
    return reply.code(200).send();
  });

  app.get<{ Params: { id: string } }>('/cuopt/request/:id', async (request, reply) => {
    const found = store.get(request.params.id);
    if (!found) return notFound(reply, request.params.id);
    return reply.type('application/json').send(JSON.stringify(found.state satisfies cuopt.RequestStatus));
  });

  app.delete<{ Params: { id: string }; Querystring: Record<string, string> }>('/cuopt/request/:id', async (request, reply) => {
    const { id } = request.params;
    const given = { running: flag(request.query.running), queued: flag(request.query.queued), cached: flag(request.query.cached) };
    const anyGiven = Object.values(given).some((v) => v !== undefined);
    const wildcard = id === '*';
    // cuOpt: a specific id with no flags means all three; with some flags or '*', unset ones are false.
    const which = {
      running: given.running ?? !(anyGiven || wildcard),
      queued: given.queued ?? !(anyGiven || wildcard),
    };
    if (wildcard && !which.running && !which.queued && !given.cached) {
      return errorReply(reply, 400, 'Request id is wildcard but no flags set', false);
    }
    const counts = pool.abort(id, which);
    return { cached: 0, ...counts } satisfies cuopt.AbortReply;
  });

  return app;
}
