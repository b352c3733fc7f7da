// The API built in-process (inject) against a real Redis: what a 202 promises, and the error
// shape of every refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { BULLMQ_PREFIX, GpuqConfig, JobData, keys, type JobView } from '@gpuq/shared';
import { bullConnection, createLogger } from '@gpuq/runtime';
import { CONTRACTS_LP } from '../../../test/fixtures/problems.js';
import { freshRedisUrl } from '../../../test/helpers/redis-db.js';
import { startRedisServer } from '@gpuq/testkit';
import { buildApp } from '../src/app.js';
import { KeyRing } from '../src/auth/key-ring.js';
import { SOLVE_ON_GPUS } from './test-app.js';

const log = createLogger('api-test', process.env.TEST_LOG_LEVEL ?? 'silent');
type App = Awaited<ReturnType<typeof buildApp>>;

describe('POST /v1/jobs and GET /v1/jobs/:id', () => {
  let app: App;
  let queue: Queue;
  beforeAll(async () => {
    const redisUrl = await freshRedisUrl();
    app = await buildApp({ config: GpuqConfig.parse({ kinds: { solve: SOLVE_ON_GPUS } }), redisUrl, log, maxBodyBytes: 64 * 1024, keys: new KeyRing([]), runsWebhooks: false });
    queue = new Queue('solve', { connection: bullConnection(redisUrl), prefix: BULLMQ_PREFIX });
  });
  afterAll(async () => {
    await queue?.close();
    await app?.close();
  });

  it('puts the job in Redis before answering 202, with its options', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload: { kind: 'solve', input: CONTRACTS_LP, priority: 80, maxAttempts: 2, timeoutSeconds: 30, labels: { team: 'ops' }, resources: { vramMb: 3000 } },
    });
    expect(response.statusCode).toBe(202);
    const view = response.json<JobView>();
    expect(response.headers.location).toBe(`/v1/jobs/${view.id}`);
    expect(view).toMatchObject({
      status: 'queued',
      priority: 80,
      labels: { team: 'ops' },
      resources: { vramMb: 3000 },
      timeoutSeconds: 30,
      attempts: { made: 0, max: 2 },
    });

    const stored = await queue.getJob(view.id);
    expect(stored).toBeDefined();
    // The input is kept apart from the queue (version 2 data), as the JSON the submit checked.
    const data = JobData.parse(stored!.data);
    const input = await app.redis.get(keys.jobInput(view.id));
    expect(data).toMatchObject({ v: 2, kind: 'solve', tenant: 'default', requestedVramMb: 3000, maxAttempts: 2, inputBytes: Buffer.byteLength(input!), need: { vramMb: 3000 } });
    expect(JSON.parse(input!)).toEqual({ ...CONTRACTS_LP });
    expect(stored!.opts).toMatchObject({ attempts: 2, priority: 21, backoff: { type: 'exponential', delay: 2000 } });
    expect(await stored!.getState()).toBe('prioritized');

    const read = await app.inject({ method: 'GET', url: `/v1/jobs/${view.id}` });
    expect(read.statusCode).toBe(200);
    // No scheduler runs here: the view says so rather than letting the job look merely slow.
    expect(read.json()).toEqual({
      ...view,
      pendingReason: 'no scheduler is running solve jobs; it waits in the queue until one starts',
      queuePosition: 0,
    });
  });

  it('fills in the kind’s defaults', async () => {
    const view = (await app.inject({ method: 'POST', url: '/v1/jobs', payload: { kind: 'solve', input: CONTRACTS_LP } })).json<JobView>();
    expect(view).toMatchObject({ priority: 50, timeoutSeconds: 600, attempts: { max: 3 }, resources: { vramMb: null }, labels: {} });
  });

  it('answers every refusal with a code, a message and the field', async () => {
    const cases = [
      { payload: { kind: 'solve', input: { ...CONTRACTS_LP, maximize: 1 } }, status: 400, code: 'validation_failed', path: 'input.maximize' },
      { payload: { kind: 'solve', input: CONTRACTS_LP, timeoutSeconds: 90_000 }, status: 422, code: 'timeout_above_max', path: 'timeoutSeconds' },
      { payload: '{"kind":', status: 400, code: 'validation_failed', path: '(body)', contentType: 'application/json' },
      { payload: 'kind=solve', status: 415, code: 'unsupported_media_type', contentType: 'text/plain' },
      { payload: { kind: 'solve', input: { ...CONTRACTS_LP, variable_names: Array(20_000).fill('a-long-variable-name') } }, status: 413, code: 'payload_too_large' },
    ];
    for (const c of cases) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/jobs',
        payload: c.payload,
        ...(c.contentType ? { headers: { 'content-type': c.contentType } } : {}),
      });
      expect(response.statusCode, JSON.stringify(c)).toBe(c.status);
      const body = response.json<{ error: { code: string; message: string; details?: { path: string }[] } }>();
      expect(body.error.code).toBe(c.code);
      expect(body.error.message.length).toBeGreaterThan(0);
      if (c.path) expect(body.error.details?.map((d) => d.path)).toContain(c.path);
    }
  });

  it('answers 404 for unknown jobs and routes', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/jobs/solve_0000000000zzzzzzzzzzzzzzzz' })).json()).toEqual({
      error: { code: 'job_not_found', message: 'no job with id solve_0000000000zzzzzzzzzzzzzzzz' },
    });
    expect((await app.inject({ method: 'GET', url: '/v1/nothing' })).json()).toEqual({ error: { code: 'route_not_found', message: 'No such route.' } });
  });

  it('answers /healthz', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });
});

describe('when Redis is unreachable', () => {
  it('answers 503 with a code, never a hang or a crash', async () => {
    const redis = await startRedisServer();
    const app = await buildApp({ config: GpuqConfig.parse({ kinds: { solve: SOLVE_ON_GPUS } }), redisUrl: redis.url, log, maxBodyBytes: 1024 * 1024, keys: new KeyRing([]), runsWebhooks: false });
    try {
      expect((await app.inject({ method: 'POST', url: '/v1/jobs', payload: { kind: 'solve', input: CONTRACTS_LP } })).statusCode).toBe(202);
      await redis.stop();
      const response = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { kind: 'solve', input: CONTRACTS_LP } });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ error: { code: 'redis_unavailable', message: 'The job store is unreachable; try again shortly.' } });
      const read = await app.inject({ method: 'GET', url: '/v1/jobs/solve_0000000000zzzzzzzzzzzzzzzz' });
      expect(read.statusCode).toBe(503);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ error: { code: 'not_ready', message: 'Redis does not answer.' } });
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
