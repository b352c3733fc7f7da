import { describe, expect, it } from 'vitest';
import { Redis } from '@gpuq/runtime';
import { freshRedisUrl } from '../../../test/helpers/redis-db.js';
import { VramEstimator } from '../src/gpus/vram-estimator.js';

describe('VramEstimator', () => {
  it('uses the declared VRAM, else the estimate, and once it has enough samples, the learned percentile plus margin', async () => {
    const redis = new Redis(await freshRedisUrl(), { maxRetriesPerRequest: 2 });
    try {
      const estimator = new VramEstimator(redis, { minSamples: 10, percentile: 90, margin: 0.1 });
      expect(estimator.estimate('fold', 5_000, 8_000)).toEqual({ vramMb: 5_000, source: 'declared' });
      expect(estimator.estimate('fold', undefined, 8_000)).toEqual({ vramMb: 8_000, source: 'estimated' });
      // Jobs estimated at 8000 MiB peaked at 4000..8500 MiB (ratios 0.5..1.0625).
      for (let i = 0; i < 10; i++) await estimator.record('fold', 8_000, 4_000 + i * 500);
      // p90 of the ratios is 8000/8000 = 1.0 (the 9th of 10); plus 10 %: 8800 MiB.
      expect(estimator.estimate('fold', undefined, 8_000)).toEqual({ vramMb: 8_800, source: 'learned' });

      // A restarted scheduler keeps what was learned.
      const restarted = new VramEstimator(redis, { minSamples: 10, percentile: 90, margin: 0.1 });
      await restarted.load(['fold']);
      expect(restarted.estimate('fold', undefined, 8_000)).toEqual({ vramMb: 8_800, source: 'learned' });
    } finally {
      await redis.quit();
    }
  });
});
