// The API in-process (inject) against a real Redis, with no scheduler: every rule a client meets
// at the door, and every error code it can get.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOX_CONTROL_CHANNEL, BoxDrainMark, CANCEL_CHANNEL, keys, type GpusView, type JobView } from '@gpuq/shared';
import { Redis } from '@gpuq/runtime';
import { CONTRACTS_LP } from '../../../test/fixtures/problems.js';
import { waitFor } from '@gpuq/testkit';
import { auth, buildTestApp, gpu, publishBox, type TestApp } from './test-app.js';
import { fakeLookup, PUBLIC_ADDRESS } from './fake-dns.js';

const job = (over: Record<string, unknown> = {}) => ({ kind: 'solve', input: CONTRACTS_LP, ...over });
type ErrorReply = { error: { code: string; message: string; details?: Array<{ path: string; message: string }> } };

const artifactsDir = mkdtempSync(join(tmpdir(), 'gpuq-artifacts-'));
let app: TestApp;
beforeAll(async () => {
  app = await buildTestApp({
    artifactsDir,
    api: { rateLimitPerMinute: 10_000, maxBatchSize: 3, webhooks: { allowedHosts: ['hooks.acme.test', '*.partners.test'] } },
  }, { webhookLookup: fakeLookup({ 'hooks.acme.test': PUBLIC_ADDRESS, 'eu.partners.test': PUBLIC_ADDRESS }) });
});
afterAll(async () => {
  await app?.close();
});

const submit = async (who: 'acme' | 'globex' | 'admin', body: unknown = job(), headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(who), ...headers }, payload: body as object });

describe('authentication', () => {
  it('refuses a request without a key, or with a wrong one, with 401', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/jobs' })).json()).toEqual({
      error: { code: 'unauthorized', message: 'Send a valid API key: Authorization: Bearer <key>.' },
    });
    const wrong = await app.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: 'Bearer not-a-key' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json<ErrorReply>().error.message).toBe('That API key is not valid.');
  });

  it('keeps the system status for admins (403 for a tenant)', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/system/status', headers: auth('acme') })).json<ErrorReply>().error.code).toBe('forbidden');
    const status = await app.inject({ method: 'GET', url: '/v1/system/status', headers: auth('admin') });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({ version: '0.1.0', schedulers: [], queues: { solve: { waiting: expect.any(Number) } } });
  });

  it('shows the solve servers’ internal URLs to admins only', async () => {
    const box = await buildTestApp();
    try {
      const server = { name: 'cuopt', url: 'http://10.0.4.17:5000', gpus: ['gpu0'], problems: ['lp'], slots: 1, running: 0, unavailableReason: null };
      await publishBox(box.client, { boxId: 'box-u', kinds: ['solve'], unavailableKinds: {}, heldByKind: {}, gpus: [gpu('gpu0', 81_920)], solveServers: [server] });
      const seen = async (who: 'acme' | 'admin') => (await box.inject({ method: 'GET', url: '/v1/gpus', headers: auth(who) })).json<GpusView>().boxes.find((b) => b.boxId === 'box-u')!;
      const { url: _url, ...withoutUrl } = server;
      expect((await seen('acme')).solveServers).toEqual([withoutUrl]);
      expect(JSON.stringify(await seen('acme'))).not.toContain('10.0.4.17');
      expect((await seen('admin')).solveServers).toEqual([server]);
    } finally {
      await box.close();
    }
  });

  it('leaves health, readiness, metrics and the API docs open', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs/']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
  });
});

describe('tenants', () => {
  let acmeJob: JobView;
  let batchId: string;
  beforeAll(async () => {
    acmeJob = (await submit('acme', job({ labels: { team: 'routing' } }))).json();
    batchId = (await app.inject({ method: 'POST', url: '/v1/batches', headers: auth('acme'), payload: { jobs: [job()] } })).json<{ id: string }>().id;
    mkdirSync(join(artifactsDir, acmeJob.id));
    writeFileSync(join(artifactsDir, acmeJob.id, 'model_0.cif'), 'data_model\n');
  });

  it('see only their own jobs: another tenant gets 404 on every route that takes an id', async () => {
    const routes: Array<[string, string, string]> = [
      ['GET', `/v1/jobs/${acmeJob.id}`, 'job_not_found'],
      ['DELETE', `/v1/jobs/${acmeJob.id}`, 'job_not_found'],
      ['GET', `/v1/jobs/${acmeJob.id}/result`, 'job_not_found'],
      ['GET', `/v1/jobs/${acmeJob.id}/events`, 'job_not_found'],
      ['GET', `/v1/jobs/${acmeJob.id}/artifacts/model_0.cif`, 'job_not_found'],
      ['GET', `/v1/jobs/${acmeJob.id}/logs`, 'job_not_found'],
      ['GET', `/v1/batches/${batchId}`, 'batch_not_found'],
    ];
    for (const [method, url, code] of routes) {
      const response = await app.inject({ method: method as 'GET', url, headers: auth('globex') });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json<ErrorReply>().error.code).toBe(code);
      expect(response.body).not.toContain('routing');
    }
    const listed = (await app.inject({ method: 'GET', url: '/v1/jobs', headers: auth('globex') })).json<{ jobs: JobView[] }>();
    expect(listed.jobs.map((j) => j.id)).not.toContain(acmeJob.id);
  });

  it('an admin sees every tenant’s jobs', async () => {
    expect((await app.inject({ method: 'GET', url: `/v1/jobs/${acmeJob.id}`, headers: auth('admin') })).json()).toMatchObject({ id: acmeJob.id, tenant: 'acme' });
    const listed = (await app.inject({ method: 'GET', url: '/v1/jobs?limit=100', headers: auth('admin') })).json<{ jobs: JobView[] }>();
    expect(listed.jobs.map((j) => j.id)).toContain(acmeJob.id);
  });

  it('serves a job’s artifacts to its owner, and checks the names', async () => {
    const file = await app.inject({ method: 'GET', url: `/v1/jobs/${acmeJob.id}/artifacts/model_0.cif`, headers: auth('acme') });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('chemical/x-cif');
    expect(file.body).toBe('data_model\n');
    const missing = await app.inject({ method: 'GET', url: `/v1/jobs/${acmeJob.id}/artifacts/model_1.cif`, headers: auth('acme') });
    expect(missing.json<ErrorReply>().error.code).toBe('artifact_not_found');
    for (const name of ['..', '..%2F..%2Fetc%2Fpasswd', '%2Fetc%2Fpasswd', 'a%00b']) {
      const escape = await app.inject({ method: 'GET', url: `/v1/jobs/${acmeJob.id}/artifacts/${name}`, headers: auth('acme') });
      expect([400, 404], name).toContain(escape.statusCode);
      expect(escape.body).not.toContain('root:');
    }
  });
});

describe('Idempotency-Key', () => {
  it('returns the original job (200) for the same key and body, and 409 for another body', async () => {
    const first = await submit('acme', job(), { 'idempotency-key': 'order-42' });
    expect(first.statusCode).toBe(202);
    const again = await submit('acme', job(), { 'idempotency-key': 'order-42' });
    expect(again.statusCode).toBe(200);
    expect(again.json<JobView>().id).toBe(first.json<JobView>().id);
    expect(again.headers.location).toBe(`/v1/jobs/${first.json<JobView>().id}`);
    const other = await submit('acme', job({ priority: 90 }), { 'idempotency-key': 'order-42' });
    expect(other.statusCode).toBe(409);
    expect(other.json<ErrorReply>().error.code).toBe('idempotency_key_reused');
  });

  it('treats the same JSON in another key order as the same body', async () => {
    const a = await submit('acme', { input: CONTRACTS_LP, kind: 'solve', labels: { a: '1', b: '2' } }, { 'idempotency-key': 'reordered' });
    const b = await submit('acme', { labels: { b: '2', a: '1' }, kind: 'solve', input: CONTRACTS_LP }, { 'idempotency-key': 'reordered' });
    expect(b.statusCode).toBe(200);
    expect(b.json<JobView>().id).toBe(a.json<JobView>().id);
  });

  it('keeps keys per tenant', async () => {
    const acme = await submit('acme', job(), { 'idempotency-key': 'shared-name' });
    const globex = await submit('globex', job(), { 'idempotency-key': 'shared-name' });
    expect(globex.statusCode).toBe(202);
    expect(globex.json<JobView>().id).not.toBe(acme.json<JobView>().id);
  });

  it('forgets keys after their lifetime', async () => {
    const short = await buildTestApp({ api: { idempotencyTtlS: 1 } });
    try {
      const post = () => short.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth('acme'), 'idempotency-key': 'k' }, payload: job() });
      const first = (await post()).json<JobView>().id;
      const stored = keys.idempotency('acme', createHash('sha256').update('k').digest('hex'));
      expect(await short.client.exists(stored)).toBe(1);
      await waitFor(async () => (await short.client.exists(stored)) === 0, { what: 'the key to expire', timeoutMs: 5_000, intervalMs: 100 });
      const later = await post();
      expect(later.statusCode).toBe(202);
      expect(later.json<JobView>().id).not.toBe(first);
    } finally {
      await short.close();
    }
  });
});

describe('admission', () => {
  it('refuses at submit what can never run, once a scheduler has published its GPUs', async () => {
    const box = await buildTestApp();
    try {
      const post = (body: unknown) => box.inject({ method: 'POST', url: '/v1/jobs', headers: auth('acme'), payload: body as object });
      // No scheduler yet: nothing is known, the job is accepted and waits.
      expect((await post(job({ resources: { vramMb: 100_000 } }))).statusCode).toBe(202);
      await publishBox(box.client, { boxId: 'box-1', kinds: ['solve'], unavailableKinds: {}, heldByKind: { solve: 0 }, gpus: [gpu('gpu0', 24_576), gpu('gpu1', 81_920)] });
      // The API reads the inventories at most once a second.
      const tooBig = await waitFor(async () => {
        const response = await post(job({ resources: { vramMb: 90_000 } }));
        return response.statusCode === 422 ? response : undefined;
      }, { what: 'the API to see the inventory', intervalMs: 200 });
      expect(tooBig.json()).toEqual({
        error: {
          code: 'never_fits',
          message: 'needs 90000 MiB but the largest GPU that runs solve jobs offers 81920 MiB; it could never run',
          details: [{ path: 'resources.vramMb', message: 'needs 90000 MiB but the largest GPU that runs solve jobs offers 81920 MiB; it could never run' }],
        },
      });
      expect((await post(job({ resources: { vramMb: 80_000 } }))).statusCode).toBe(202);
      await publishBox(box.client, { boxId: 'box-1', kinds: ['fold'], unavailableKinds: {}, heldByKind: {}, gpus: [gpu('gpu0', 24_576)] });
      const unserved = await waitFor(async () => {
        const response = await post(job());
        return response.statusCode === 422 ? response : undefined;
      }, { what: 'the API to see the new inventory', intervalMs: 200 });
      expect(unserved.json<ErrorReply>().error).toMatchObject({ code: 'kind_not_served', message: 'no scheduler runs solve jobs (they run: fold)' });
    } finally {
      await box.close();
    }
  });

  it('refuses an inference job whose model reserves more than any GPU its server runs on, as the scheduler would', async () => {
    const box = await buildTestApp({
      kinds: {
        inference: {
          models: {
            small: { url: 'http://127.0.0.1:9/', vramMb: 4_096 },
            big: { url: 'http://127.0.0.1:9/', vramMb: 100_000 },
            pinned: { url: 'http://127.0.0.1:9/', vramMb: 30_000, gpus: ['gpu0'] },
          },
        },
      },
    });
    try {
      const post = (model: string) => box.inject({ method: 'POST', url: '/v1/jobs', headers: auth('acme'), payload: { kind: 'inference', input: { model, texts: ['fine'] } } });
      // The box says where each pinned model's server runs: gpu0 for `pinned`.
      await publishBox(box.client, { boxId: 'box-1', kinds: ['inference'], unavailableKinds: {}, heldByKind: {}, gpus: [gpu('gpu0', 24_576), gpu('gpu1', 81_920)], modelGpus: { pinned: ['gpu0'] } });
      const tooBig = await waitFor(async () => {
        const response = await post('big');
        return response.statusCode === 422 ? response : undefined;
      }, { what: 'the API to see the inventory', intervalMs: 200 });
      const message = 'its model reserves 100000 MiB (kinds.inference.models.big.vramMb), but the largest GPU that runs inference jobs offers 81920 MiB; it could never run';
      expect(tooBig.json()).toEqual({ error: { code: 'never_fits', message, details: [{ path: 'input.model', message }] } });
      // Its model's server runs on gpu0 only: the 80 GiB GPU does not count for it.
      expect((await post('pinned')).json<ErrorReply>().error).toMatchObject({
        code: 'never_fits',
        message: 'its model reserves 30000 MiB (kinds.inference.models.pinned.vramMb), but the largest GPU that its model may use offers 24576 MiB; it could never run',
      });
      expect((await post('small')).statusCode).toBe(202);
    } finally {
      await box.close();
    }
  });

  it('refuses a timeout above the kind’s maximum, and webhooks to hosts not allowed or without a secret', async () => {
    const cases: Array<[string, unknown, string, string]> = [
      ['acme', job({ timeoutSeconds: 100_000 }), 'timeout_above_max', 'timeoutSeconds'],
      ['acme', job({ webhook: { url: 'https://evil.test/hook' } }), 'webhook_host_not_allowed', 'webhook.url'],
      ['acme', job({ webhook: { url: 'http://169.254.169.254/latest' } }), 'webhook_host_not_allowed', 'webhook.url'],
      ['globex', job({ webhook: { url: 'https://hooks.acme.test/x' } }), 'webhook_secret_missing', 'webhook'],
    ];
    for (const [who, body, code, path] of cases) {
      const response = await submit(who as 'acme', body);
      expect(response.statusCode, code).toBe(422);
      expect(response.json<ErrorReply>().error).toMatchObject({ code, details: [{ path }] });
    }
    expect((await submit('acme', job({ webhook: { url: 'https://eu.partners.test/x' } }))).statusCode).toBe(202);
    expect((await submit('acme', job({ webhook: { url: 'ftp://hooks.acme.test/x' } }))).statusCode).toBe(400);
  });
});

describe('limits', () => {
  it('limits a tenant’s requests per minute across replicas, with Retry-After', async () => {
    // Two replicas on one Redis: they count together.
    const config = { api: { tenants: { globex: { rateLimitPerMinute: 5 } } } };
    const first = await buildTestApp(config);
    const second = await buildTestApp(config, { redisUrl: first.redisUrl });
    try {
      // The budget is per clock minute: start well clear of its end, so all seven requests share one.
      const msLeftInMinute = 60_000 - (Date.now() % 60_000);
      if (msLeftInMinute < 10_000) await new Promise((resolve) => setTimeout(resolve, msLeftInMinute + 50));
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const replica = i % 2 === 0 ? first : second;
        statuses.push((await replica.inject({ method: 'GET', url: '/v1/jobs?limit=1', headers: auth('globex') })).statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = await second.inject({ method: 'GET', url: '/v1/jobs', headers: auth('globex') });
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(limited.json<ErrorReply>().error.code).toBe('rate_limited');
      // acme has its own budget.
      expect((await first.inject({ method: 'GET', url: '/v1/jobs?limit=1', headers: auth('acme') })).statusCode).toBe(200);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('refuses bodies that are too large (413) or not JSON (415)', async () => {
    const big = await submit('acme', job({ labels: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'x'.repeat(256)])), input: { ...CONTRACTS_LP, variable_names: Array(20_000).fill('xxxxxxxxxxxx') } }));
    expect(big.statusCode).toBe(413);
    expect(big.json<ErrorReply>().error.code).toBe('payload_too_large');
    const text = await app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth('acme'), 'content-type': 'text/plain' }, payload: 'solve please' });
    expect(text.statusCode).toBe(415);
  });
});

describe('listing', () => {
  it('lists newest first, filtered by status, kind and labels, page by page', async () => {
    const lister = await buildTestApp();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const labels = { batch: 'nightly', index: String(i), ...(i % 2 === 0 ? { even: 'yes' } : {}) };
        ids.push((await lister.inject({ method: 'POST', url: '/v1/jobs', headers: auth('acme'), payload: job({ labels }) })).json<JobView>().id);
      }
      const page = (query: string) => lister.inject({ method: 'GET', url: `/v1/jobs?${query}`, headers: auth('acme') }).then((r) => r.json<{ jobs: JobView[]; nextCursor: string | null }>());
      const first = await page('limit=2');
      expect(first.jobs.map((j) => j.id)).toEqual([ids[4], ids[3]]);
      const second = await page(`limit=2&cursor=${first.nextCursor}`);
      expect(second.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);
      const third = await page(`limit=2&cursor=${second.nextCursor}`);
      expect(third.jobs.map((j) => j.id)).toEqual([ids[0]]);
      expect((await page('label=even:yes&label=batch:nightly')).jobs.map((j) => j.id)).toEqual([ids[4], ids[2], ids[0]]);
      expect((await page('status=queued&kind=solve')).jobs).toHaveLength(5);
      expect((await page('status=succeeded')).jobs).toHaveLength(0);
      const bad = await lister.inject({ method: 'GET', url: '/v1/jobs?cursor=nonsense', headers: auth('acme') });
      expect(bad.json<ErrorReply>().error).toMatchObject({ code: 'validation_failed', details: [{ path: 'cursor' }] });
      expect((await lister.inject({ method: 'GET', url: '/v1/jobs?status=done', headers: auth('acme') })).json<ErrorReply>().error.details?.[0]?.path).toBe('querystring.status');
    } finally {
      await lister.close();
    }
  });
});

describe('cancel', () => {
  it('ends a queued job at once, tells the schedulers, and refuses to cancel it twice', async () => {
    const listener = new Redis(app.redisUrl);
    const heard: string[] = [];
    listener.on('message', (_channel: string, id: string) => heard.push(id));
    await listener.subscribe(CANCEL_CHANNEL);
    try {
      const queued = (await submit('acme')).json<JobView>();
      const cancelled = await app.inject({ method: 'DELETE', url: `/v1/jobs/${queued.id}`, headers: auth('acme') });
      expect(cancelled.statusCode).toBe(202);
      expect(cancelled.json()).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' }, cancelRequestedAt: expect.any(Number), finishedAt: expect.any(Number) });
      expect(await app.client.exists(keys.jobCancel(queued.id))).toBe(1);
      await waitFor(() => heard.includes(queued.id), { what: 'the cancel to be published' });
      const again = await app.inject({ method: 'DELETE', url: `/v1/jobs/${queued.id}`, headers: auth('acme') });
      expect(again.statusCode).toBe(409);
      expect(again.json<ErrorReply>().error.code).toBe('job_finished');
      const result = await app.inject({ method: 'GET', url: `/v1/jobs/${queued.id}/result`, headers: auth('acme') });
      expect(result.json<ErrorReply>().error).toEqual({ code: 'job_not_succeeded', message: `job ${queued.id} has no result: it cancelled: cancelled on request` });
    } finally {
      await listener.quit();
    }
  });
});

describe('draining a box', () => {
  it('lets an admin drain and undrain a box, telling its scheduler at once; refuses a tenant', async () => {
    const listener = new Redis(app.redisUrl);
    const heard: string[] = [];
    listener.on('message', (_channel: string, box: string) => heard.push(box));
    await listener.subscribe(BOX_CONTROL_CHANNEL);
    try {
      const refused = await app.inject({ method: 'POST', url: '/v1/boxes/box-a/drain', headers: auth('acme'), payload: {} });
      expect(refused.statusCode).toBe(403);
      const drained = await app.inject({ method: 'POST', url: '/v1/boxes/box-a/drain', headers: auth('admin'), payload: { reason: 'new fans' } });
      expect(drained.json()).toEqual({ boxId: 'box-a', drainedReason: 'drained by admin: new fans' });
      expect(BoxDrainMark.parse(JSON.parse((await app.client.get(keys.boxDrain('box-a')))!))).toMatchObject({ by: 'admin', reason: 'new fans' });
      await waitFor(() => heard.includes('box-a'), { what: 'the drain to be published' });
      expect((await app.inject({ method: 'POST', url: '/v1/boxes/no%20such/drain', headers: auth('admin'), payload: {} })).statusCode).toBe(400);
      const undrained = await app.inject({ method: 'DELETE', url: '/v1/boxes/box-a/drain', headers: auth('admin') });
      expect(undrained.json()).toEqual({ boxId: 'box-a', drainedReason: null });
      expect(await app.client.exists(keys.boxDrain('box-a'))).toBe(0);
    } finally {
      await listener.quit();
    }
  });
});

describe('batches', () => {
  it('stores every job of a batch, and counts their states together', async () => {
    const created = await app.inject({ method: 'POST', url: '/v1/batches', headers: auth('acme'), payload: { jobs: [job(), job({ priority: 80 }), job()] } });
    expect(created.statusCode).toBe(202);
    const batch = created.json<{ id: string; jobs: JobView[] }>();
    expect(created.headers.location).toBe(`/v1/batches/${batch.id}`);
    expect(batch.jobs.map((j) => j.batchId)).toEqual([batch.id, batch.id, batch.id]);
    const view = (await app.inject({ method: 'GET', url: `/v1/batches/${batch.id}`, headers: auth('acme') })).json();
    expect(view).toMatchObject({ id: batch.id, total: 3, counts: { queued: 3, running: 0, succeeded: 0 }, isDone: false });
  });

  it('stores none when one job is refused, and names it', async () => {
    const indexed = async () => {
      await app.jobs.index.flush();
      return app.client.zcard(keys.tenantJobs('acme'));
    };
    const before = await indexed();
    const refused = await app.inject({ method: 'POST', url: '/v1/batches', headers: auth('acme'), payload: { jobs: [job(), job({ timeoutSeconds: 999_999 }), job({ input: {} })] } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<ErrorReply>().error.details?.map((d) => d.path)).toEqual(
      expect.arrayContaining(['jobs[2].input']),
    );
    const admission = await app.inject({ method: 'POST', url: '/v1/batches', headers: auth('acme'), payload: { jobs: [job(), job({ timeoutSeconds: 999_999 })] } });
    expect(admission.statusCode).toBe(422);
    expect(admission.json<ErrorReply>().error).toMatchObject({ code: 'timeout_above_max', details: [{ path: 'jobs[1].timeoutSeconds' }] });
    expect(await indexed()).toBe(before);
    const tooMany = await app.inject({ method: 'POST', url: '/v1/batches', headers: auth('acme'), payload: { jobs: [job(), job(), job(), job()] } });
    expect(tooMany.json<ErrorReply>().error.code).toBe('batch_too_large');
  });
});

describe('observability', () => {
  it('counts requests by route and status, submits by kind and errors by code', async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/gpuq_api_request_duration_seconds_count\{method="POST",route="\/v1\/jobs",status="202"\} \d+/);
    expect(text).toMatch(/gpuq_api_submits_total\{kind="solve"\} \d+/);
    expect(text).toMatch(/gpuq_api_errors_total\{code="unauthorized"\} \d+/);
  });
});
