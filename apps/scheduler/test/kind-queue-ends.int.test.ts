// A job's end when the connection drops after Redis recorded it (real Redis, BullMQ and ioredis,
// through a relay that loses the reply): ioredis sends the call again on reconnecting, BullMQ
// refuses that second call (the lock went with the first), and the scheduler must still know the
// end was recorded: otherwise a finished job gets no webhook and keeps its input. An end that
// really did not land (the lock lapsed and the stalled check took the job back) stays unrecorded.
import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullJobOptions, BULLMQ_PREFIX, type JobData } from '@gpuq/shared';
import { bullConnection, createLogger, Redis } from '@gpuq/runtime';
import { ReplyCutter, waitFor } from '@gpuq/testkit';
import { freshRedisUrl } from '../../../test/helpers/redis-db.js';
import { JobClaims } from '../src/queue/job-claims.js';
import { KindQueue } from '../src/queue/kind-queue.js';

let url: string;
let redis: Redis;
let cut: ReplyCutter;
beforeAll(async () => {
  url = await freshRedisUrl();
  redis = new Redis(url, { maxRetriesPerRequest: 2 });
  cut = await ReplyCutter.start(url);
});
afterAll(async () => {
  await cut.close();
  await redis.quit();
});

const data = (maxAttempts: number): JobData => ({ v: 1, kind: 'solve', tenant: 't', input: {}, priority: 50, timeoutSeconds: 60, maxAttempts, labels: {}, submittedAt: Date.now() });

/** A kind of its own whose BullMQ connections go through the relay; jobs added and claimed directly. */
async function setup(lockDurationMs = 30_000) {
  const kind = `ends-${randomUUID()}`;
  const stalled: string[] = [];
  const queue = new KindQueue({
    kind,
    connection: { ...bullConnection(cut.urlFor(url)), retryStrategy: () => 50 },
    redis,
    schedulerId: 'test-box',
    lockDurationMs,
    onLockLost: () => undefined,
    onStalled: (jobId) => stalled.push(jobId),
    log: createLogger('test', 'silent'),
  });
  await queue.start();
  const producer = new Queue(kind, { connection: bullConnection(url), prefix: BULLMQ_PREFIX });
  const claimed = async (maxAttempts = 1): Promise<{ job: Job; token: string }> => {
    const id = randomUUID();
    await producer.add(kind, data(maxAttempts), bullJobOptions(id, data(maxAttempts), 10));
    const [taken] = await queue.claim([id]);
    return taken!;
  };
  const close = async () => {
    await queue.close();
    await producer.obliterate({ force: true });
    await producer.close();
  };
  return { kind, queue, producer, claimed, stalled, close };
}

describe('a job’s end whose reply was lost', () => {
  it('is recorded: a completion, and a failure for good and one retried, each known as recorded', async () => {
    const { queue, producer, claimed, close } = await setup();
    try {
      const done = await claimed();
      cut.dropReplyTo(done.token);
      expect(await queue.complete(done.job, done.token, { ok: true })).toBe(true);
      expect(await producer.getJobState(done.job.id!)).toBe('completed');

      const failed = await claimed();
      cut.dropReplyTo(failed.token);
      expect(await queue.fail(failed.job, failed.token, new UnrecoverableError('bad input'), false)).toBe(true);
      expect(await producer.getJobState(failed.job.id!)).toBe('failed');
      expect(failed.job.finishedOn).toBeGreaterThan(0);

      const retried = await claimed(2);
      cut.dropReplyTo(retried.token);
      expect(await queue.fail(retried.job, retried.token, new Error('try again'), true)).toBe(true);
      expect(['delayed', 'waiting', 'prioritized']).toContain(await producer.getJobState(retried.job.id!));
      expect([retried.job.attemptsMade, retried.job.finishedOn]).toEqual([1, undefined]);
      expect(cut.drops).toBe(3);
    } finally {
      await close();
    }
  });

  it('is not recorded when the lock had lapsed and the stalled check took the job back', async () => {
    const { queue, producer, kind, stalled, close } = await setup(1_000);
    // Claimed beside the queue, so that nothing renews its lock.
    const worker = new Worker(kind, null, { connection: bullConnection(url), prefix: BULLMQ_PREFIX, autorun: false, lockDuration: 1_000 });
    try {
      const id = randomUUID();
      await producer.add(kind, data(1), bullJobOptions(id, data(1), 10));
      const [lapsed] = await new JobClaims(redis, kind, worker, 'test-box').claim([{ id, token: 'lapses' }], 1_000);
      await queue.startStalledCheck();
      await waitFor(() => stalled.includes(id), { what: 'the stalled check to take the job back', timeoutMs: 10_000 });
      expect(await queue.complete(lapsed!.job, 'lapses', { ok: true })).toBe(false);
      expect(await producer.getJobState(id)).not.toBe('completed');
    } finally {
      await worker.close(true);
      await close();
    }
  });
});
