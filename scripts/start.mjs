#!/usr/bin/env node
// `npm start`: builds what changed, then runs Redis (unless REDIS_URL points at one), solver-cpu,
// model-cpu, the scheduler and the API on this machine. Ctrl-C stops all of them and leaves nothing behind.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const redisPort = Number(process.env.GPUQ_REDIS_PORT ?? 6380);
const apiPort = Number(process.env.PORT ?? 8080);
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

function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk;
      socket.end();
    });
    socket.on('close', () => resolve(answer.startsWith('+PONG') ? 'redis' : answer ? 'other' : 'free'));
    socket.on('error', () => resolve('free'));
  });
}

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
    stdio: detached ? ['ignore', 'inherit', 'inherit'] : 'inherit',
    detached,
  });
  const entry = { name, child, exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))) };
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

async function startRedis() {
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
    say(`port ${redisPort} is taken by something that is not Redis: set GPUQ_REDIS_PORT, or REDIS_URL to a Redis you run.`);
    process.exit(1);
  }
  if (spawnSync('redis-server', ['--version']).error) {
    say('redis-server is not installed. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`;');
    say('macOS: `brew install redis`), or set REDIS_URL to a Redis you already run.');
    process.exit(1);
  }
  const dir = join(root, '.data', 'redis');
  mkdirSync(dir, { recursive: true });
  // Its own process group, so Ctrl-C reaches it only after the apps that use it have stopped.
  start(
    'redis',
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(redisPort), '--dir', dir, '--logfile', 'redis.log', '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--save', ''],
    { detached: true },
  );
  await waitFor(async () => (await ping(redisPort)) === 'redis', 'redis');
  say(`redis is up on ${url} (AOF on; data and log in .data/redis)`);
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

build();
const redisUrl = await startRedis();
const env = { REDIS_URL: redisUrl };
const solverPort = Number(process.env.SOLVER_PORT ?? 5000);
const modelPort = Number(process.env.MODEL_PORT ?? 5100);
const answers = (url) => async () => {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
};
start('solver-cpu', process.execPath, ['apps/solver-cpu/dist/server.js'], { env });
start('model-cpu', process.execPath, ['apps/model-cpu/dist/server.js'], { env });
// The scheduler dispatches as soon as it starts: give it servers that are already answering.
await waitFor(answers(`http://127.0.0.1:${solverPort}/cuopt/health`), 'solver-cpu');
await waitFor(answers(`http://127.0.0.1:${modelPort}/health`), 'model-cpu');
start('scheduler', process.execPath, ['apps/scheduler/dist/main.js'], { env });
start('api', process.execPath, ['apps/api/dist/server.js'], { env });
await waitFor(answers(`http://127.0.0.1:${apiPort}/healthz`), 'the API').catch((err) => {
  say(err.message);
  void stopAll(1);
});
if (!stopping) {
  say(`gpuq is up: API http://127.0.0.1:${apiPort}  (POST /v1/jobs, GET /v1/jobs/:id). Ctrl-C stops everything.`);
}
