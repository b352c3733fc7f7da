import { afterEach, describe, expect, it, vi } from 'vitest';
import { GpuqClient } from '../src/client.js';
import { GpuqApiError, GpuqConnectionError, GpuqResponseError } from '../src/errors.js';
import { eventStream, fakeFetch, json, refused, type Step } from './fake-fetch.js';
import { jobView } from './job-view.js';

const FAST = { backoff: { initialMs: 1, factor: 1, maxMs: 1 } };
const LP = { csr_constraint_matrix: { offsets: [0, 1], indices: [0], values: [1] } };

function clientWith(steps: Step[], url = 'http://api.test') {
  const fake = fakeFetch(steps);
  return { client: new GpuqClient({ url, apiKey: 'secret', fetch: fake.fetch, retry: FAST }), calls: fake.calls };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('GpuqClient requests', () => {
  it('retries a refused connection with the same Idempotency-Key, so the retried submit cannot make a second job', async () => {
    const { client, calls } = clientWith([refused(), refused(), json(202, jobView())]);
    const view = await client.submit({ kind: 'solve', input: LP as never });
    expect(view.id).toBe(jobView().id);
    expect(calls).toHaveLength(3);
    const keys = calls.map((c) => c.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    expect(calls[0]).toMatchObject({ method: 'POST', url: 'http://api.test/v1/jobs', headers: { authorization: 'Bearer secret', 'content-type': 'application/json' } });
    expect(JSON.parse(calls[0]!.body!)).toEqual({ kind: 'solve', input: LP });
  });

  it('sends the idempotency key it is given', async () => {
    const { client, calls } = clientWith([json(200, jobView())]);
    await client.submit({ kind: 'solve', input: LP as never }, { idempotencyKey: 'order-42' });
    expect(calls[0]!.headers['idempotency-key']).toBe('order-42');
  });

  it('gives up after its retries with a GpuqConnectionError that says why', async () => {
    const { client, calls } = clientWith([refused()]);
    const error = await client.get('solve_x').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GpuqConnectionError);
    expect((error as Error).message).toBe('cannot reach the gpuq API at http://api.test: connection refused (tried 4 times)');
    expect(calls).toHaveLength(4);
  });

  it('waits as long as Retry-After says on a 429 before trying again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const limited = json(429, { error: { code: 'rate_limited', message: 'Too many requests' } }, { 'retry-after': '2' });
    const { client, calls } = clientWith([limited, json(200, jobView())]);
    const pending = client.get('solve_x');
    await vi.advanceTimersByTimeAsync(1_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(pending).resolves.toMatchObject({ id: jobView().id });
    expect(calls).toHaveLength(2);
  });

  it('retries 502, 503 and 504, and reports a proxy’s page that is not JSON by its status', async () => {
    const proxy = new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    const unavailable = json(503, { error: { code: 'redis_unavailable', message: 'The job store is unreachable; try again shortly.' } });
    const passes = clientWith([proxy, unavailable, new Response('', { status: 504 }), json(200, jobView())]);
    await expect(passes.client.get('solve_x')).resolves.toMatchObject({ status: 'queued' });
    expect(passes.calls).toHaveLength(4);

    const fails = clientWith([proxy]);
    const error = (await fails.client.get('solve_x').catch((err: unknown) => err)) as GpuqApiError;
    expect(error).toBeInstanceOf(GpuqApiError);
    expect({ status: error.status, code: error.code, message: error.message }).toEqual({ status: 502, code: 'http_502', message: 'the API answered 502 Bad Gateway: <html>Bad Gateway</html>' });
  });

  it('does not retry a 400, and gives its code, first field, details and message', async () => {
    const body = { error: { code: 'validation_failed', message: 'The request is not valid', details: [{ path: 'priority', message: 'Too big' }, { path: 'input.mps', message: 'line 3: bad' }] } };
    const { client, calls } = clientWith([json(400, body)]);
    const error = (await client.submit({ kind: 'solve', input: LP as never }).catch((err: unknown) => err)) as GpuqApiError;
    expect(error).toBeInstanceOf(GpuqApiError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', field: 'priority', message: 'The request is not valid' });
    expect(error.details).toHaveLength(2);
    expect(calls).toHaveLength(1);
  });

  it('says plainly when an answer does not match the shared schema', async () => {
    const { client } = clientWith([json(200, { ...jobView(), status: 'exploded' })]);
    const error = await client.get('solve_x').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GpuqResponseError);
    expect((error as Error).message).toMatch(/^unexpected answer from .*: status: Invalid option.*version as the API\?\)$/);
  });

  it('keeps a path in the base URL and escapes ids', async () => {
    const { client, calls } = clientWith([json(200, jobView())], 'http://proxy.test/gpuq');
    await client.get('a/b');
    expect(calls[0]!.url).toBe('http://proxy.test/gpuq/v1/jobs/a%2Fb');
  });

  it('treats cancelling an already cancelled job as done, and one that succeeded as the 409 it is', async () => {
    const finished = json(409, { error: { code: 'job_finished', message: 'The job has already finished.' } });
    const cancelled = clientWith([finished, json(200, jobView({ status: 'cancelled', pendingReason: null, queuePosition: null, error: { code: 'cancelled', message: 'cancelled on request' } }))]);
    await expect(cancelled.client.cancel('solve_x')).resolves.toMatchObject({ status: 'cancelled' });
    expect(cancelled.calls.map((c) => c.method)).toEqual(['DELETE', 'GET']);

    const succeeded = clientWith([finished, json(200, jobView({ status: 'succeeded', pendingReason: null, queuePosition: null }))]);
    await expect(succeeded.client.cancel('solve_x')).rejects.toMatchObject({ code: 'job_finished', status: 409 });
  });

  it('lists every page by following nextCursor, with the filter on each request', async () => {
    const a = jobView({ id: 'solve_a' });
    const b = jobView({ id: 'solve_b' });
    const { client, calls } = clientWith([json(200, { jobs: [a], nextCursor: 'c1' }), json(200, { jobs: [b], nextCursor: null })]);
    const ids: string[] = [];
    for await (const job of client.listAll({ status: 'queued', labels: ['team:ml', 'env:prod'], limit: 1 })) ids.push(job.id);
    expect(ids).toEqual(['solve_a', 'solve_b']);
    expect(calls.map((c) => c.url)).toEqual([
      'http://api.test/v1/jobs?status=queued&limit=1&label=team%3Aml&label=env%3Aprod',
      'http://api.test/v1/jobs?status=queued&limit=1&cursor=c1&label=team%3Aml&label=env%3Aprod',
    ]);
  });
});

describe('GpuqClient.events', () => {
  const queued = jobView();
  const running = jobView({ status: 'running', pendingReason: null, queuePosition: null, startedAt: 1_700_000_001_000 });
  const done = jobView({ status: 'succeeded', pendingReason: null, queuePosition: null, startedAt: 1_700_000_001_000, finishedAt: 1_700_000_002_000 });
  const event = (type: string, data: unknown, id?: string) => `${id ? `id: ${id}\n` : ''}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

  it('reopens a stream that broke, sending Last-Event-ID, and does not repeat the view it had already seen', async () => {
    // Made at each call: a cloned Response would lose the chunks queued before its error.
    const first = () => eventStream([event('job', queued, '1'), ': keep-alive\n\n', event('job', running, '2')], true);
    const second = () => eventStream([event('job', running, '3'), event('job', done, '4'), event('end', { id: done.id, status: 'succeeded' })]);
    const { client, calls } = clientWith([first, second]);
    const seen: string[] = [];
    for await (const e of client.events(done.id)) seen.push(e.type === 'job' ? e.job.status : `end:${e.status}`);
    expect(seen).toEqual(['queued', 'running', 'succeeded', 'end:succeeded']);
    expect(calls.map((c) => c.headers['last-event-id'])).toEqual([undefined, '2']);
    expect(calls[0]!.headers.accept).toBe('text/event-stream');
  });

  it('skips event types it does not know', async () => {
    const { client } = clientWith([() => eventStream([event('hint', { x: 1 }), event('job', done), event('end', { id: done.id, status: 'succeeded' })])]);
    const types: string[] = [];
    for await (const e of client.events(done.id)) types.push(e.type);
    expect(types).toEqual(['job', 'end']);
  });

  it('gives up when the stream keeps breaking without bringing an event', async () => {
    const { client, calls } = clientWith([() => eventStream([], true)]);
    const error = await (async () => {
      for await (const _ of client.events(done.id, { maxReconnects: 2 })) void _;
    })().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GpuqConnectionError);
    expect(calls).toHaveLength(3);
  });

  it('refuses an answer that is not an event stream', async () => {
    const { client } = clientWith([json(200, jobView())]);
    await expect(client.events(done.id).next()).rejects.toBeInstanceOf(GpuqResponseError);
  });
});
