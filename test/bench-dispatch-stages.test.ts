// The dispatch benchmark's breakdown: a real scheduler process (the bench's, with no-op executors)
// marks each stage of a job's dispatch on its diagnostics channel, and its start message carries
// them to the bench — every stage, in the order the path takes them, after the enqueue.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueName } from '@gpuq/shared';
import { waitFor } from '@gpuq/testkit';
import { enqueueJobs } from '@gpuq/api/dist/queue-producer.js';
import { DISPATCH_STAGES } from '../apps/scheduler/src/jobs/dispatch-stages.js';
import type { StageTimes } from '../bench/src/child-messages.js';
import { benchRedis, bullOptions } from '../bench/src/connections.js';
import { startScheduler, type ConsumerProcess } from '../bench/src/consumer-process.js';
import { gpusOf, writeBenchConfig } from '../bench/src/gpuq-config.js';
import { queuedJob } from '../bench/src/job-data.js';
import { epochMs } from '../bench/src/measure.js';
import { freshRedisUrl } from './helpers/redis-db.js';

describe('the dispatch stages a scheduler marks', () => {
  let redisUrl: string;
  let scheduler: ConsumerProcess;
  const { path: configPath, config } = writeBenchConfig(gpusOf(2, 24_576));
  const starts = new Map<string, { atMs: number; stages: StageTimes | undefined }>();

  beforeAll(async () => {
    redisUrl = await freshRedisUrl();
    scheduler = await startScheduler({ redisUrl, configPath, reporting: 'each' });
    scheduler.onStart((jobId, atMs, stages) => starts.set(jobId, { atMs, stages }));
  }, 60_000);
  afterAll(async () => {
    await scheduler?.stop();
  });

  it('reports every stage of a job dispatched on an idle box, in order, between its enqueue and its start', async () => {
    const redis = benchRedis(redisUrl);
    const queue = new Queue(queueName('solve'), bullOptions(redisUrl));
    try {
      const job = queuedJob('solve', config);
      const enqueuedAt = epochMs();
      await enqueueJobs(new Map([['solve', queue]]), redis, config, [{ id: job.opts.jobId, data: job.data, need: job.need, input: job.input }]);
      const started = await waitFor(() => starts.get(job.opts.jobId), { what: 'the job to start', timeoutMs: 10_000 });
      expect(Object.keys(started.stages ?? {}).sort()).toEqual([...DISPATCH_STAGES].sort());
      const chain = [enqueuedAt, ...DISPATCH_STAGES.map((stage) => started.stages![stage]!), started.atMs];
      for (let i = 1; i < chain.length; i++) expect(chain[i], `${['enqueued', ...DISPATCH_STAGES][i - 1]} → ${[...DISPATCH_STAGES, 'start'][i - 1]}`).toBeGreaterThanOrEqual(chain[i - 1]!);
    } finally {
      await queue.close();
      await redis.quit();
    }
  });
});
