import { describe, expect, it } from 'vitest';
import { Redis } from '@gpuq/runtime';
import { freshRedisUrl } from '../../../test/helpers/redis-db.js';
import { RateLimiter } from '../src/rate-limiter.js';

describe('RateLimiter', () => {
  it('is exact for small limits, across replicas sharing Redis', async () => {
    const redis = new Redis(await freshRedisUrl());
    const now = () => 60_000 * 16; // the start of a window: 60 s until the next
    const [a, b] = [new RateLimiter(redis, now), new RateLimiter(redis, now)];
    try {
      const decisions = [];
      for (let i = 0; i < 8; i++) decisions.push((await (i % 2 ? b : a).check('acme', 5)).isAllowed);
      expect(decisions).toEqual([true, true, true, true, true, false, false, false]);
      expect(await a.check('acme', 5)).toEqual({ isAllowed: false, limit: 5, remaining: 0, resetS: 60 });
      expect((await a.check('globex', 5)).isAllowed).toBe(true);
    } finally {
      a.close();
      b.close();
      await redis.quit();
    }
  });

  it('counts large limits locally and in Redis, and holds them within the last tenth', async () => {
    const redis = new Redis(await freshRedisUrl());
    const limiter = new RateLimiter(redis, () => 5_000_000);
    try {
      let allowed = 0;
      for (let i = 0; i < 1_100; i++) if ((await limiter.check('acme', 1_000)).isAllowed) allowed++;
      expect(allowed).toBe(1_000);
      // Every request it let through is counted in Redis, where other replicas see it.
      expect(Number(await redis.get('gpuq:rate:acme:83'))).toBeGreaterThanOrEqual(1_000);
    } finally {
      limiter.close();
      await redis.quit();
    }
  });

  it('starts a new window each minute', async () => {
    const redis = new Redis(await freshRedisUrl());
    let t = 60_000 * 10 + 59_000;
    const limiter = new RateLimiter(redis, () => t);
    try {
      expect((await limiter.check('acme', 1)).isAllowed).toBe(true);
      expect(await limiter.check('acme', 1)).toEqual({ isAllowed: false, limit: 1, remaining: 0, resetS: 1 });
      t += 1_000;
      expect((await limiter.check('acme', 1)).isAllowed).toBe(true);
    } finally {
      limiter.close();
      await redis.quit();
    }
  });
});
