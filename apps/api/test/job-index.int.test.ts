// The tenant's job index is trimmed with the jobs it points to: an entry older than the retention
// whose job is gone goes; an old job that still exists (queued all that time) and every recent
// entry stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullmqKey, FINISHED_JOB_RETENTION_S, keys, newJobId } from '@gpuq/shared';
import { createRedis, type Redis } from '@gpuq/runtime';
import { freshRedisUrl } from '../../../test/helpers/redis-db.js';
import { JobIndex } from '../src/job-index.js';

const DAY_MS = 24 * 3600 * 1000;
const NOW = Date.UTC(2026, 11, 6);
const log = { warn: () => undefined };

let redis: Redis;

beforeAll(async () => {
  redis = createRedis(await freshRedisUrl(), 'test');
});

afterAll(async () => {
  await redis?.quit();
});

describe('the tenant job index', () => {
  it('forgets entries of jobs gone with their retention, and keeps the rest', async () => {
    const old = NOW - FINISHED_JOB_RETENTION_S * 1000 - DAY_MS;
    const gone = [newJobId('solve', old), newJobId('fold', old + 1)];
    const stillQueued = newJobId('solve', old + 2);
    const recentWithoutHash = newJobId('solve', NOW - DAY_MS);
    await redis.set(bullmqKey('solve', stillQueued), 'x');
    const index = new JobIndex(redis, log, () => NOW);
    index.add('acme', old, gone[0]!);
    index.add('acme', old + 1, gone[1]!);
    index.add('acme', old + 2, stillQueued);
    index.add('acme', NOW - DAY_MS, recentWithoutHash);
    index.add('globex', old, newJobId('solve', old));
    await index.flush();
    // The flush trims each tenant it wrote to (at most every few minutes); wait for it to land.
    await expect.poll(() => redis.zrange(keys.tenantJobs('acme'), 0, -1)).toEqual([stillQueued, recentWithoutHash]);
    await expect.poll(() => redis.zcard(keys.tenantJobs('globex'))).toBe(0);
    // Trimming again finds nothing more to remove.
    expect(await index.trim('acme')).toBe(0);
  });
});
