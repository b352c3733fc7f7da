// Benchmark 2, dispatch latency on an idle box: a real scheduler process (free simulated GPUs, a
// no-op executor) and jobs submitted one at a time, each after the previous one completed. From
// the submit to the executor's start, and to the job completed (BullMQ's 'completed' event, seen
// through QueueEvents: the same observer for gpuq and the baseline). gpuq through its API over
// HTTP, and enqueued exactly as the API enqueues (no HTTP); the baseline a plain BullMQ Worker
// process on the same Redis. The three paths take turns job by job, so a noisy moment hits all.
// For the enqueued path, where the time goes: the stages the scheduler marks on the way
// (apps/scheduler/src/jobs/dispatch-stages.ts), each from the one before.
import { Queue, QueueEvents } from 'bullmq';
import { queueName } from '@gpuq/shared';
import { DISPATCH_STAGES } from '@gpuq/scheduler/dist/jobs/dispatch-stages.js';
import { Arrivals } from './arrivals.js';
import { CleanupScope } from './cleanup.js';
import { benchRedis, bullOptions, ignoreErrors } from './connections.js';
import { startBullmqWorker, startScheduler } from './consumer-process.js';
import { gpusOf, writeBenchConfig } from './gpuq-config.js';
import { enqueueJobs } from '@gpuq/api/dist/queue-producer.js';
import { queuedJob, SOLVE_INPUT } from './job-data.js';
import type { StageTimes } from './child-messages.js';
import { epochMs, latency, markdownTable, round, type Latency } from './measure.js';
import { API_KEY, startApi } from './server-process.js';

export interface PathLatency {
  /** To the executor's (or processor's) start. */
  start: Latency;
  /** To BullMQ's 'completed' event. */
  completed: Latency;
  /** To the 202, for the HTTP path. */
  accepted?: Latency;
}

/** One step of the enqueued path: from one stage the scheduler marked (or the enqueue) to the next (or the executor's start). */
export interface StageStep {
  from: string;
  to: string;
  p50Ms: number;
  p99Ms: number;
}

export interface DispatchResults {
  jobs: number;
  gpuqHttp: PathLatency;
  gpuqEnqueue: PathLatency;
  bullmq: PathLatency;
  /** The enqueued path, step by step (jobs whose every stage was marked). */
  gpuqSteps: StageStep[];
  /** gpuq enqueued as the API does, over BullMQ: the like-for-like ratios (1 is as fast). */
  ratios: { startP50: number; startP99: number; completedP50: number; completedP99: number };
}

/** How long one job may take before the run is called broken. */
const JOB_TIMEOUT_MS = 30_000;

interface Path {
  /** Enqueues one job; its id, and when the submit returned. */
  submit: () => Promise<{ id: string; acceptedAtMs: number }>;
  starts: Arrivals;
  completions: Arrivals;
  samples: Array<{ startMs: number; completedMs: number; acceptedMs: number; id: string; sentAtMs: number; startAtMs: number }>;
}

async function measureOne(path: Path): Promise<Path['samples'][number]> {
  const sentAtMs = epochMs();
  const { id, acceptedAtMs } = await path.submit();
  const [startAtMs, completedAtMs] = await Promise.all([path.starts.take(id, JOB_TIMEOUT_MS), path.completions.take(id, JOB_TIMEOUT_MS)]);
  return { startMs: startAtMs - sentAtMs, completedMs: completedAtMs - sentAtMs, acceptedMs: acceptedAtMs - sentAtMs, id, sentAtMs, startAtMs };
}

/** Each step of the path, from the enqueue through the scheduler's stages to the executor's start. */
function stepsOf(samples: Path['samples'], stages: ReadonlyMap<string, StageTimes>): StageStep[] {
  const names = ['enqueued', ...DISPATCH_STAGES, 'executor start'];
  const chains = samples
    .map((s) => {
      const marks = stages.get(s.id);
      return marks ? [s.sentAtMs, ...DISPATCH_STAGES.map((stage) => marks[stage]), s.startAtMs] : undefined;
    })
    .filter((chain): chain is number[] => chain !== undefined && chain.every((at) => at !== undefined));
  if (chains.length === 0) return [];
  return names.slice(1).map((to, i) => {
    const step = latency(chains.map((chain) => chain[i + 1]! - chain[i]!));
    return { from: names[i]!, to, p50Ms: step.p50Ms, p99Ms: step.p99Ms };
  });
}

function summary(path: Path, withAccepted = false): PathLatency {
  return {
    start: latency(path.samples.map((s) => s.startMs)),
    completed: latency(path.samples.map((s) => s.completedMs)),
    ...(withAccepted ? { accepted: latency(path.samples.map((s) => s.acceptedMs)) } : {}),
  };
}

export async function benchDispatch(redisUrl: string, options: { jobs: number; warmup: number }): Promise<DispatchResults> {
  const scope = new CleanupScope();
  const redis = benchRedis(redisUrl);
  scope.add('redis connection', () => redis.quit());
  try {
    await redis.flushdb();
    // An idle box: two free 24 GiB GPUs, so every job is placed the moment it is fetched.
    const { path: configPath, config } = writeBenchConfig(gpusOf(2, 24_576));
    const connection = bullOptions(redisUrl);

    const gpuqStarts = new Arrivals('executor start');
    const gpuqCompletions = new Arrivals('completed');
    // Read from the stream's start, so no event is missed between connecting and the first read.
    const gpuqEvents = ignoreErrors(new QueueEvents(queueName('solve'), { ...connection, lastEventId: '0-0' }));
    scope.add('gpuq queue events', () => gpuqEvents.close());
    gpuqEvents.on('completed', ({ jobId }) => gpuqCompletions.record(jobId, epochMs()));
    const solveQueue = ignoreErrors(new Queue(queueName('solve'), connection));
    scope.add('gpuq queue', () => solveQueue.close());
    const gpuqQueues = new Map([['solve' as const, solveQueue]]);
    // The API before the scheduler: the API's port is chosen before it binds it (startServerProcess).
    const api = await startApi(redisUrl, configPath);
    scope.add('the API', () => api.stop());
    const scheduler = await startScheduler({ redisUrl, configPath, reporting: 'each' });
    scope.add('the scheduler', () => scheduler.stop());
    const gpuqStages = new Map<string, StageTimes>();
    scheduler.onStart((jobId, atMs, stages) => {
      if (stages) gpuqStages.set(jobId, stages);
      gpuqStarts.record(jobId, atMs);
    });

    const baselineStarts = new Arrivals('processor start');
    const baselineCompletions = new Arrivals('completed');
    const baselineName = 'bench-dispatch-baseline';
    const baselineEvents = ignoreErrors(new QueueEvents(baselineName, { ...connection, lastEventId: '0-0' }));
    scope.add('baseline queue events', () => baselineEvents.close());
    baselineEvents.on('completed', ({ jobId }) => baselineCompletions.record(jobId, epochMs()));
    const baselineQueue = ignoreErrors(new Queue(baselineName, connection));
    scope.add('baseline queue', () => baselineQueue.close());
    const worker = await startBullmqWorker({ redisUrl, queue: baselineName, concurrency: 1, reporting: 'each' });
    scope.add('the BullMQ worker', () => worker.stop());
    worker.onStart((jobId, atMs) => baselineStarts.record(jobId, atMs));
    await Promise.all([gpuqEvents.waitUntilReady(), baselineEvents.waitUntilReady(), solveQueue.waitUntilReady(), baselineQueue.waitUntilReady()]);

    const body = JSON.stringify({ kind: 'solve', input: SOLVE_INPUT, labels: { bench: 'dispatch' } });
    const http: Path = {
      submit: async () => {
        const response = await fetch(`${api.url}/v1/jobs`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` } });
        const acceptedAtMs = epochMs();
        if (response.status !== 202) throw new Error(`POST /v1/jobs answered ${response.status}: ${await response.text()}`);
        return { id: ((await response.json()) as { id: string }).id, acceptedAtMs };
      },
      starts: gpuqStarts,
      completions: gpuqCompletions,
      samples: [],
    };
    const enqueue: Path = {
      submit: async () => {
        const job = queuedJob('solve', config);
        // As the API enqueues: the add, the job's need beside it, and the message to the schedulers.
        await enqueueJobs(gpuqQueues, redis, config, [{ id: job.opts.jobId, data: job.data, need: job.need, input: job.input }]);
        return { id: job.opts.jobId, acceptedAtMs: epochMs() };
      },
      starts: gpuqStarts,
      completions: gpuqCompletions,
      samples: [],
    };
    const baselineData = queuedJob('solve', config).data;
    const baseline: Path = {
      submit: async () => {
        const job = await baselineQueue.add('job', baselineData);
        return { id: job.id!, acceptedAtMs: epochMs() };
      },
      starts: baselineStarts,
      completions: baselineCompletions,
      samples: [],
    };
    for (let i = 0; i < options.warmup + options.jobs; i++) {
      for (const path of [http, enqueue, baseline]) {
        const sample = await measureOne(path);
        if (i >= options.warmup) path.samples.push(sample);
      }
    }
    const results = { gpuqHttp: summary(http, true), gpuqEnqueue: summary(enqueue), bullmq: summary(baseline) };
    const ratio = (a: number, b: number) => (b > 0 ? round(a / b) : 0);
    return {
      jobs: options.jobs,
      ...results,
      gpuqSteps: stepsOf(enqueue.samples, gpuqStages),
      ratios: {
        startP50: ratio(results.gpuqEnqueue.start.p50Ms, results.bullmq.start.p50Ms),
        startP99: ratio(results.gpuqEnqueue.start.p99Ms, results.bullmq.start.p99Ms),
        completedP50: ratio(results.gpuqEnqueue.completed.p50Ms, results.bullmq.completed.p50Ms),
        completedP99: ratio(results.gpuqEnqueue.completed.p99Ms, results.bullmq.completed.p99Ms),
      },
    };
  } finally {
    await scope.close();
  }
}

export function dispatchTable(results: DispatchResults): string[] {
  const ms = (l: Latency) => `${l.p50Ms} / ${l.p95Ms} / ${l.p99Ms}`;
  const { ratios } = results;
  return [
    ...markdownTable(
      ['path', 'to executor start, ms (p50 / p95 / p99)', 'to completed, ms (p50 / p95 / p99)'],
      ['l', 'r', 'r'],
      [
        ['gpuq: POST /v1/jobs → scheduler → executor', ms(results.gpuqHttp.start), ms(results.gpuqHttp.completed)],
        ['gpuq: enqueued as the API does → scheduler → executor', ms(results.gpuqEnqueue.start), ms(results.gpuqEnqueue.completed)],
        ['BullMQ: Queue.add → Worker processor', ms(results.bullmq.start), ms(results.bullmq.completed)],
      ],
    ),
    '',
    `gpuq enqueued / BullMQ: to start ${ratios.startP50}× at p50, ${ratios.startP99}× at p99; to completed ${ratios.completedP50}× at p50, ${ratios.completedP99}× at p99.`,
    `The HTTP submit itself (to the 202): p50 ${results.gpuqHttp.accepted?.p50Ms} ms, p99 ${results.gpuqHttp.accepted?.p99Ms} ms.`,
    ...(results.gpuqSteps.length === 0
      ? []
      : [
          '',
          'Where the enqueued path goes, step by step (each from the stage before; the p50s of the steps need not add up to the p50 of the whole):',
          '',
          ...markdownTable(
            ['from', 'to', 'ms p50', 'ms p99'],
            ['l', 'l', 'r', 'r'],
            results.gpuqSteps.map((s) => [s.from, s.to, s.p50Ms, s.p99Ms]),
          ),
        ]),
  ];
}
