// The state of a stack once its jobs have ended, read through every window a person would look
// at: GET /v1/gpus (reservations, jobs on GPUs and on solve servers' slots), the inventory and
// heartbeats in Redis, BullMQ's own lists, the run records, and the active scheduler's /healthz.
// After any fault, a box at rest must read as empty everywhere: the ledger matches reality.
import { bullmqKey, keys, type GpuState, type SolveServerState } from '@gpuq/shared';
import { isProcessAlive, type AppProcess } from '@gpuq/testkit';
import type { Stack } from '../helpers/stack.js';

export interface SettledState {
  /** Boxes GET /v1/gpus lists (one active scheduler for the one box). */
  boxes: number;
  reservedMb: number;
  jobsOnGpus: number;
  jobsOnSolveServers: number;
  /** Jobs the scheduler holds in its window, by the inventory. */
  held: number;
  /** BullMQ jobs not yet finished, per kind: active, waiting, prioritized, delayed. */
  unfinished: Record<string, number>;
  /** Jobs whose run record still says an attempt is running. */
  recordedRunning: string[];
  /** Schedulers whose heartbeat says active and whose process is alive (a killed one's heartbeat stays behind). */
  activeSchedulers: number;
  /** The role the given scheduler's own /healthz reports. */
  healthzRole: string;
}

export const SETTLED: SettledState = {
  boxes: 1,
  reservedMb: 0,
  jobsOnGpus: 0,
  jobsOnSolveServers: 0,
  held: 0,
  unfinished: {},
  recordedRunning: [],
  activeSchedulers: 1,
  healthzRole: 'active',
};

async function healthzRole(scheduler: AppProcess): Promise<string> {
  const started = scheduler.lines.find((l) => l.msg === 'scheduler starting');
  if (!started || typeof started.metrics !== 'string') return 'no metrics address in its log';
  try {
    const response = await fetch(started.metrics.replace(/\/metrics$/, '/healthz'), { signal: AbortSignal.timeout(5_000) });
    return ((await response.json()) as { role: string }).role;
  } catch (err) {
    return `no answer: ${(err as Error).message}`;
  }
}

export async function readSettledState(stack: Stack, activeScheduler: AppProcess, kinds: string[]): Promise<SettledState> {
  const redis = stack.redis();
  const { boxes } = (await stack.request<{ boxes: Array<{ gpus: GpuState[]; solveServers: SolveServerState[] }> }>('GET', '/v1/gpus')).body;
  const gpus = boxes.flatMap((b) => b.gpus);
  const inventory = await stack.inventory();
  const unfinished: Record<string, number> = {};
  for (const kind of kinds) {
    const [active, wait, prioritized, delayed] = await Promise.all([
      redis.llen(bullmqKey(kind, 'active')),
      redis.llen(bullmqKey(kind, 'wait')),
      redis.zcard(bullmqKey(kind, 'prioritized')),
      redis.zcard(bullmqKey(kind, 'delayed')),
    ]);
    if (active + wait + prioritized + delayed > 0) unfinished[kind] = active + wait + prioritized + delayed;
  }
  const recordedRunning: string[] = [];
  for await (const batch of redis.scanStream({ match: keys.jobRun('*'), count: 500 }) as AsyncIterable<string[]>) {
    for (const key of batch) if ((await redis.hget(key, 'phase')) === 'running') recordedRunning.push(key);
  }
  return {
    boxes: boxes.length,
    reservedMb: gpus.reduce((sum, g) => sum + g.reservedMb, 0),
    jobsOnGpus: gpus.reduce((sum, g) => sum + g.jobs, 0),
    jobsOnSolveServers: boxes.flatMap((b) => b.solveServers).reduce((sum, s) => sum + s.running, 0),
    held: Object.values(inventory?.heldByKind ?? {}).reduce((sum, n) => sum + n, 0),
    unfinished,
    recordedRunning,
    activeSchedulers: Object.values(await stack.heartbeats()).filter((h) => h.role === 'active' && isProcessAlive(h.pid)).length,
    healthzRole: await healthzRole(activeScheduler),
  };
}

/**
 * Waits (the inventory is published a moment after the last job ends) until the state reads as
 * settled, and returns the last state read, settled or not, for the test to compare with SETTLED.
 */
export async function settle(stack: Stack, activeScheduler: AppProcess, kinds: string[] = ['solve'], timeoutMs = 30_000): Promise<SettledState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await readSettledState(stack, activeScheduler, kinds);
    if (JSON.stringify(state) === JSON.stringify(SETTLED) || Date.now() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
