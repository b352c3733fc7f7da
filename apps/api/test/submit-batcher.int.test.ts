// Submits of one event-loop turn go to Redis together (real Redis and BullMQ): each resolves once
// its job is stored, with its input and need (written on the queue's connection, in the add's round
// trip); when one kind's jobs cannot be added, or their inputs cannot be written, only the submits
// of that kind fail, and nothing of theirs is left behind; the message to the schedulers fails none.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULLMQ_PREFIX, GpuqConfig, keys, queueName, type Kind } from '@gpuq/shared';
import { bullConnection, createRedis, type Redis } from '@gpuq/runtime';
import { queuedJob } from '../../../bench/src/job-data.js';
import { freshRedisUrl } from '../../../test/helpers/redis-db.js';
import { SubmitBatcher } from '../src/submit-batcher.js';

const config = GpuqConfig.parse({});
let url: string;
let redis: Redis;
let queues: Map<Kind, Queue>;

beforeAll(async () => {
  url = await freshRedisUrl();
  redis = createRedis(url, 'test');
  queues = new Map((['solve', 'inference', 'fold'] as const).map((kind) => [kind, new Queue(queueName(kind), { connection: bullConnection(url), prefix: BULLMQ_PREFIX })]));
});

afterAll(async () => {
  await Promise.all([...queues.values()].map((q) => q.close()));
  await redis?.quit();
});

const prepared = (kind: Kind) => {
  const job = queuedJob(kind, config);
  return { id: job.opts.jobId, data: job.data, need: job.need, input: job.input };
};

describe('the submit batcher', () => {
  it('stores the jobs of one turn together (queued by priority), each submit answered once its job, input and need are in Redis', async () => {
    const batcher = new SubmitBatcher(queues, redis, config);
    const jobs = [prepared('solve'), prepared('solve'), prepared('inference')];
    const added = jobs.map((job) => batcher.add([job]));
    await Promise.all(added);
    for (const job of jobs) {
      expect(await queues.get(job.data.kind)!.getJobState(job.id)).toBe('prioritized');
      expect(await redis.get(keys.jobInput(job.id))).toBe(job.input);
      expect(JSON.parse((await redis.hget(keys.queueNeeds(job.data.kind), job.id))!)).toEqual(job.need);
    }
  });

  it('fails only the submits of a kind that could not be added, leaving none of their inputs', async () => {
    // Its inputs are written (on this connection, as on the queue's), then its add is refused.
    const refusing = {
      getBackend: () => ({ client: Promise.resolve(redis) }),
      addBulk: () => Promise.reject(new Error('OOM command not allowed')),
      add: () => Promise.reject(new Error('OOM command not allowed')),
    } as unknown as Queue;
    const batcher = new SubmitBatcher(new Map([...queues, ['fold', refusing]]), redis, config);
    const solve = prepared('solve');
    const folds = [prepared('fold'), prepared('fold')];
    const results = await Promise.allSettled([batcher.add([solve]), ...folds.map((f) => batcher.add([f]))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'OOM command not allowed' });
    expect(await queues.get('solve')!.getJobState(solve.id)).toBe('prioritized');
    for (const fold of folds) expect(await redis.exists(keys.jobInput(fold.id))).toBe(0);
  });

  it('fails only the submit whose staged input expired, leaving nothing of it, while the others of its turn are added', async () => {
    const batcher = new SubmitBatcher(queues, redis, config);
    const [fine, other, sameSubmit] = [prepared('solve'), prepared('solve'), prepared('solve')];
    const expired = { ...other, input: { stagedKey: `gpuq:staged:expired-${Date.now()}` } };
    const results = await Promise.allSettled([batcher.add([fine]), batcher.add([expired, sameSubmit])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: expect.stringMatching(/^could not store a job's input: ERR no such key/) });
    expect(await queues.get('solve')!.getJobState(fine.id)).toBe('prioritized');
    expect(await redis.get(keys.jobInput(fine.id))).toBe(fine.input);
    // The failed submit's jobs: neither added, nor their inputs left behind.
    for (const job of [expired, sameSubmit]) expect(await queues.get('solve')!.getJob(job.id)).toBeUndefined();
    expect(await redis.exists(keys.jobInput(expired.id), keys.jobInput(sameSubmit.id))).toBe(0);
  });

  it('takes the jobs out again when their inputs were refused though their add went through', async () => {
    const real = queues.get('inference')!;
    // The queue's connection refuses one of the writes before the add (as Redis out of memory would).
    const client = { multi: () => redis.multi().rename(`no-such-key-${Date.now()}`, 'nowhere') };
    const refusingWrites = new Proxy(real, {
      get: (target, property) => {
        if (property === 'getBackend') return () => ({ client: Promise.resolve(client) });
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const batcher = new SubmitBatcher(new Map([...queues, ['inference', refusingWrites]]), redis, config);
    const [solve, inference] = [prepared('solve'), prepared('inference')];
    const results = await Promise.allSettled([batcher.add([solve]), batcher.add([inference])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: expect.stringMatching(/^could not store a job's input: ERR no such key/) });
    expect(await real.getJob(inference.id)).toBeUndefined();
    expect(await redis.exists(keys.jobInput(inference.id))).toBe(0);
    expect(await queues.get('solve')!.getJobState(solve.id)).toBe('prioritized');
  });

  it('answers a submit whose job is stored even when the message to the schedulers fails (a retry would add it twice)', async () => {
    // Every command but PUBLISH goes to Redis; the message is only a hint, found at the next poll.
    const silenced = new Proxy(redis, {
      get: (target, property) => {
        if (property === 'publish') return () => Promise.reject(new Error('Connection is closed.'));
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const batcher = new SubmitBatcher(queues, silenced, config);
    const job = prepared('solve');
    await expect(batcher.add([job])).resolves.toBeUndefined();
    expect(await queues.get('solve')!.getJobState(job.id)).toBe('prioritized');
  });
});
