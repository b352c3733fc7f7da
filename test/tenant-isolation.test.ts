// No tenant can stall another with its bodies: while one sends the largest bodies it may, four at
// once, another tenant's /healthz and small submits are all answered, and the hostile tenant only
// ever hears documented answers. The latencies are printed, not asserted (a loaded CI machine would
// make them flaky); `npm run bench -- --only isolation` compares them with the API before the pool.
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { hostileSummary, isolationLoad, startTenantsApi, type Probe, type TenantsApi } from '../bench/src/isolation.js';
import { freshRedisUrl } from './helpers/redis-db.js';

let api: TenantsApi | undefined;
let redisUrl: string | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
  // The hostile bodies that were taken are stored in Redis, 16 MiB each: give the memory back.
  if (redisUrl) {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    await redis.flushdb();
    await redis.quit();
  }
  redisUrl = undefined;
});

const line = (name: string, probe: Probe) => {
  const { count, p50Ms, p99Ms, maxMs } = probe.latency;
  return `${name}: n ${count}, p50 ${p50Ms} ms, p99 ${p99Ms} ms, max ${maxMs} ms`;
};

describe('a tenant sending the largest bodies it may', () => {
  it('leaves another tenant’s /healthz and small submits answered, and hears only 202, 400, 413 or 429 in the documented shape', async () => {
    redisUrl = await freshRedisUrl();
    api = await startTenantsApi(redisUrl);
    const result = await isolationLoad(api.url, { durationS: 8, concurrency: 4 });
    console.info(
      [
        `tenant isolation (body-check pool defaults; MPS ${result.mpsBytes} B, VRP ${result.vrpBytes} B, 4 at once for 8 s):`,
        `  ${line('/healthz', result.healthz)}`,
        `  ${line('small submit', result.submit)}`,
        `  hostile tenant: ${hostileSummary(result.hostile)}`,
      ].join('\n'),
    );

    // The neighbour: every request answered, every submit taken, all through the load.
    expect(result.healthz.socketErrors).toEqual({});
    expect(result.submit.socketErrors).toEqual({});
    expect(Object.keys(result.healthz.byStatus)).toEqual(['200']);
    expect(Object.keys(result.submit.byStatus)).toEqual(['202']);
    expect(result.submit.latency.count).toBeGreaterThanOrEqual(20);
    // The hostile tenant: bodies just under the 16 MiB limit, answered (no 5xx, no reset) as documented.
    expect(Math.min(result.mpsBytes, result.vrpBytes)).toBeGreaterThan(15 * 2 ** 20);
    expect(result.hostile.socketErrors).toEqual({});
    expect(result.hostile.notOurShape).toEqual([]);
    const statuses = Object.keys(result.hostile.byStatus);
    expect(statuses.length).toBeGreaterThan(0);
    // A 5xx is logged: its lines say why.
    const errors = api.process.raw.filter((l) => /"level":(50|60)/.test(l)).slice(0, 3);
    expect(statuses.filter((s) => !['202', '400', '413', '429'].includes(s)), errors.join('\n')).toEqual([]);
    expect(api.process.isRunning).toBe(true);
  });
});
