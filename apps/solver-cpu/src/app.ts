// The cuOpt REST protocol over HTTP, as the cuOpt 25.08 server speaks it to NVIDIA's thin client:
// its encodings, status codes and error bodies. Solving happens in the SolverPool's threads.
import Fastify, { LogController } from 'fastify';
import type { Logger } from '@gpuq/runtime';
import { RequestStore } from './request-store.js';
import { sendEncoded, sendPlainError } from './replies.js';
import { healthRoutes } from './routes/health.js';
import { logRoutes } from './routes/log.js';
import { requestRoutes } from './routes/request.js';
import { solutionRoutes } from './routes/solution.js';
import { submitRoutes } from './routes/submit.js';
import { SolverPool } from './solver-pool.js';

export interface SolverAppOptions {
  log: Logger;
  threads: number;
  maxBodyBytes: number;
  /** Finished requests, cached bodies and logs nobody deleted are dropped after this long. */
  resultTtlMs: number;
  abortGraceMs?: number;
}

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

  // Bodies stay bytes in their wire encoding; the solver thread decodes them off the event loop.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) options.log.error({ err }, 'request failed');
    // cuOpt's catch-all handler, without the internals of what went wrong.
    return sendPlainError(reply, status, status >= 500 ? 'cuOpt unhandled exception, please include this message in any error report: internal error' : err.message);
  });
  app.setNotFoundHandler((_request, reply) => sendEncoded(reply, 404, { detail: 'Not Found' }, 'json'));

  const context = { store, pool };
  await app.register(healthRoutes);
  await app.register(submitRoutes, context);
  await app.register(solutionRoutes, context);
  await app.register(requestRoutes, context);
  await app.register(logRoutes, context);
  return app;
}
