// Benchmark 5, many boxes on one queue: the throughput benchmark's backlog of mixed jobs drained by 1, 2
// and 4 scheduler processes (boxes) on one Redis, the same GPUs split between them. It shows how
// the drain scales with boxes and where Redis becomes the limit: Redis's own CPU time per job
// (INFO cpu) and its share of the wall clock. On this bench's machine every process shares the
// same cores, so more processes also means less CPU each: read the Redis column for the limit.
import { Queue } from 'bullmq';
import { KINDS, queueName } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';
import { enqueueJobs } from '@gpuq/api/dist/queue-producer.js';
import { CleanupScope } from './cleanup.js';
import { benchRedis, bullOptions, ignoreErrors, redisCpuS } from './connections.js';
import { startScheduler } from './consumer-process.js';
import { gpusOf, writeBenchConfig } from './gpuq-config.js';
import { epochMs, markdownTable, round, sleep } from './measure.js';
import { completedOf, preload } from './throughput.js';

export interface BoxesOptions {
  jobs: number;
  /** GPUs in all, split evenly between the boxes. */
  gpus: number;
  limitS: number;
  boxCounts: number[];
}

export interface BoxesRun {
  boxes: number;
  completed: number;
  isDrained: boolean;
  completedPerS: number;
  seconds: number;
  /** Redis's CPU seconds (user + system) per 1,000 jobs completed, and as a share of the drain's wall time. */
  redisCpuMsPerJob: number;
  redisBusyShare: number;
  /** Jobs each box ran. */
  perBox: number[];
}

export interface BoxesResults {
  jobs: number;
  gpus: number;
  limitS: number;
  runs: BoxesRun[];
}

async function drainWithBoxes(redisUrl: string, redis: Redis, options: BoxesOptions, boxes: number): Promise<BoxesRun> {
  const scope = new CleanupScope();
  try {
    await redis.flushdb();
    const perBoxGpus = Math.max(1, Math.floor(options.gpus / boxes));
    const configs = Array.from({ length: boxes }, (_, b) => writeBenchConfig(gpusOf(perBoxGpus, 81_920), `bench-box-${b}`));
    const connection = bullOptions(redisUrl);
    const queues = new Map(KINDS.map((kind) => [kind, ignoreErrors(new Queue(queueName(kind), connection))]));
    for (const queue of queues.values()) scope.add('gpuq queue', () => queue.close());
    const config = configs[0]!.config;
    await preload(options.jobs, config, (jobs) => enqueueJobs(queues, redis, config, jobs.map((j) => ({ id: j.opts.jobId, data: j.data, need: j.need, input: j.input }))));
    const cpuBefore = await redisCpuS(redis);
    const startedAtMs = epochMs();
    const schedulers = await Promise.all(configs.map(({ path }) => startScheduler({ redisUrl, configPath: path, reporting: 'counts' })));
    for (const scheduler of schedulers) scope.add('a scheduler', () => scheduler.stop());
    let completed = { count: 0, lastFinishedMs: 0 };
    for (;;) {
      completed = await completedOf(redis, KINDS.map(queueName));
      if (completed.count >= options.jobs || epochMs() - startedAtMs >= options.limitS * 1000) break;
      await sleep(100);
    }
    const endMs = epochMs();
    const cpuAfter = await redisCpuS(redis);
    const stats = await Promise.all(schedulers.map((s) => s.stats()));
    const from = Math.min(...stats.map((s) => s.firstStartMs ?? endMs));
    const isDrained = completed.count >= options.jobs;
    const untilMs = isDrained ? completed.lastFinishedMs : endMs;
    const seconds = Math.max(0.001, (untilMs - from) / 1000);
    return {
      boxes,
      completed: completed.count,
      isDrained,
      completedPerS: Math.round(completed.count / seconds),
      seconds: round(seconds),
      redisCpuMsPerJob: completed.count > 0 ? round(((cpuAfter - cpuBefore) * 1000) / completed.count, 3) : 0,
      redisBusyShare: round((cpuAfter - cpuBefore) / ((endMs - startedAtMs) / 1000), 3),
      perBox: stats.map((s) => s.started),
    };
  } finally {
    await scope.close();
  }
}

export async function benchBoxes(redisUrl: string, options: BoxesOptions): Promise<BoxesResults> {
  const redis = benchRedis(redisUrl);
  try {
    const runs: BoxesRun[] = [];
    for (const boxes of options.boxCounts) runs.push(await drainWithBoxes(redisUrl, redis, options, boxes));
    await redis.flushdb();
    return { jobs: options.jobs, gpus: options.gpus, limitS: options.limitS, runs };
  } finally {
    await redis.quit();
  }
}

export function boxesTable(results: BoxesResults): string[] {
  const one = results.runs.find((r) => r.boxes === 1)?.completedPerS ?? 0;
  return markdownTable(
    ['scheduler processes (boxes)', 'completed/s', 'vs one box', 'completed', 'Redis CPU ms per job', 'Redis busy', 'jobs per box'],
    ['r', 'r', 'r', 'l', 'r', 'r', 'l'],
    results.runs.map((r) => [
      r.boxes,
      r.completedPerS,
      one > 0 ? `${round(r.completedPerS / one, 2)}×` : '',
      r.isDrained ? `all, in ${r.seconds} s` : `${r.completed} in the ${results.limitS} s limit`,
      r.redisCpuMsPerJob,
      `${Math.round(r.redisBusyShare * 100)} %`,
      r.perBox.join(' / '),
    ]),
  );
}
