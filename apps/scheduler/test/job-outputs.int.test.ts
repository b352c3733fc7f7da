// What a running job's worker hands out, kept beside its run record in a real Redis: a solve's
// incumbents as cuOpt's JSON, oldest first, and the solver's log, cut at 1 MiB keeping its start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINISHED_JOB_RETENTION_S, keys } from '@gpuq/shared';
import { Redis } from '@gpuq/runtime';
import { ReplyCutter } from '@gpuq/testkit';
import { freshRedisUrl } from '../../../test/helpers/redis-db.js';
import { FencedWriter } from '../src/box/fenced-writes.js';
import { JOB_LOG_MAX_BYTES, RunRecords } from '../src/queue/run-records.js';

let url: string;
let redis: Redis;
let records: RunRecords;
beforeAll(async () => {
  url = await freshRedisUrl();
  redis = new Redis(url, { maxRetriesPerRequest: 2 });
  records = new RunRecords(redis, new FencedWriter(redis, 'fence', () => 1), 'box-a', () => 1);
});
afterAll(async () => {
  await redis.quit();
});

describe('RunRecords: a job’s incumbents and log', () => {
  it('keeps each incumbent as the server sent it, oldest first, for as long as the run record', async () => {
    // cuOpt 25.08 sends no bound; newer servers do. Both are kept as they came.
    await records.incumbent('job-1', { solution: [3, 1], cost: 19 });
    await records.incumbent('job-1', { solution: [4, 0], cost: 20, bound: 21 });
    const stored = await redis.lrange(keys.jobIncumbents('job-1'), 0, -1);
    expect(stored).toEqual(['{"solution":[3,1],"cost":19}', '{"solution":[4,0],"cost":20,"bound":21}']);
    const ttl = await redis.ttl(keys.jobIncumbents('job-1'));
    expect(ttl).toBeGreaterThan(FINISHED_JOB_RETENTION_S - 10);
    // The latest also on its own, with when it came: what a cancelled MILP leaves its owner.
    expect(JSON.parse((await redis.get(keys.jobBestIncumbent('job-1')))!)).toEqual({ solution: [4, 0], cost: 20, bound: 21, foundAt: expect.any(Number) });
    expect(await redis.ttl(keys.jobBestIncumbent('job-1'))).toBeGreaterThan(FINISHED_JOB_RETENTION_S - 10);
  });

  it('appends the log in order, and past 1 MiB keeps the start and one line saying it was cut', async () => {
    await records.log('job-2', 'Solving a problem with 2 constraints\n');
    await records.log('job-2', 'Optimal');
    expect(await redis.get(keys.jobLog('job-2'))).toBe('Solving a problem with 2 constraints\nOptimal');
    expect(await redis.ttl(keys.jobLog('job-2'))).toBeGreaterThan(FINISHED_JOB_RETENTION_S - 10);

    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 1030; i++) await records.log('job-3', line);
    const log = (await redis.get(keys.jobLog('job-3')))!;
    const cut = '\n[gpuq] the log was cut here: a job keeps the first 1 MiB of its log\n';
    expect(log.length).toBe(JOB_LOG_MAX_BYTES + cut.length);
    expect(log.startsWith(line.repeat(1024))).toBe(true);
    expect(log.endsWith(cut)).toBe(true);
    // Nothing more is added once it was cut.
    await records.log('job-3', 'more');
    expect((await redis.get(keys.jobLog('job-3')))!.length).toBe(log.length);
  });

  it('cuts a log that fills exactly 1 MiB at the next write', async () => {
    await records.log('job-4', 'y'.repeat(JOB_LOG_MAX_BYTES));
    await records.log('job-4', 'z');
    const log = (await redis.get(keys.jobLog('job-4')))!;
    expect(log.slice(0, JOB_LOG_MAX_BYTES)).toBe('y'.repeat(JOB_LOG_MAX_BYTES));
    expect(log.slice(JOB_LOG_MAX_BYTES)).toMatch(/^\n\[gpuq\] the log was cut here/);
  });
});

describe('RunRecords: a job’s attempts', () => {
  it('keeps each attempt that ran, where and how it ended, and none that ended before it ran', async () => {
    // The box's fence, as its lease holds it: the run record's writes are fenced.
    await redis.set('fence', '1');
    const oom = { code: 'gpu_out_of_memory' as const, message: 'GPU out of memory at 1,850 tokens on a 24 GiB GPU' };
    await records.held('job-5', 1, 't1', { reason: 'needs 20000 MiB; largest free is 0 MiB on box-a/gpu0', ahead: 0 });
    // Held with its lock token and why it waits, in one write; running clears the reason.
    expect(await redis.hgetall(keys.jobRun('job-5'))).toMatchObject({ phase: 'held', token: 't1', attempt: '1', pendingReason: 'needs 20000 MiB; largest free is 0 MiB on box-a/gpu0', ahead: '0', box: 'box-a' });
    await records.running('job-5', { attempt: 1, gpu: 'gpu0', vramMb: 20_000, startedAt: 1_000, token: 't1' });
    expect(await redis.hget(keys.jobRun('job-5'), 'pendingReason')).toBeNull();
    await records.ended('job-5', { finishedAt: 2_000, error: oom });
    // The second attempt is held, then ends before it runs (its scheduler stopped): nothing to add.
    await records.held('job-5', 2, 't2', { reason: 'waits', ahead: 0 });
    await records.ended('job-5', { finishedAt: 2_500, error: { code: 'worker_unavailable', message: 'the scheduler stopped' } });
    await records.held('job-5', 3, 't3', { reason: 'waits', ahead: 1 });
    await records.running('job-5', { attempt: 3, gpu: 'gpu1', vramMb: 40_000, startedAt: 3_000, token: 't3' });
    await records.ended('job-5', { finishedAt: 4_000 });
    const attempts = (await redis.lrange(keys.jobAttempts('job-5'), 0, -1)).map((text) => JSON.parse(text) as unknown);
    expect(attempts).toEqual([
      { attempt: 1, box: 'box-a', gpu: 'gpu0', vramMb: 20_000, server: null, startedAt: 1_000, finishedAt: 2_000, error: oom },
      { attempt: 3, box: 'box-a', gpu: 'gpu1', vramMb: 40_000, server: null, startedAt: 3_000, finishedAt: 4_000, error: null },
    ]);
    expect(await redis.ttl(keys.jobAttempts('job-5'))).toBeGreaterThan(FINISHED_JOB_RETENTION_S - 10);
  });

  it('adds an attempt’s seconds once when its end is sent again (the reply lost with the connection, ioredis resending it)', async () => {
    await redis.set('fence', '1');
    const cut = await ReplyCutter.start(url);
    const through = new Redis(cut.urlFor(url), { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    try {
      const cutRecords = new RunRecords(through, new FencedWriter(through, 'fence', () => 1), 'box-a', () => 1);
      await cutRecords.running('job-6', { attempt: 1, gpu: 'gpu0', vramMb: 2_000, startedAt: 1_000, token: 't1' });
      await cutRecords.ended('job-6', { finishedAt: 3_500, spent: { seconds: 2.5, onCpu: false } });
      await cutRecords.running('job-6', { attempt: 2, gpu: 'gpu0', vramMb: 2_000, startedAt: 4_000, token: 't2' });
      cut.dropReplyTo('job-6');
      const totals = await cutRecords.ended('job-6', { finishedAt: 5_000, spent: { seconds: 1, onCpu: false } });
      expect(cut.drops).toBe(1);
      expect(totals.gpuSeconds).toBe(3.5);
      expect(await redis.hget(keys.jobRun('job-6'), 'gpuSeconds')).toBe('3.5');
      expect(await redis.llen(keys.jobAttempts('job-6'))).toBe(2);
    } finally {
      through.disconnect();
      await cut.close();
    }
  });
});
