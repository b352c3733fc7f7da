#!/usr/bin/env node
// `npm start`: builds what changed, then runs Redis (unless REDIS_URL points at one), solver-cpu,
// model-cpu, the scheduler and the API on this machine. Ctrl-C stops all of them and leaves nothing behind.
// Ports come from GPUQ_REDIS_PORT, SOLVER_PORT, MODEL_PORT, SCHEDULER_METRICS_PORT and PORT, and
// the config it writes (unless GPUQ_CONFIG is set) points the scheduler at the same ones; data is
// kept per instance in GPUQ_DATA_DIR (default .data/<Redis port>). `--no-build` skips the build.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasImage, STAND_IN_IMAGE } from './lib/boltz-stand-in.mjs';
import { BOLTZ_IMAGE, renderDevConfig } from './lib/dev-config.mjs';
import { hasNvidiaSmi, resolveInstance, StartError } from './lib/instance.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const children = [];
let stopping = false;

const say = (message) => process.stderr.write(`[gpuq] ${message}\n`);

function build() {
  say('building (incremental)…');
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  if (!existsSync(tsc)) {
    say('dependencies are missing: run `npm install` first.');
    process.exit(1);
  }
  const result = spawnSync(tsc, ['-b'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    say('the build failed; see the errors above.');
    process.exit(1);
  }
}

/** What answers on a port: a Redis, something else (anything that accepts the connection), or nothing. */
function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    let isConnected = false;
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => {
      isConnected = true;
      socket.write('PING\r\n');
    });
    socket.on('data', (chunk) => {
      answer += chunk;
      socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer.startsWith('+PONG') ? 'redis' : isConnected ? 'other' : 'free'));
  });
}

/**
 * Until the server `entry` runs says it serves, and then answers `healthUrl`. Its own word, not a
 * health check alone: another process that took the port first would answer that one.
 */
async function serving(entry, healthUrl, timeoutMs = 20_000) {
  let timer;
  const deadline = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${entry.name} did not come up within ${timeoutMs / 1000} s`)), timeoutMs)));
  const died = entry.exited.then(({ code, signal }) => {
    throw new Error(`${entry.name} exited (${signal ?? `code ${code}`}) before it served`);
  });
  died.catch(() => undefined); // an exit after it served is start()'s to report
  try {
    await Promise.race([entry.ready, deadline, died]);
    await waitFor(answers(healthUrl), entry.name, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

const answers = (url) => async () => {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
};

async function waitFor(check, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
}

function start(name, command, args, { env = {}, detached = false } = {}) {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    // Node apps get an IPC channel, on which a server says the port it bound once it serves.
    stdio: detached ? ['ignore', 'inherit', 'inherit'] : ['inherit', 'inherit', 'inherit', 'ipc'],
    detached,
  });
  const entry = { name, child, exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))) };
  entry.ready = new Promise((resolve) => child.on('message', (message) => message?.gpuqReady && resolve(message.gpuqReady)));
  child.once('error', (err) => say(`${name} could not start: ${err.message}`));
  void entry.exited.then(({ code, signal }) => {
    if (!stopping) {
      say(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything.`);
      void stopAll(1);
    }
  });
  children.push(entry);
  return entry;
}

async function startRedis(redisPort, dataDir) {
  if (process.env.REDIS_URL) {
    say(`using the Redis at ${process.env.REDIS_URL}`);
    return process.env.REDIS_URL;
  }
  const url = `redis://127.0.0.1:${redisPort}`;
  const state = await ping(redisPort);
  if (state === 'redis') {
    say(`a Redis is already listening on ${redisPort}; using it (it was not started by this run and is left running)`);
    return url;
  }
  if (state === 'other') {
    say(`port ${redisPort} is taken by something that is not Redis, and Redis wants it: set GPUQ_REDIS_PORT to a free port, or REDIS_URL to a Redis you run.`);
    process.exit(1);
  }
  if (spawnSync('redis-server', ['--version']).error) {
    say('redis-server is not installed. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`;');
    say('macOS: `brew install redis`), or set REDIS_URL to a Redis you already run.');
    process.exit(1);
  }
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  // Its own process group, so Ctrl-C reaches it only after the apps that use it have stopped.
  start(
    'redis',
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(redisPort), '--dir', dir, '--logfile', 'redis.log', '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--save', ''],
    { detached: true },
  );
  await waitFor(async () => (await ping(redisPort)) === 'redis', 'redis');
  say(`redis is up on ${url} (AOF on; data and log in ${shown(dir)})`);
  return url;
}

async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  const apps = children.filter((c) => c.name !== 'redis');
  const redis = children.filter((c) => c.name === 'redis');
  for (const group of [apps, redis]) {
    for (const { child } of group) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => {
      for (const { name, child } of group) {
        if (child.exitCode === null && child.signalCode === null) {
          say(`${name} did not stop in time; killing it`);
          child.kill('SIGKILL');
        }
      }
    }, 30_000);
    await Promise.all(group.map((c) => c.exited));
    clearTimeout(killer);
  }
  say('stopped.');
  process.exit(exitCode);
}

// A last resort if this process dies without running stopAll.
process.on('exit', () => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

/** A path as short as it can be said: relative to the checkout when inside it. */
function shown(path) {
  const inside = relative(root, path);
  return inside.startsWith('..') ? path : inside;
}

/** The image fold jobs run: GPUQ_FOLD_IMAGE, else the real Boltz-2 when built, else the stand-in on a machine without a GPU. */
function chooseFoldImage() {
  const named = process.env.GPUQ_FOLD_IMAGE;
  if (named) return { image: named, isStandIn: named === STAND_IN_IMAGE };
  if (hasImage(BOLTZ_IMAGE) || !hasImage(STAND_IN_IMAGE)) return { isStandIn: false };
  if (hasNvidiaSmi()) {
    say(`${STAND_IN_IMAGE} is here, but this machine has GPUs: fold jobs need the real image (docker build -t ${BOLTZ_IMAGE} deploy/images/boltz2).`);
    return { isStandIn: false };
  }
  return { image: STAND_IN_IMAGE, isStandIn: true };
}

/** GPUQ_CONFIG when set; otherwise the instance's dev config, written now. */
function configFor(instance) {
  if (process.env.GPUQ_CONFIG) {
    if (process.env.SOLVER_PORT || process.env.MODEL_PORT) say(`GPUQ_CONFIG is set: its URLs, not SOLVER_PORT or MODEL_PORT, say where the scheduler sends work.`);
    return process.env.GPUQ_CONFIG;
  }
  const fold = chooseFoldImage();
  if (fold.isStandIn) say(`fold jobs run ${fold.image}: a stand-in that writes made-up structures, not Boltz-2.`);
  const path = join(instance.dataDir, 'gpuq.yaml');
  writeFileSync(path, renderDevConfig({ solverUrl: instance.solver.url, modelUrl: instance.model.url, dataDir: instance.dataDir, fold }));
  return path;
}

let instance;
try {
  instance = await resolveInstance(process.env, root);
} catch (err) {
  if (!(err instanceof StartError)) throw err;
  say(err.message);
  process.exit(1);
}
if (!process.argv.includes('--no-build')) build();
mkdirSync(instance.dataDir, { recursive: true });
if (!process.env.GPUQ_DATA_DIR && existsSync(join(root, '.data', 'redis'))) {
  say(`.data/redis (an older gpuq's) is not used any more: to keep its jobs, stop gpuq and move it to ${shown(join(instance.dataDir, 'redis'))}.`);
}
const redisUrl = await startRedis(instance.redisPort, instance.dataDir);
const env = {
  REDIS_URL: redisUrl,
  GPUQ_CONFIG: configFor(instance),
  SOLVER_PORT: String(instance.solver.port),
  MODEL_PORT: String(instance.model.port),
  SCHEDULER_METRICS_PORT: String(instance.metrics.port),
  PORT: String(instance.api.port),
};
const solver = start('solver-cpu', process.execPath, ['apps/solver-cpu/dist/server.js'], { env });
const model = start('model-cpu', process.execPath, ['apps/model-cpu/dist/server.js'], { env });
try {
  // The scheduler dispatches as soon as it starts: give it servers that are already answering.
  await serving(solver, `${instance.solver.url}/cuopt/health`);
  await serving(model, `${instance.model.url}/health`);
  start('scheduler', process.execPath, ['apps/scheduler/dist/main.js'], { env });
  await serving(start('api', process.execPath, ['apps/api/dist/server.js'], { env }), `${instance.api.url}/healthz`);
} catch (err) {
  say(err.message);
  void stopAll(1);
}
if (!stopping) {
  say(`solver-cpu ${instance.solver.url}, model-cpu ${instance.model.url}, scheduler metrics ${instance.metrics.url}/metrics; data in ${shown(instance.dataDir)}`);
  say(`gpuq is up: API ${instance.api.url}  (POST /v1/jobs, GET /v1/jobs/:id). Ctrl-C stops everything.`);
}
