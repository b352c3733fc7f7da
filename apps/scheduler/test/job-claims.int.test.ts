// The peek and claim scripts against a real Redis and BullMQ's own scripts (ADR 0004): a box sees
// the head of the queue in BullMQ's order, takes exactly the jobs it chose where they still wait,
// and a claimed job then lives as any BullMQ job: completed, failed and retried after its backoff,
// returned by the stalled check when its lock lapses. A claim whose reply was lost, and which the
// client sends again after reconnecting, gets the jobs it took the first time.
import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullJobOptions, BULLMQ_PREFIX, keys, type JobData } from '@gpuq/shared';
import { bullConnection, Redis } from '@gpuq/runtime';
import { ReplyCutter, waitFor } from '@gpuq/testkit';
import { freshRedisUrl } from '../../../test/helpers/redis-db.js';
import { JobClaims } from '../src/queue/job-claims.js';

let redis: Redis;
let url: string;
beforeAll(async () => {
  url = await freshRedisUrl();
  redis = new Redis(url, { maxRetriesPerRequest: 2 });
});
afterAll(async () => {
  await redis.quit();
});

const data = (priority: number, submittedAt: number): JobData => ({ v: 1, kind: 'solve', tenant: 't', input: {}, priority, timeoutSeconds: 60, maxAttempts: 2, labels: {}, submittedAt });

/** A queue of its own (a fresh kind name), a worker holding no processor, and the claim scripts over them. */
async function setup(lockDurationMs = 5_000) {
  const kind = `claims-${randomUUID()}`;
  const connection = bullConnection(url);
  const queue = new Queue(kind, { connection, prefix: BULLMQ_PREFIX });
  const worker = new Worker(kind, null, { connection, prefix: BULLMQ_PREFIX, autorun: false, lockDuration: lockDurationMs, stalledInterval: lockDurationMs, maxStalledCount: 3 });
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
  const claims = new JobClaims(redis, kind, worker, 'test-box');
  const add = (id: string, priority: number, backoffMs = 50) => queue.add(kind, data(priority, Date.now()), bullJobOptions(id, data(priority, Date.now()), backoffMs));
  const close = async () => {
    await worker.close(true);
    await queue.obliterate({ force: true });
    await queue.close();
  };
  return { kind, queue, worker, claims, add, close };
}

describe('peek and claim', () => {
  it('sees the head in BullMQ’s order (priority, then age), with the stored need and the cancel mark; reads data only where no need is stored', async () => {
    const { kind, claims, add, close } = await setup();
    try {
      await add('low', 10);
      await add('high-1', 90);
      await add('high-2', 90);
      await redis.hset(keys.queueNeeds(kind), 'high-1', '{"priority":90,"submittedAt":1,"vramMb":100}');
      await redis.set(keys.jobCancel('low'), '{"at":1,"by":"t"}');
      const { head } = await claims.peek(10);
      expect(head.map((e) => e.id)).toEqual(['high-1', 'high-2', 'low']);
      expect(head[0]).toMatchObject({ storedNeed: '{"priority":90,"submittedAt":1,"vramMb":100}', data: undefined, isCancelled: false });
      expect(JSON.parse(head[1]!.data!)).toMatchObject({ priority: 90 });
      expect(head[2]).toMatchObject({ isCancelled: true, lastBox: undefined, isLastBoxUp: false });
      expect((await claims.peek(2)).head.map((e) => e.id)).toEqual(['high-1', 'high-2']);
    } finally {
      await close();
    }
  });

  it('says which box ran a job’s last attempt, and whether a scheduler holds that box’s lease now', async () => {
    const { claims, add, close } = await setup();
    try {
      await add('was-running', 50);
      await redis.hset(keys.jobRun('was-running'), { phase: 'running', box: 'box-z', minVramMb: '30000' });
      expect((await claims.peek(10)).head[0]).toMatchObject({ lastBox: 'box-z', lastPhase: 'running', isLastBoxUp: false, minVramMb: 30_000 });
      await redis.set(keys.schedulerLease('box-z'), 'box-z:1', 'PX', 10_000);
      expect((await claims.peek(10)).head[0]).toMatchObject({ lastBox: 'box-z', isLastBoxUp: true });
    } finally {
      await redis.del(keys.schedulerLease('box-z'), keys.jobRun('was-running'));
      await close();
    }
  });

  it('takes exactly the chosen jobs, each once: a second claim of a taken job gets nothing', async () => {
    const { queue, claims, add, close } = await setup();
    try {
      await add('a', 50);
      await add('b', 50);
      const first = await claims.claim([{ id: 'b', token: 'tb' }], 5_000);
      expect(first.map((c) => c.job.id)).toEqual(['b']);
      expect(first[0]!.job.attemptsStarted).toBe(1);
      expect(first[0]!.reads).toEqual({ run: {}, isCancelled: false, inputText: null });
      expect(await claims.claim([{ id: 'b', token: 'other' }], 5_000)).toEqual([]);
      expect(await queue.getJobState('b')).toBe('active');
      expect(await queue.getJobState('a')).toBe('prioritized');
      expect((await claims.peek(10)).head.map((e) => e.id)).toEqual(['a']);
    } finally {
      await close();
    }
  });

  it('gives a claim sent again (its reply lost) the jobs it took, taken once: one attempt, one active entry, one event', async () => {
    const { queue, claims, add, close } = await setup();
    try {
      await add('once', 50);
      const first = await claims.claim([{ id: 'once', token: 'same' }], 5_000);
      const again = await claims.claim([{ id: 'once', token: 'same' }], 5_000);
      expect(again.map((c) => [c.job.id, c.job.attemptsStarted])).toEqual(first.map((c) => [c.job.id, c.job.attemptsStarted]));
      expect(again[0]!.job.attemptsStarted).toBe(1);
      expect(await queue.getActive()).toHaveLength(1);
      const events = await redis.xrange(`${BULLMQ_PREFIX}:${queue.name}:events`, '-', '+');
      expect(events.filter(([, fields]) => fields.includes('active'))).toHaveLength(1);
      // Another token is another claim: it gets nothing.
      expect(await claims.claim([{ id: 'once', token: 'other' }], 5_000)).toEqual([]);
    } finally {
      await close();
    }
  });

  it('hands the job to a claim whose connection dropped after Redis ran it: ioredis sends it again on reconnecting', async () => {
    const { queue, worker, add, close } = await setup();
    const cut = await ReplyCutter.start(url);
    const client = new Redis(cut.urlFor(url), { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    try {
      await add('resent', 50);
      const token = randomUUID();
      cut.dropReplyTo(token);
      const claimed = await new JobClaims(client, queue.name, worker, 'test-box').claim([{ id: 'resent', token }], 5_000);
      expect(cut.drops).toBe(1);
      expect(claimed.map((c) => [c.job.id, c.job.attemptsStarted])).toEqual([['resent', 1]]);
      expect(await queue.getJobState('resent')).toBe('active');
    } finally {
      client.disconnect();
      await cut.close();
      await close();
    }
  });

  it('reads, with the claim, what intake needs of each job: its run record, its cancel mark and its input kept apart', async () => {
    const { claims, add, close } = await setup();
    try {
      await add('read', 50);
      await add('plain', 50);
      await redis.hset(keys.jobRun('read'), { minVramMb: '30000', box: 'box-z', phase: 'ended' });
      await redis.set(keys.jobCancel('read'), JSON.stringify({ at: 1 }));
      await redis.set(keys.jobInput('read'), '{"a":1}');
      const claimed = await claims.claim([{ id: 'read', token: 't1' }, { id: 'plain', token: 't2' }], 5_000);
      expect(Object.fromEntries(claimed.map((c) => [c.job.id, c.reads]))).toEqual({
        read: { run: { minVramMb: '30000', box: 'box-z', phase: 'ended' }, isCancelled: true, inputText: '{"a":1}' },
        plain: { run: {}, isCancelled: false, inputText: null },
      });
    } finally {
      await Promise.all([redis.del(keys.jobRun('read'), keys.jobCancel('read'), keys.jobInput('read')), close()]);
    }
  });

  it('hands BullMQ a job it completes, and one it fails and retries after the backoff, which the next look brings back', async () => {
    const { queue, claims, add, close } = await setup();
    try {
      await add('done', 50);
      await add('retry', 50, 200);
      const [done, retry] = (await claims.claim([{ id: 'done', token: 't1' }, { id: 'retry', token: 't2' }], 5_000)).map((c) => c.job);
      await done!.moveToCompleted({ ok: true }, 't1', false);
      expect(await queue.getJobState('done')).toBe('completed');
      await retry!.moveToFailed(new Error('try again'), 't2', false);
      expect(await queue.getJobState('retry')).toBe('delayed');
      const early = await claims.peek(10);
      expect(early.head).toEqual([]);
      expect(early.nextDelayedAt).toBeGreaterThan(Date.now() - 50);
      await waitFor(async () => (await claims.peek(10)).head.some((e) => e.id === 'retry'), { what: 'the retry to be due' });
      const [again] = (await claims.claim([{ id: 'retry', token: 't3' }], 5_000)).map((c) => c.job);
      expect(again!.attemptsStarted).toBe(2);
      await again!.moveToFailed(new UnrecoverableError('no'), 't3', false);
      expect(await queue.getJobState('retry')).toBe('failed');
    } finally {
      await close();
    }
  });

  it('leaves a claimed job whose lock lapses to BullMQ’s stalled check, which returns it to the front of the queue', async () => {
    const { worker, claims, add, close } = await setup(1_000);
    try {
      await add('first', 50);
      await add('stalls', 50);
      await claims.claim([{ id: 'stalls', token: 'gone' }], 1_000);
      await worker.startStalledCheckTimer();
      await waitFor(async () => (await claims.peek(10)).head[0]?.id === 'stalls', { what: 'the stalled job back at the front', timeoutMs: 10_000 });
      expect((await claims.peek(10)).head.map((e) => e.id)).toEqual(['stalls', 'first']);
    } finally {
      await close();
    }
  });
});

