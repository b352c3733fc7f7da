// Claiming an Idempotency-Key in a real Redis: the first request gets its own job, a repeat with
// the same body the first one's, another body a 409 — and the same claim run twice (the client
// sent it again after losing the reply) is still the first request, not a repeat of itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from '@gpuq/runtime';
import { freshRedisUrl } from '../../../test/helpers/redis-db.js';
import { claimIdempotencyKey } from '../src/idempotency.js';

let redis: Redis;
beforeAll(async () => {
  redis = new Redis(await freshRedisUrl(), { maxRetriesPerRequest: 2 });
});
afterAll(async () => {
  await redis.quit();
});

describe('claimIdempotencyKey', () => {
  it('gives the first request its job, a repeat that job, and another body a 409', async () => {
    expect(await claimIdempotencyKey(redis, 't', 'k1', 'body-a', 'job-1', 60)).toEqual({ jobId: 'job-1', isRepeat: false });
    expect(await claimIdempotencyKey(redis, 't', 'k1', 'body-a', 'job-2', 60)).toEqual({ jobId: 'job-1', isRepeat: true });
    await expect(claimIdempotencyKey(redis, 't', 'k1', 'body-b', 'job-3', 60)).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    // Keys are the tenant's own.
    expect(await claimIdempotencyKey(redis, 'u', 'k1', 'body-a', 'job-4', 60)).toEqual({ jobId: 'job-4', isRepeat: false });
  });

  it('is not a repeat of itself when the same claim runs again', async () => {
    await claimIdempotencyKey(redis, 't', 'k2', 'body-a', 'job-5', 60);
    expect(await claimIdempotencyKey(redis, 't', 'k2', 'body-a', 'job-5', 60)).toEqual({ jobId: 'job-5', isRepeat: false });
  });
});
