// gpuq's cuOpt-compatible API in-process (no scheduler runs here, so jobs stay queued): a cuOpt
// request becomes the caller's solve jobs, with cuOpt's answers, encodings and error bodies, and
// HTTP Basic keys as cuOpt's client sends them. The whole flow with a scheduler, and the bytes of
// NVIDIA's own client, are in test/cuopt-api.test.ts.
import { decodeRequestBody, encodeReply } from '@gpuq/cuopt-wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobPage } from '@gpuq/shared';
import { CONTRACTS_LP } from '../../../test/fixtures/problems.js';
import { auth, buildTestApp, KEYS, type TestApp } from './test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(async () => {
  await app?.close();
});

const basic = (who: keyof typeof KEYS) => ({ authorization: `Basic ${Buffer.from(`${who}:${KEYS[who]}`).toString('base64')}` });
const json = { 'content-type': 'application/json', accept: 'application/json' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function submit(body: unknown, headers: Record<string, string> = { ...json, ...basic('acme') }, query = '') {
  return app.inject({ method: 'POST', url: `/cuopt/request${query}`, headers, payload: JSON.stringify(body) });
}

describe('gpuq as a cuOpt server', () => {
  it('answers the health check as a cuOpt server does, without a key', async () => {
    const health = await app.inject({ method: 'GET', url: '/cuopt/health', headers: { accept: 'application/json' } });
    expect(health.statusCode).toBe(200);
    expect(health.headers['content-type']).toBe('application/json');
    expect(health.json()).toEqual({ status: 'RUNNING', version: '25.08' });
  });

  it('takes an LP with a Basic key as the caller’s solve job, answers a UUID reqId, and polls, queries and cancels it', async () => {
    const submitted = await submit(CONTRACTS_LP);
    expect(submitted.statusCode).toBe(200);
    expect(submitted.headers['content-type']).toBe('application/json');
    const { reqId } = submitted.json<{ reqId: string }>();
    expect(reqId).toMatch(UUID);
    // It is acme's solve job, listed with its others.
    const listed = (await app.inject({ method: 'GET', url: '/v1/jobs?kind=solve', headers: auth('acme') })).json<JobPage>();
    expect(listed.jobs[0]).toMatchObject({ kind: 'solve', tenant: 'acme', status: 'queued' });

    const poll = await app.inject({ method: 'GET', url: `/cuopt/solution/${reqId}`, headers: { accept: 'application/json', ...basic('acme') } });
    expect(poll.json()).toEqual({ reqId });
    expect((await app.inject({ method: 'GET', url: `/cuopt/request/${reqId}`, headers: { accept: 'application/json', ...basic('acme') } })).json()).toBe('queued');
    // Another tenant does not see it.
    const other = await app.inject({ method: 'GET', url: `/cuopt/solution/${reqId}`, headers: { accept: 'application/json', ...basic('globex') } });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual({ error: `job ${reqId} does not exist`, error_result: false });

    const aborted = await app.inject({ method: 'DELETE', url: `/cuopt/request/${reqId}`, headers: { accept: 'application/json', ...basic('acme') } });
    expect(aborted.json()).toEqual({ cached: 0, queued: 1, running: 0 });
    expect((await app.inject({ method: 'GET', url: `/cuopt/request/${reqId}`, headers: { accept: 'application/json', ...basic('acme') } })).json()).toBe('aborted');
    const after = await app.inject({ method: 'GET', url: `/cuopt/solution/${reqId}`, headers: { accept: 'application/json', ...basic('acme') } });
    expect(after.statusCode).toBe(500);
    expect(after.json()).toEqual({ error: `${reqId} was aborted`, error_result: true });
  });

  it('takes a msgpack body and answers in msgpack when the client asks, as cuOpt’s client does by default', async () => {
    const body = encodeReply(CONTRACTS_LP, 'msgpack').body;
    const submitted = await app.inject({ method: 'POST', url: '/cuopt/request', headers: { 'content-type': 'application/vnd.msgpack', accept: 'application/vnd.msgpack', ...basic('acme') }, payload: body });
    expect(submitted.statusCode).toBe(200);
    expect(submitted.headers['content-type']).toBe('application/vnd.msgpack');
    expect(decodeRequestBody(submitted.rawPayload, 'msgpack', { allowPickle: false })).toEqual({ reqId: expect.stringMatching(UUID) });
  });

  it('validates without solving (validation_only), and solves a cached problem later by its reqId', async () => {
    const validated = (await submit(CONTRACTS_LP, undefined, '?validation_only=true')).json<{ reqId: string }>();
    const answer = await app.inject({ method: 'GET', url: `/cuopt/solution/${validated.reqId}`, headers: { accept: 'application/json', ...basic('acme') } });
    expect(answer.json()).toEqual({ response: { solver_response: { status: 0, solution: {} }, total_solve_time: 0 }, reqId: validated.reqId, notes: ['Input is valid'] });

    const cached = (await submit(CONTRACTS_LP, undefined, '?cache=true')).json<{ reqId: string }>();
    expect((await app.inject({ method: 'GET', url: `/cuopt/request/${cached.reqId}`, headers: { accept: 'application/json', ...basic('acme') } })).json()).toBe('queued');
    const solving = await app.inject({ method: 'POST', url: `/cuopt/request?reqId=${cached.reqId}`, headers: { ...json, ...basic('acme') }, payload: '{}' });
    const solvingId = solving.json<{ reqId: string }>().reqId;
    expect(solvingId).toMatch(UUID);
    expect(solvingId).not.toBe(cached.reqId);
    expect((await app.inject({ method: 'GET', url: `/cuopt/solution/${solvingId}`, headers: { accept: 'application/json', ...basic('acme') } })).json()).toEqual({ reqId: solvingId });
  });

  it('refuses what cuOpt refuses, in its words: a bad LP naming the field, an empty body, an unknown type, no key', async () => {
    const bad = await submit({ ...CONTRACTS_LP, csr_constraint_matrix: { offsets: [0, 2, 4], indices: [0, 1, 0, 9], values: [1, 2, 3, 4] } });
    // A semantic check (an index past the columns) is a 400, as cuOpt's own checks answer it.
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: string }>().error).toMatch(/^csr_constraint_matrix\.indices/);
    const typed = await submit({ ...CONTRACTS_LP, maximize: 'sometimes' });
    expect(typed.statusCode).toBe(422);
    expect(typed.json<{ error: string }>().error).toMatch(/^unable to validate optimization data stream, maximize/);
    const empty = await app.inject({ method: 'POST', url: '/cuopt/request', headers: { ...json, ...basic('acme') }, payload: '' });
    expect(empty.statusCode).toBe(422);
    const text = await app.inject({ method: 'POST', url: '/cuopt/request', headers: { 'content-type': 'text/plain', accept: 'application/json', ...basic('acme') }, payload: 'x' });
    expect(text.statusCode).toBe(415);
    const html = await app.inject({ method: 'POST', url: '/cuopt/request', headers: { 'content-type': 'application/json', accept: 'text/html', ...basic('acme') }, payload: JSON.stringify(CONTRACTS_LP) });
    expect(html.statusCode).toBe(415);
    expect(html.json<{ error: string }>().error).toMatch(/^Unsupported Accept value text\/html/);
    const anonymous = await submit(CONTRACTS_LP, json);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json<{ error: string }>().error).toMatch(/API key/);
    const files = await submit(CONTRACTS_LP, { ...json, ...basic('acme'), 'cuopt-data-file': '/etc/passwd' });
    expect(files.statusCode).toBe(400);
  });

  it('takes a batch (a list of LPs) as one gpuq batch, one job per problem', async () => {
    const { reqId } = (await submit([CONTRACTS_LP, CONTRACTS_LP])).json<{ reqId: string }>();
    const cancelled = await app.inject({ method: 'DELETE', url: `/cuopt/request/${reqId}?queued=true`, headers: { accept: 'application/json', ...basic('acme') } });
    expect(cancelled.json()).toEqual({ cached: 0, queued: 2, running: 0 });
  });
});
