// The API as users meet it, with real processes: two replicas behave as one service, events
// stream a job to its end, and webhooks arrive signed, retried until they are taken.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhook, type JobView } from '@gpuq/shared';
import { CONTRACTS_LP, marketSplitMilp } from './fixtures/problems.js';
import { waitFor } from '@gpuq/testkit';
import { readEvents, readRawEvents } from './helpers/sse.js';
import { Stack } from './helpers/stack.js';

const KEY = 'tenant-key-acme-0123456789';
const SECRET = 'acme-signing-secret-0123456789';
const authz = { authorization: `Bearer ${KEY}` };

let stack: Stack | undefined;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await stack?.stop();
  stack = undefined;
});

describe('two API replicas against one Redis', () => {
  it('behave as one service: a job submitted through one is read, streamed and cancelled through the other', async () => {
    stack = await Stack.start({ apiEnv: { GPUQ_API_KEYS: `acme:${KEY}` } });
    const { process: replica, url: other } = await stack.startApi();
    cleanups.push(() => replica.stop());

    const submitted = await stack.request<JobView>('POST', '/v1/jobs', { kind: 'solve', input: marketSplitMilp(30) }, authz);
    expect(submitted.status).toBe(202);
    const id = submitted.body.id;
    const running = await waitFor(async () => {
      const view = await stack!.request<JobView>('GET', `/v1/jobs/${id}`, undefined, authz, other);
      return view.body.status === 'running' ? view.body : undefined;
    }, { what: 'the job to run, seen through the second replica' });
    expect(running.placement).toEqual({ gpu: 'gpu0', vramMb: 2048, box: stack.boxId });

    const stream = readEvents(`${other}/v1/jobs/${id}/events`, authz);
    const cancelled = await stack.request<JobView>('DELETE', `/v1/jobs/${id}`, undefined, authz, other);
    expect(cancelled.status).toBe(202);
    const events = await stream;
    expect(events.at(-1)).toEqual({ event: 'end', data: { id, status: 'cancelled' } });
    expect((events.at(-2)!.data as JobView)).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    expect((await stack.request<JobView>('GET', `/v1/jobs/${id}`, undefined, authz)).body.status).toBe('cancelled');
  });
});

describe('events', () => {
  it('stream a job from queued through running to succeeded, then end, on the change notices alone', async () => {
    // No re-read within the test's time: a notice the stream dropped would leave it hanging.
    stack = await Stack.start({ apiEnv: { API_EVENTS_REREAD_S: '3600' } });
    const job = await stack.submit({ kind: 'solve', input: marketSplitMilp(1) });
    const events = await readEvents(`${stack.apiUrl}/v1/jobs/${job.id}/events`);
    const statuses = events.filter((e) => e.event === 'job').map((e) => (e.data as JobView).status);
    expect(statuses.at(-1)).toBe('succeeded');
    expect(statuses).toContain('running');
    // Each event says something new.
    expect(new Set(events.map((e) => JSON.stringify({ ...(e.data as object), cost: null }))).size).toBe(events.length);
    expect(events.at(-1)!.event).toBe('end');
    // Short jobs end while the stream is still reading the last change: their end must not be lost.
    await stack.stop();
    // As `npm start` runs them: on a CPU solve server, where the end comes in quick notices.
    stack = await Stack.start({ solve: { servers: [{ name: 'solver-cpu', url: 'SOLVER_URL', slots: 1, problems: ['lp', 'milp'] }] }, apiEnv: { API_EVENTS_REREAD_S: '3600' } });
    for (let i = 0; i < 3; i++) {
      const lp = await stack.submit({ kind: 'solve', input: CONTRACTS_LP });
      const lpEvents = await readEvents(`${stack.apiUrl}/v1/jobs/${lp.id}/events`, {}, 10_000);
      expect(lpEvents.at(-1)).toMatchObject({ event: 'end', data: { id: lp.id, status: 'succeeded' } });
    }
  });

  it('name each view with an id, and skip the view a reconnecting client already has', async () => {
    stack = await Stack.start();
    const job = await stack.submit({ kind: 'solve', input: CONTRACTS_LP });
    const url = `${stack.apiUrl}/v1/jobs/${job.id}/events`;
    const first = await readRawEvents(url);
    const views = first.filter((e) => e.event === 'job');
    expect(views.length).toBeGreaterThan(0);
    expect(views.every((e) => /^[\w-]{22}$/.test(e.lastEventId))).toBe(true);
    expect(new Set(views.map((e) => e.lastEventId)).size).toBe(views.length);

    // The job has ended: a client that saw its last view gets only the end; one that saw an
    // earlier view, or another job's, gets the last view again.
    const lastId = views.at(-1)!.lastEventId;
    expect((await readRawEvents(url, { 'last-event-id': lastId })).map((e) => e.event)).toEqual(['end']);
    expect((await readRawEvents(url, { 'last-event-id': 'not-a-view-of-this-job' })).map((e) => e.event)).toEqual(['job', 'end']);
    const tooLong = await fetch(url, { headers: { 'last-event-id': 'x'.repeat(65) } });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ error: { code: 'validation_failed', details: [expect.objectContaining({ path: 'headers.last-event-id' })] } });
  });
});

describe('webhooks', () => {
  it('deliver the finished job, signed with the tenant’s secret, retrying until the receiver takes it', async () => {
    const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
    const answers = [503, 200];
    const receiver: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.writeHead(answers.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    cleanups.push(() => new Promise((resolve) => receiver.close(resolve)));

    stack = await Stack.start({
      apiEnv: { GPUQ_API_KEYS: `acme:${KEY}`, GPUQ_WEBHOOK_SECRETS: `acme:${SECRET}` },
      api: { webhooks: { allowedHosts: [`127.0.0.1:${port}`], backoffMs: 200 } },
    });
    const job = (await stack.request<JobView>('POST', '/v1/jobs', { kind: 'solve', input: CONTRACTS_LP, webhook: { url: `http://127.0.0.1:${port}/gpuq` } }, authz)).body;
    const delivered = await waitFor(async () => {
      const view = (await stack!.request<JobView>('GET', `/v1/jobs/${job.id}`, undefined, authz)).body;
      return view.webhook?.deliveries.some((d) => d.status === 200) ? view : undefined;
    }, { what: 'the webhook to be delivered', timeoutMs: 20_000 });

    expect(delivered.webhook!.deliveries.map((d) => [d.attempt, d.status])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    expect(received).toHaveLength(2);
    const last = received.at(-1)!;
    expect(verifyWebhook(SECRET, last.body, String(last.headers['gpuq-signature']))).toBe(true);
    expect(verifyWebhook('another-secret-0123456789', last.body, String(last.headers['gpuq-signature']))).toBe(false);
    expect(last.headers['gpuq-event']).toBe('job.finished');
    expect(JSON.parse(last.body)).toMatchObject({ type: 'job.finished', job: { id: job.id, status: 'succeeded', tenant: 'acme' } });
  });
});
