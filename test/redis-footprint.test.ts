// What a finished job leaves in Redis: its view, result and records stay for their retention; its
// input goes when the job ends. The test prints the bytes per job (Redis's own MEMORY USAGE of the
// job's keys, and used_memory's growth over the whole run, which counts its share of BullMQ's
// sets and event stream) so the README's figure can be checked; it asserts what is kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '@gpuq/shared';
import { createRedis, type Redis } from '@gpuq/runtime';
import { Stack } from './helpers/stack.js';

const JOBS = 100;

/** An LP of about 3 KiB as JSON (the typical 2–5 KB input): `n` variables, one row each plus a sum. */
function typicalLp(n: number, seed: number) {
  const offsets = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    indices.push(i);
    values.push(1);
    offsets.push(indices.length);
  }
  for (let i = 0; i < n; i++) {
    indices.push(i);
    values.push(((i * 7 + seed) % 5) + 1);
  }
  offsets.push(indices.length);
  return {
    csr_constraint_matrix: { offsets, indices, values },
    constraint_bounds: { lower_bounds: [...Array<number>(n).fill(0), 0], upper_bounds: [...Array<number>(n).fill(10), 100 + seed] },
    objective_data: { coefficients: Array.from({ length: n }, (_, i) => -(((i + seed) % 9) + 1)) },
    variable_bounds: { lower_bounds: Array<number>(n).fill(0), upper_bounds: Array<number>(n).fill(10) },
    maximize: false,
  };
}

// Version 1 (the input inside BullMQ's job hash, as 0.3 wrote it) is printed beside version 2.
describe.each([2, 1] as const)('Redis per finished job, job data version %i', (version) => {
  let stack: Stack;
  let redis: Redis;

  beforeAll(async () => {
    stack = await Stack.start({ solve: { maxAttempts: 1 }, api: { jobDataVersion: version } });
    redis = createRedis(stack.redisUrl, 'footprint');
  });

  afterAll(async () => {
    await redis?.quit();
    await stack?.stop();
  });

  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);

  it('keeps the view and result, never the input apart, and prints the bytes per job', async () => {
    // A first job, so the queue's own structures exist before the measurement starts.
    await stack.waitForJob((await stack.submit({ kind: 'solve', input: typicalLp(100, 0) })).id);
    const before = await usedMemory();
    const inputBytes = JSON.stringify(typicalLp(100, 1)).length;
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) ids.push((await stack.submit({ kind: 'solve', input: typicalLp(100, i + 1), labels: { run: 'footprint' } })).id);
    const done = await Promise.all(ids.map((id) => stack.waitForJob(id, undefined, 60_000)));
    expect(done.map((d) => d.status), stack.logs()).toEqual(ids.map(() => 'succeeded'));
    const after = await usedMemory();

    let ownBytes = 0;
    for (const id of ids) {
      expect(await redis.exists(keys.jobInput(id)), `${id}'s input`).toBe(0);
      const own = (await redis.keys(`*${id}*`)).filter((k) => !k.endsWith(':lock'));
      for (const key of own) ownBytes += (await redis.memory('USAGE', key, 'SAMPLES', '0')) ?? 0;
    }
    // What a user reads stays: the view with its result.
    const view = await stack.job(ids[0]!);
    expect(view).toMatchObject({ status: 'succeeded', result: { solver_response: { status: expect.anything() } } });

    const perJob = Math.round(ownBytes / JOBS);
    const growth = Math.round((after - before) / JOBS);
    console.log(`Redis per finished job, version ${version} (input ${inputBytes} B as JSON): ${perJob} B in its own keys, ${growth} B of used_memory growth (BullMQ's sets and event stream included)`);
    expect(perJob).toBeGreaterThan(0);
  }, 180_000);
});
