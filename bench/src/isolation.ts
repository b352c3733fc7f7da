// Benchmark 6, isolation: one tenant sends the largest bodies it may (hostile-tenant.ts, a process
// of its own), while another measures /healthz and a small submit. The same API twice in one run:
// with every body checked on the event loop (inlineMaxBytes above the body limit: the API before
// the body-check pool) and with the pool's defaults. test/tenant-isolation.test.ts runs the same load.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadApiEnv } from '@gpuq/api/dist/env.js';
import { AppProcess, ROOT, startListening } from '@gpuq/testkit';
import { onCleanup, throwIfStopping } from './cleanup.js';
import { benchRedis } from './connections.js';
import type { HostileAnswers, HostileLoad, HostileMessage, HostileRequest } from './hostile-tenant.js';
import { SOLVE_INPUT } from './job-data.js';
import { latency, markdownTable, type Latency } from './measure.js';

export const HOSTILE_KEY = 'mallory-key-0123456789abcdef';
export const NEIGHBOUR_KEY = 'alice-key-0123456789abcdef';
/** The API's body limit (API_MAX_BODY_MB's default: 16 MiB), which the hostile bodies stay just under. */
export const MAX_BODY_BYTES = loadApiEnv({}).API_MAX_BODY_MB * 2 ** 20;

/** The neighbour's small submit: an LP of two variables. */
const SMALL_SUBMIT = JSON.stringify({ kind: 'solve', input: SOLVE_INPUT, labels: { bench: 'isolation' } });

export interface IsolationOptions {
  durationS: number;
  /** The hostile tenant's bodies in flight at once. */
  concurrency: number;
}

/** One probe loop's answers: latency, statuses, and requests that got no answer. */
export interface Probe {
  latency: Latency;
  byStatus: Record<string, number>;
  socketErrors: Record<string, number>;
}

export interface IsolationLoadResult {
  healthz: Probe;
  submit: Probe;
  hostile: HostileAnswers;
  mpsBytes: number;
  vrpBytes: number;
}

export interface TenantsApi {
  url: string;
  process: AppProcess;
  stop(): Promise<void>;
}

/**
 * gpuq's API with two tenants, `mallory` (HOSTILE_KEY) and `alice` (NEIGHBOUR_KEY), webhooks off,
 * `bodyChecks` merged into the config's `api.bodyChecks`. Alice's rate limit is raised so her probes
 * (20 submits a second) are never limited; Mallory has the default, which her bodies never reach.
 */
export async function startTenantsApi(redisUrl: string, bodyChecks: Record<string, unknown> = {}): Promise<TenantsApi> {
  throwIfStopping();
  const dir = mkdtempSync(join(tmpdir(), 'gpuq-isolation-'));
  const configPath = join(dir, 'gpuq.json');
  // A box with a cuOpt server, so that a VRP is taken as on a GPU box, not refused as no server's
  // problem; nothing calls it (no scheduler runs: submits only queue their jobs).
  const config = {
    gpus: [{ id: 'gpu0', vramMb: 81_920 }],
    kinds: { solve: { servers: [{ name: 'cuopt', url: 'http://127.0.0.1:9', gpus: ['gpu0'] }] } },
    api: { bodyChecks, tenants: { alice: { rateLimitPerMinute: 1_000_000 } } },
  };
  writeFileSync(configPath, JSON.stringify(config));
  // At `info` (its ready line says the port it bound): one log line per POST, in both runs alike.
  const env = { REDIS_URL: redisUrl, GPUQ_CONFIG: configPath, GPUQ_API_KEYS: `mallory:${HOSTILE_KEY},alice:${NEIGHBOUR_KEY}`, API_WEBHOOKS: 'false', LOG_LEVEL: 'info' };
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const started = await startListening((port) => new AppProcess('api', 'apps/api/dist/server.js', { ...env, PORT: String(port) }), { readyMsg: 'api listening', timeoutMs: 30_000 }).catch((err: unknown) => {
    removeDir();
    throw err;
  });
  const stop = onCleanup('the API', async () => {
    await started.process.stop();
    removeDir();
  }, 25_000);
  return { url: started.url, process: started.process, stop };
}

/** Calls `request` in a loop, `pauseMs` apart, until `isDone()`: its latencies and answers. */
async function probe(request: () => Promise<Response>, pauseMs: number, isDone: () => boolean): Promise<Probe> {
  const timesMs: number[] = [];
  const result = { byStatus: {} as Record<string, number>, socketErrors: {} as Record<string, number> };
  while (!isDone()) {
    const startedAt = performance.now();
    try {
      const response = await request();
      await response.arrayBuffer();
      timesMs.push(performance.now() - startedAt);
      result.byStatus[response.status] = (result.byStatus[response.status] ?? 0) + 1;
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      result.socketErrors[code] = (result.socketErrors[code] ?? 0) + 1;
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return { latency: latency(timesMs), ...result };
}

/**
 * The load against the API at `url`: the hostile tenant forked and sending; meanwhile, from this
 * process, /healthz every 20 ms and a small submit every 50 ms, each after the last was answered.
 */
export async function isolationLoad(url: string, options: IsolationOptions): Promise<IsolationLoadResult> {
  throwIfStopping();
  // No execArgv: under vitest the parent's flags are the test runner's.
  const child = fork(join(ROOT, 'bench', 'dist', 'hostile-tenant.js'), { cwd: ROOT, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const stopChild = onCleanup('the hostile tenant', async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const heard = (type: HostileMessage['type']) =>
    new Promise<HostileMessage>((resolve, reject) => {
      child.on('message', (message: HostileMessage) => message.type === type && resolve(message));
      void exited.then((code) => reject(new Error(`the hostile tenant exited (${code}) before it said '${type}'`)));
    });
  try {
    const sending = heard('sending');
    const done = heard('done');
    // Awaited below; unless sending failed first, and then its rejection is the same exit's.
    done.catch(() => undefined);
    const load: HostileLoad = { url, key: HOSTILE_KEY, bodyBytes: MAX_BODY_BYTES - 64 * 1024, concurrency: options.concurrency, durationMs: options.durationS * 1000 };
    child.send({ type: 'start', load } satisfies HostileRequest);
    const sizes = await sending;
    const deadlineMs = Date.now() + load.durationMs;
    const isDone = () => Date.now() >= deadlineMs;
    const headers = { authorization: `Bearer ${NEIGHBOUR_KEY}`, 'content-type': 'application/json' };
    const [healthz, submit] = await Promise.all([
      probe(() => fetch(`${url}/healthz`), 20, isDone),
      probe(() => fetch(`${url}/v1/jobs`, { method: 'POST', headers, body: SMALL_SUBMIT }), 50, isDone),
    ]);
    const answers = await done;
    if (sizes.type !== 'sending' || answers.type !== 'done') throw new Error('the hostile tenant said something else');
    return { healthz, submit, hostile: answers.answers, mpsBytes: sizes.mpsBytes, vrpBytes: sizes.vrpBytes };
  } finally {
    await stopChild();
  }
}

export interface IsolationResults {
  durationS: number;
  concurrency: number;
  /** Every body checked on the event loop: the API before the body-check pool. */
  onEventLoop: IsolationLoadResult;
  /** The body-check pool, with its defaults. */
  pool: IsolationLoadResult;
}

async function measureWith(redisUrl: string, bodyChecks: Record<string, unknown>, options: IsolationOptions): Promise<IsolationLoadResult> {
  const redis = benchRedis(redisUrl);
  const api = await startTenantsApi(redisUrl, bodyChecks);
  try {
    return await isolationLoad(api.url, options);
  } finally {
    await api.stop();
    // The hostile bodies that were taken are stored in Redis, 16 MiB each.
    await redis.flushdb();
    await redis.quit();
  }
}

export async function benchIsolation(redisUrl: string, options: IsolationOptions): Promise<IsolationResults> {
  const onEventLoop = await measureWith(redisUrl, { inlineMaxBytes: Number.MAX_SAFE_INTEGER }, options);
  const pool = await measureWith(redisUrl, {}, options);
  return { ...options, onEventLoop, pool };
}

const counts = (byKey: Record<string, number>) =>
  Object.entries(byKey)
    .map(([key, n]) => `${n} × ${key}`)
    .join(', ') || 'none';

/** The hostile tenant's answers: by status, then refusals by error code, then requests with no answer. */
export function hostileSummary(hostile: HostileAnswers): string {
  const errors = Object.keys(hostile.socketErrors).length > 0 ? `; no answer: ${counts(hostile.socketErrors)}` : '';
  const refusals = Object.keys(hostile.byErrorCode).length > 0 ? ` (${counts(hostile.byErrorCode)})` : '';
  return `${counts(hostile.byStatus)}${refusals}${errors}`;
}

export function isolationTable(results: IsolationResults): string[] {
  const row = (name: string, r: IsolationLoadResult) => [
    name,
    counts({ ...r.healthz.byStatus, ...r.healthz.socketErrors }),
    r.healthz.latency.p50Ms,
    r.healthz.latency.p99Ms,
    r.healthz.latency.maxMs,
    counts({ ...r.submit.byStatus, ...r.submit.socketErrors }),
    r.submit.latency.p50Ms,
    r.submit.latency.p99Ms,
    r.submit.latency.maxMs,
    hostileSummary(r.hostile),
  ];
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  const { pool } = results;
  return [
    ...markdownTable(
      ['body checks', '/healthz answers', 'p50 ms', 'p99', 'max', 'small submits', 'p50 ms', 'p99', 'max', 'hostile answers'],
      ['l', 'l', 'r', 'r', 'r', 'l', 'r', 'r', 'r', 'l'],
      [row('on the event loop (before the pool)', results.onEventLoop), row('worker-thread pool (defaults)', pool)],
    ),
    '',
    `hostile tenant: ${results.concurrency} bodies at once for ${results.durationS} s, a ${mib(pool.mpsBytes)} MiB MPS and a ${mib(pool.vrpBytes)} MiB VRP matrix (the body limit is ${mib(MAX_BODY_BYTES)} MiB); the neighbour: /healthz every 20 ms, a small submit every 50 ms`,
  ];
}
