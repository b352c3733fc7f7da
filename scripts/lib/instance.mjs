// One `npm start` instance: the ports its servers listen on, where its data lives, and the check
// that every port is free before anything starts. Each port comes from one variable, and the dev
// config points the scheduler at the same ports, so moving a server moves what sends it work.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { isAbsolute, join } from 'node:path';

const LOOPBACK = '127.0.0.1';

/** The servers `npm start` runs, with the variables that place them and their defaults. */
const SERVERS = [
  { name: 'solver-cpu', portVar: 'SOLVER_PORT', hostVar: 'SOLVER_HOST', port: 5000 },
  { name: 'model-cpu', portVar: 'MODEL_PORT', hostVar: 'MODEL_HOST', port: 5100 },
  { name: "the scheduler's /metrics", portVar: 'SCHEDULER_METRICS_PORT', hostVar: 'SCHEDULER_METRICS_HOST', port: 9464 },
  { name: 'the API', portVar: 'PORT', hostVar: 'HOST', port: 8080 },
];

/** Thrown for a setting `npm start` cannot run with; its message is one line that says what to set. */
export class StartError extends Error {
  name = 'StartError';
}

function portOf(env, variable, fallback) {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new StartError(`${variable}=${raw} is not a port (0 to 65535).`);
  return port;
}

/** Where a client on this machine reaches a server bound to `host`. */
const reachAt = (host) => (host === '0.0.0.0' || host === '::' ? LOOPBACK : host.includes(':') ? `[${host}]` : host);

/** Binds host:port and lets go: the port it got (a free one for 0), or the error that stopped it. */
function tryListen(host, port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err) => resolve({ err }));
    server.listen({ host, port, exclusive: true }, () => {
      const { port: got } = server.address();
      server.close(() => resolve({ port: got }));
    });
  });
}

/**
 * The instance's settings from the environment, every port checked free (port 0 becomes a free
 * one). Throws StartError naming the port, who wants it and the variable that moves it.
 */
export async function resolveInstance(env, root) {
  const redisPort = portOf(env, 'GPUQ_REDIS_PORT', 6380);
  const servers = SERVERS.map((s) => ({ ...s, host: env[s.hostVar] || LOOPBACK, port: portOf(env, s.portVar, s.port) }));
  for (const [i, a] of servers.entries()) {
    for (const b of servers.slice(i + 1)) {
      if (a.port !== 0 && a.port === b.port) throw new StartError(`${a.name} and ${b.name} both want port ${a.port}: set ${a.portVar} or ${b.portVar} to another.`);
    }
    if (!env.REDIS_URL && a.port === redisPort) throw new StartError(`${a.name} and Redis both want port ${a.port}: set ${a.portVar} or GPUQ_REDIS_PORT to another.`);
  }
  for (const server of servers) {
    const { port, err } = await tryListen(server.host, server.port);
    if (err?.code === 'EADDRINUSE') {
      throw new StartError(`port ${server.port} is taken, and ${server.name} wants it: set ${server.portVar} to a free port, or stop what listens there.`);
    }
    if (err) throw new StartError(`${server.name} cannot listen on ${server.host}:${server.port} (${err.code ?? err.message}): set ${server.hostVar} or ${server.portVar}.`);
    server.port = port;
  }
  // Data is kept per Redis: the jobs are in it, and the artifacts and attempt directories belong to them.
  const redisKey = env.REDIS_URL ? new URL(env.REDIS_URL).port || '6379' : String(redisPort);
  const dataDir = env.GPUQ_DATA_DIR ? (isAbsolute(env.GPUQ_DATA_DIR) ? env.GPUQ_DATA_DIR : join(root, env.GPUQ_DATA_DIR)) : join(root, '.data', redisKey);
  const byName = Object.fromEntries(servers.map((s) => [s.portVar, { ...s, url: `http://${reachAt(s.host)}:${s.port}` }]));
  return {
    redisPort,
    dataDir,
    solver: byName.SOLVER_PORT,
    model: byName.MODEL_PORT,
    metrics: byName.SCHEDULER_METRICS_PORT,
    api: byName.PORT,
  };
}

/** Whether this machine has an nvidia-smi (then the scheduler finds real GPUs). */
export const hasNvidiaSmi = () => spawnSync('nvidia-smi', ['-L'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
