// solver-cpu: listen, and close on SIGINT/SIGTERM.
import type { AddressInfo } from 'node:net';
import { createLogger, Shutdown, tellParentReady } from '@gpuq/runtime';
import { buildSolverApp } from './app.js';
import { loadSolverEnv } from './env.js';

const log = createLogger('solver-cpu');
const env = loadSolverEnv();
const app = await buildSolverApp({
  log,
  threads: env.SOLVER_THREADS,
  maxBodyBytes: env.SOLVER_MAX_BODY_MB * 1024 * 1024,
  resultTtlMs: env.SOLVER_RESULT_TTL_S * 1000,
});
const shutdown = new Shutdown(log).add({ name: 'http server and solver threads', run: () => app.close() });
shutdown.onSignals();
await app.listen({ host: env.SOLVER_HOST, port: env.SOLVER_PORT });
// The port bound, not the one asked for: with SOLVER_PORT=0 the system picks it, and this line says which.
const { port } = app.server.address() as AddressInfo;
log.info({ url: `http://${env.SOLVER_HOST}:${port}`, port, threads: env.SOLVER_THREADS }, 'solver-cpu ready');
tellParentReady('solver-cpu', port);
