// Benchmark 3, scheduling throughput: a backlog of mixed jobs (60 % 2 GiB solves, 30 % 10 GiB
// inference, 10 % 40 GiB folds) enqueued as the API enqueues them, then a real scheduler process
// with many simulated 80 GiB GPUs and a no-op executor drains it: jobs dispatched and completed
// per second, and the scheduler's RSS and heap every 500 ms. The baseline is a BullMQ Worker
// process with an empty processor draining the same backlog in the same Redis.
import { mkdirSync } from 'node:fs';
import { Queue } from 'bullmq';
import { bullmqKey, KINDS, queueName, type GpuqConfig } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';
import { CleanupScope } from './cleanup.js';
import { benchRedis, bullOptions, ignoreErrors, redisCpuS } from './connections.js';
import { startBullmqWorker, startScheduler, type ConsumerProcess } from './consumer-process.js';
import { enqueueJobs } from '@gpuq/api/dist/queue-producer.js';
import { mainThreadProfile, type AreaTime } from './cpu-profile.js';
import { gpusOf, writeBenchConfig } from './gpuq-config.js';
import { queuedJob, type QueuedJob } from './job-data.js';
import { epochMs, markdownTable, round, sleep } from './measure.js';

export interface ThroughputOptions {
  jobs: number;
  gpus: number;
  /** Each side stops after this long, drained or not. */
  limitS: number;
  /** The baseline Worker's concurrency. */
  concurrency: number;
  /** Where the scheduler's CPU profile goes (--cpu-prof); none when undefined. */
  profileDir?: string | undefined;
}

export interface DrainRun {
  /** Whether every job completed within the limit. */
  isDrained: boolean;
  dispatched: number;
  completed: number;
  /** From the first dispatch to the last (or to the limit). */
  dispatchedPerS: number;
  /** From the first dispatch to the last completion (or to the limit). */
  completedPerS: number;
  seconds: number;
  /**
   * CPU time per job completed while the bench watched the drain (µs): the consumer process's own,
   * and Redis's (INFO cpu). Where the drain's time goes, beside the rate: both share the machine's cores.
   */
  cpuUsPerJob: { consumer: number; redis: number };
}

export interface MemorySample {
  atS: number;
  rssBytes: number | null;
  heapUsedBytes: number;
  dispatched: number;
  completed: number;
}

/** The consumer process's memory: sampled every 500 ms, and at the end (also after a full GC: what it retains). */
export interface ConsumerMemory {
  peakRssBytes: number | null;
  endRssBytes: number | null;
  peakHeapBytes: number;
  endHeapBytes: number;
  endRetainedHeapBytes: number;
  samples: MemorySample[];
}

export interface ThroughputResults {
  jobs: number;
  gpus: number;
  limitS: number;
  /** How fast the backlog went in (addBulk of 1,000, grouped by kind as the API groups a batch). */
  preloadPerS: number;
  gpuq: DrainRun & { memory: ConsumerMemory };
  bullmq: DrainRun & { memory: ConsumerMemory; concurrency: number };
  /** gpuq completed per second over BullMQ's. */
  ratio: number;
  /** With --profile: the scheduler's .cpuprofile and its CPU time per completed job. */
  profile?: ProfileResult;
}

export interface ProfileResult {
  path: string;
  /** Non-idle sampled time, start-up to exit, over the jobs it completed. */
  cpuUsPerJob: number;
  byArea: AreaTime[];
}

/** Job `i` of the mix: 6 in 10 small solves, 3 in 10 inference, 1 in 10 large folds. */
export function mixedJob(i: number, config: GpuqConfig): QueuedJob {
  const slot = i % 10;
  if (slot < 6) return queuedJob('solve', config, 2_048);
  if (slot < 9) return queuedJob('inference', config, 10_240);
  return queuedJob('fold', config, 40_960);
}

/** Adds `count` mixed jobs with `add`, in bulks of 1,000; jobs per second. */
export async function preload(count: number, config: GpuqConfig, add: (jobs: QueuedJob[]) => Promise<unknown>): Promise<number> {
  const startedAt = epochMs();
  for (let first = 0; first < count; first += 1_000) {
    const bulk: QueuedJob[] = [];
    for (let i = first; i < Math.min(count, first + 1_000); i++) bulk.push(mixedJob(i, config));
    await add(bulk);
  }
  return Math.round(count / ((epochMs() - startedAt) / 1000));
}

/** Completed jobs in these queues, and the latest finishedOn among them (the completed set's score). */
export async function completedOf(redis: Redis, queues: readonly string[]): Promise<{ count: number; lastFinishedMs: number }> {
  const pipeline = redis.pipeline();
  for (const name of queues) pipeline.zcard(bullmqKey(name, 'completed')).zrevrange(bullmqKey(name, 'completed'), 0, 0, 'WITHSCORES');
  const replies = (await pipeline.exec()) ?? [];
  let count = 0;
  let lastFinishedMs = 0;
  for (let i = 0; i < replies.length; i += 2) {
    count += Number(replies[i]![1]);
    const last = replies[i + 1]![1] as string[];
    if (last[1] !== undefined) lastFinishedMs = Math.max(lastFinishedMs, Number(last[1]));
  }
  return { count, lastFinishedMs };
}

/**
 * Drains the backlog with `consumer` until every job completed or `limitS` passed, sampling its
 * memory every 500 ms, then stops it. The rates count from the consumer's first dispatch, so its
 * start-up (connecting, adopting) is not counted.
 */
async function drainWith(consumer: ConsumerProcess, redis: Redis, queues: readonly string[], options: ThroughputOptions): Promise<DrainRun & { memory: ConsumerMemory }> {
  const startedAtMs = epochMs();
  const samples: MemorySample[] = [];
  let completed = { count: 0, lastFinishedMs: 0 };
  let lastSampleMs = 0;
  const first = { ...(await completedOf(redis, queues)), consumerCpuUs: (await consumer.stats()).cpuUs, redisCpuS: await redisCpuS(redis) };
  for (;;) {
    completed = await completedOf(redis, queues);
    const now = epochMs();
    if (now - lastSampleMs >= 500) {
      lastSampleMs = now;
      const stats = await consumer.stats();
      samples.push({ atS: round((now - startedAtMs) / 1000), rssBytes: consumer.rssBytes() ?? null, heapUsedBytes: stats.heapUsedBytes, dispatched: stats.started, completed: completed.count });
    }
    if (completed.count >= options.jobs || now - startedAtMs >= options.limitS * 1000) break;
    await sleep(100);
  }
  const endMs = epochMs();
  const end = await consumer.stats();
  const endRedisCpuS = await redisCpuS(redis);
  const watched = Math.max(1, completed.count - first.count);
  const endRssBytes = consumer.rssBytes() ?? null;
  const retained = await consumer.stats(true);
  await consumer.stop();

  const isDrained = completed.count >= options.jobs;
  const from = end.firstStartMs ?? endMs;
  const perS = (count: number, untilMs: number) => (untilMs > from ? Math.round(count / ((untilMs - from) / 1000)) : 0);
  const rss = [...samples.map((s) => s.rssBytes), endRssBytes].filter((b): b is number => b !== null);
  return {
    isDrained,
    dispatched: end.started,
    completed: completed.count,
    dispatchedPerS: perS(end.started, isDrained ? (end.lastStartMs ?? endMs) : endMs),
    completedPerS: perS(completed.count, isDrained ? completed.lastFinishedMs : endMs),
    seconds: round(((isDrained ? completed.lastFinishedMs : endMs) - from) / 1000),
    cpuUsPerJob: { consumer: Math.round((end.cpuUs - first.consumerCpuUs) / watched), redis: Math.round(((endRedisCpuS - first.redisCpuS) * 1e6) / watched) },
    memory: {
      peakRssBytes: rss.length > 0 ? Math.max(...rss) : null,
      endRssBytes,
      peakHeapBytes: Math.max(end.heapUsedBytes, ...samples.map((s) => s.heapUsedBytes)),
      endHeapBytes: end.heapUsedBytes,
      endRetainedHeapBytes: retained.heapUsedBytes,
      samples,
    },
  };
}

export async function benchThroughput(redisUrl: string, options: ThroughputOptions): Promise<ThroughputResults> {
  const scope = new CleanupScope();
  const redis = benchRedis(redisUrl);
  scope.add('redis connection', () => redis.quit());
  try {
    await redis.flushdb();
    const { path: configPath, config } = writeBenchConfig(gpusOf(options.gpus, 81_920));
    const connection = bullOptions(redisUrl);
    const queues = new Map(KINDS.map((kind) => [kind, ignoreErrors(new Queue(queueName(kind), connection))]));
    for (const queue of queues.values()) scope.add('gpuq queue', () => queue.close());
    // As the API enqueues a batch: each kind's jobs in one add, their needs beside them.
    const preloadPerS = await preload(options.jobs, config, (jobs) => enqueueJobs(queues, redis, config, jobs.map((j) => ({ id: j.opts.jobId, data: j.data, need: j.need, input: j.input }))));
    if (options.profileDir !== undefined) mkdirSync(options.profileDir, { recursive: true });
    const scheduler = await startScheduler({ redisUrl, configPath, reporting: 'counts', profileDir: options.profileDir });
    scope.add('the scheduler', () => scheduler.stop());
    const gpuq = await drainWith(scheduler, redis, KINDS.map(queueName), options);
    const profile = options.profileDir === undefined ? undefined : mainThreadProfile(options.profileDir, scheduler.pid, gpuq.completed, 'the scheduler');
    await redis.flushdb();

    const baselineName = 'bench-throughput-baseline';
    const baselineQueue = ignoreErrors(new Queue(baselineName, connection));
    scope.add('baseline queue', () => baselineQueue.close());
    await preload(options.jobs, config, (jobs) => baselineQueue.addBulk(jobs));
    const worker = await startBullmqWorker({ redisUrl, queue: baselineName, concurrency: options.concurrency, reporting: 'counts' });
    scope.add('the BullMQ worker', () => worker.stop());
    const bullmq = { ...(await drainWith(worker, redis, [baselineName], options)), concurrency: options.concurrency };
    await redis.flushdb();
    return { jobs: options.jobs, gpus: options.gpus, limitS: options.limitS, preloadPerS, gpuq, bullmq, ratio: bullmq.completedPerS > 0 ? round(gpuq.completedPerS / bullmq.completedPerS, 3) : 0, ...(profile && { profile }) };
  } finally {
    await scope.close();
  }
}

const cpu = ({ cpuUsPerJob: c }: DrainRun) => `${c.consumer} + ${c.redis} = ${c.consumer + c.redis}`;
const cpuRatio = (gpuq: DrainRun, bullmq: DrainRun, part: 'consumer' | 'redis') => (bullmq.cpuUsPerJob[part] > 0 ? round(gpuq.cpuUsPerJob[part] / bullmq.cpuUsPerJob[part], 2) : 'n/a');
const capPerS = ({ cpuUsPerJob: c }: DrainRun) => (c.redis > 0 ? Math.round(1e6 / c.redis) : 'n/a');
const mib = (bytes: number | null) => (bytes === null ? 'n/a' : `${Math.round(bytes / 2 ** 20)}`);

export function throughputTable(results: ThroughputResults): string[] {
  const { gpuq, bullmq } = results;
  const drained = (run: DrainRun) => (run.isDrained ? `all, in ${run.seconds} s` : `${run.completed} in the ${results.limitS} s limit`);
  const memory = ({ memory: m }: { memory: ConsumerMemory }) => `${mib(m.peakRssBytes)} / ${mib(m.endRssBytes)}`;
  const heap = ({ memory: m }: { memory: ConsumerMemory }) => `${mib(m.peakHeapBytes)} / ${mib(m.endHeapBytes)} / ${mib(m.endRetainedHeapBytes)}`;
  return [
    ...markdownTable(
      ['consumer process', 'dispatched/s', 'completed/s', 'completed', 'CPU µs per job: process + Redis', 'RSS MiB peak / end', 'heap MiB peak / end / after GC'],
      ['l', 'r', 'r', 'l', 'r', 'r', 'r'],
      [
        [`gpuq scheduler, ${results.gpus} GPUs, no-op executor`, gpuq.dispatchedPerS, gpuq.completedPerS, drained(gpuq), cpu(gpuq), memory(gpuq), heap(gpuq)],
        [`BullMQ Worker, concurrency ${bullmq.concurrency}, empty processor`, bullmq.dispatchedPerS, bullmq.completedPerS, drained(bullmq), cpu(bullmq), memory(bullmq), heap(bullmq)],
      ],
    ),
    '',
    `gpuq / BullMQ: ${results.ratio} (completed per second). Backlog preloaded at ${results.preloadPerS} jobs/s.`,
    `CPU per job, gpuq / BullMQ: ${cpuRatio(gpuq, bullmq, 'consumer')}× in the consumer process, ${cpuRatio(gpuq, bullmq, 'redis')}× in Redis (single-threaded: its CPU per job caps the drain at 1 s ÷ that, ${capPerS(gpuq)} jobs/s for gpuq, ${capPerS(bullmq)} for BullMQ).`,
    ...(results.profile ? profileLines(results.profile, results.gpuq.completed) : []),
  ];
}

function profileLines(profile: ProfileResult, completed: number): string[] {
  const split = profile.byArea.filter((a) => a.area !== 'idle' && a.usPerJob >= 1).map((a) => `${a.area} ${a.usPerJob}`);
  return [
    '',
    `Scheduler CPU profile: ${profile.path}`,
    `  ${profile.cpuUsPerJob} µs of scheduler CPU per completed job (start-up to exit): ${split.join(', ')}`,
    `  by function: node bench/dist/profile-summary.js ${profile.path} --jobs ${completed}`,
  ];
}
