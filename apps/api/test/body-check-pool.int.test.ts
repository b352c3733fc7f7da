// The body-check pool: large bodies are checked in worker threads with the same outcome as small
// ones checked where they arrive, their inputs staged in Redis by the thread; tenants take turns;
// a check past its heap or its time is refused, and the pool goes on.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GpuqConfig, keys, type ApiConfig } from '@gpuq/shared';
import { createRedis, type Redis } from '@gpuq/runtime';
import { freshRedisUrl } from '../../../test/helpers/redis-db.js';
import { BodyCheckPool } from '../src/body-checks/body-check-pool.js';
import type { BodyTaskValue } from '../src/body-checks/body-tasks.js';
import type { CheckedJob } from '../src/body-checks/checked-job.js';
import { ApiError } from '../src/errors.js';

const config = GpuqConfig.parse({ kinds: { solve: { executor: { type: 'http', url: 'http://127.0.0.1:5000' } } } });
const settings = (over: Partial<ApiConfig['bodyChecks']> = {}): ApiConfig['bodyChecks'] => ({ ...config.api.bodyChecks, threads: 1, inlineMaxBytes: 1_024, ...over });

/** An LP in MPS of about `columns` columns: large to read, valid. */
function mpsJob(columns: number): string {
  const lines = ['NAME big', 'ROWS', ' N obj', ' L c1', 'COLUMNS'];
  for (let i = 0; i < columns; i++) lines.push(`    x${i}  obj  ${(i % 7) + 1}  c1  ${(i % 3) + 1}`);
  lines.push('RHS', '    rhs  c1  100', 'ENDATA');
  return JSON.stringify({ kind: 'solve', input: { format: 'mps', mps: lines.join('\n') }, labels: { size: String(columns) } });
}

/** A body as chunks, as a socket delivers it. */
const chunksOf = (text: string, size = 64 * 1024): Uint8Array[] => {
  const bytes = Buffer.from(text);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(Uint8Array.prototype.slice.call(bytes, at, at + size));
  return chunks;
};

const jobOf = (value: BodyTaskValue): CheckedJob => {
  if (value.type !== 'job') throw new Error(`expected a job, got ${value.type}`);
  return value.job;
};

let redisUrl: string;
let redis: Redis;
let pool: BodyCheckPool | undefined;

beforeAll(async () => {
  redisUrl = await freshRedisUrl();
  redis = createRedis(redisUrl, 'test');
  return async () => redis.quit();
});

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('the body-check pool', () => {
  it('checks a large body in a thread as a small one is checked here, and stages its input in Redis', async () => {
    const body = mpsJob(20_000);
    pool = new BodyCheckPool(config, redisUrl, settings());
    const inThread = jobOf(await pool.check('acme', { type: 'job', body: chunksOf(body), withHash: true }));
    const here = jobOf(await new BodyCheckPool(config, redisUrl, settings({ inlineMaxBytes: 100_000_000 })).check('acme', { type: 'job', body: chunksOf(body), withHash: true }));

    expect(typeof here.input).toBe('string');
    expect(inThread.input).toEqual({ stagedKey: expect.stringMatching(/^gpuq:input:staged:/) });
    const stagedKey = (inThread.input as { stagedKey: string }).stagedKey;
    expect(await redis.get(stagedKey)).toBe(here.input);
    expect(await redis.ttl(stagedKey)).toBeGreaterThan(0);
    expect({ ...inThread, input: null }).toEqual({ ...here, input: null });
    expect(inThread.need).toMatchObject({ type: 'vram' });
    expect(inThread.bodyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('checks with the config as loaded, a cuOpt server with GPUs included', async () => {
    const gpuBox = GpuqConfig.parse({ gpus: [{ id: 'gpu0', vramMb: 81_920 }], kinds: { solve: { servers: [{ name: 'cuopt', url: 'http://127.0.0.1:5000', gpus: ['gpu0'], problems: ['lp', 'milp', 'vrp'] }] } } });
    pool = new BodyCheckPool(gpuBox, redisUrl, { ...gpuBox.api.bodyChecks, threads: 1, inlineMaxBytes: 1_024 });
    expect(jobOf(await pool.check('acme', { type: 'job', body: chunksOf(mpsJob(2_000)), withHash: false })).need).toMatchObject({ type: 'server-slot' });
  });

  it('refuses a bad large body with the same error and fields as a small one', async () => {
    const bad = mpsJob(20_000).replace('ENDATA', 'BOUNDS\\n UP bnd x3 -5\\n LO bnd x3 5\\nENDATA');
    pool = new BodyCheckPool(config, redisUrl, settings());
    const refusal = await pool.check('acme', { type: 'job', body: chunksOf(bad), withHash: false }).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ code: 'validation_failed', details: [{ path: 'input.mps', message: expect.stringContaining('the bounds of column "x3" cross') }] });
    const invalidJson = await pool.check('acme', { type: 'job', body: chunksOf(`${mpsJob(20_000)}}`), withHash: false }).catch((err: unknown) => err);
    expect(invalidJson).toMatchObject({ code: 'validation_failed', details: [{ path: '(body)', message: expect.stringContaining('not valid JSON') }] });
  });

  it('gives a free thread to the tenant served longest ago, not to the one that sent most', async () => {
    pool = new BodyCheckPool(config, redisUrl, settings({ perTenant: 1, maxWaitingPerTenant: 10 }));
    const order: string[] = [];
    const send = (tenant: string, n: number) => pool!.check(tenant, { type: 'job', body: chunksOf(mpsJob(5_000 + n)), withHash: false }).then(() => order.push(`${tenant}${n}`));
    const all = [send('acme', 1), send('acme', 2), send('acme', 3), send('globex', 1)];
    await Promise.all(all);
    expect(order).toEqual(['acme1', 'globex1', 'acme2', 'acme3']);
  });

  it("refuses a tenant's bodies past its waiting room with 429, while another tenant's are checked", async () => {
    pool = new BodyCheckPool(config, redisUrl, settings({ perTenant: 1, maxWaitingPerTenant: 1 }));
    const body = () => chunksOf(mpsJob(10_000));
    const acme = [1, 2, 3].map(() => pool!.check('acme', { type: 'job', body: body(), withHash: false }).then(() => 'checked', (err: ApiError) => err.code));
    const globex = pool.check('globex', { type: 'job', body: body(), withHash: false }).then(() => 'checked');
    expect(await Promise.all([...acme, globex])).toEqual(['checked', 'checked', 'too_many_large_requests', 'checked']);
  });

  it('refuses a body whose check needs more heap than one request may use, then checks the next', async () => {
    pool = new BodyCheckPool(config, redisUrl, settings({ maxHeapMb: 64 }));
    const refusal = await pool.check('acme', { type: 'job', body: chunksOf(mpsJob(400_000)), withHash: false }).catch((err: unknown) => err);
    expect(refusal).toMatchObject({ code: 'body_too_costly', statusCode: 413, message: expect.stringContaining('more than 64 MiB') });
    expect(jobOf(await pool.check('acme', { type: 'job', body: chunksOf(mpsJob(2_000)), withHash: false })).inputBytes).toBeGreaterThan(0);
  });

  it('stops a check that runs past its time, then checks the next', async () => {
    pool = new BodyCheckPool(config, redisUrl, settings({ timeoutMs: 30 }));
    const refusal = await pool.check('acme', { type: 'job', body: chunksOf(mpsJob(200_000)), withHash: false }).catch((err: unknown) => err);
    expect(refusal).toMatchObject({ code: 'body_too_costly', message: expect.stringContaining('longer than 0.03 s') });
    await pool.close();
    pool = new BodyCheckPool(config, redisUrl, settings({ timeoutMs: 30_000 }));
    expect(jobOf(await pool.check('acme', { type: 'job', body: chunksOf(mpsJob(2_000)), withHash: false })).inputBytes).toBeGreaterThan(0);
  });
});

describe('inputs staged in Redis', () => {
  it('expire when their job is never added', async () => {
    pool = new BodyCheckPool(config, redisUrl, settings());
    const job = jobOf(await pool.check('acme', { type: 'job', body: chunksOf(mpsJob(2_000)), withHash: false }));
    const ttl = await redis.ttl((job.input as { stagedKey: string }).stagedKey);
    expect(ttl).toBeGreaterThan(60);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(await redis.exists(keys.jobInput('nothing'))).toBe(0);
  });
});
