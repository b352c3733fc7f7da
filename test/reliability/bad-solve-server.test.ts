// Fault injection: a solve server (the cuOpt protocol) that hangs, answers garbage or dies in the
// middle of a request. A FaultyProxy stands between the scheduler and solver-cpu and breaks the
// routes a test names. Each job must end with a reason that names what went wrong, the server's
// slot must be free again, and the box must read as empty once it is over.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@gpuq/testkit';
import { CONTRACTS_LP } from '../fixtures/problems.js';
import { Stack } from '../helpers/stack.js';
import { FaultyProxy, type Fault } from './fakes/faulty-proxy.js';
import { SETTLED, settle } from './settled-state.js';

let stack: Stack;
let proxy: FaultyProxy;

const SUBMIT = /^\/cuopt\/request(\?|$)/;
const SOLUTION = /^\/cuopt\/solution\/[^/]+$/;

beforeAll(async () => {
  proxy = await FaultyProxy.start();
  stack = await Stack.start({
    // requestTimeoutMs: how long one HTTP call to the server may take, apart from the job's timeout.
    solve: { servers: [{ name: 'flaky', url: proxy.url, slots: 1, healthIntervalMs: 200, requestTimeoutMs: 3_000 }], maxAttempts: 2, backoffMs: 200 },
  });
  proxy.target = stack.solverUrl;
});

afterEach(async () => {
  proxy.heal();
  // Whatever the fault did, the box is at rest afterwards and the server takes the next job.
  expect(await settle(stack, stack.scheduler), stack.logs()).toEqual(SETTLED);
  const next = await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id);
  expect(next.status, stack.logs()).toBe('succeeded');
});

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
});

const submitLp = async (extra: Record<string, unknown> = {}) => (await stack.submit({ kind: 'solve', input: CONTRACTS_LP, ...extra })).id;

/** The scheduler's log lines about one job, by message. */
const logged = (jobId: string, msg: string) => stack.scheduler.lines.filter((l) => l.jobId === jobId && l.msg === msg);

describe('a solve server that hangs', () => {
  it('never answering the submit: the job fails at its timeout as timed out', async () => {
    proxy.inject({ method: 'POST', path: SUBMIT, fault: 'hang' });
    const done = await stack.waitForJob(await submitLp({ timeoutSeconds: 2 }), undefined, 30_000);
    expect(done, stack.logs()).toMatchObject({ status: 'failed', error: { code: 'timed_out', message: 'timed out after 2 s' }, attempts: { made: 1 } });
  });

  it('accepting the request but never finishing it: timed out, and the server is told to stop it', async () => {
    proxy.inject({ method: 'GET', path: SOLUTION, fault: 'never-done' });
    const id = await submitLp({ timeoutSeconds: 2 });
    const done = await stack.waitForJob(id, undefined, 30_000);
    expect(done, stack.logs()).toMatchObject({ status: 'failed', error: { code: 'timed_out', message: 'timed out after 2 s' }, attempts: { made: 1 } });
    const [submitted] = proxy.find('POST', SUBMIT).slice(-1);
    const reqId = (JSON.parse(submitted!.responseBody!) as { reqId: string }).reqId;
    await waitFor(() => proxy.find('DELETE', new RegExp(`^/cuopt/request/${reqId}$`)).length === 1, { what: 'the scheduler to abort the request on the server' });
  });

  // requestTimeoutMs bounds every request, the submit too: a server that takes the body and never
  // answers is retried and then named, long before the job's own timeout.
  it('never answering the submit within requestTimeoutMs, long before the job’s timeout: retried, then failed saying the server did not answer', async () => {
    proxy.inject({ method: 'POST', path: SUBMIT, fault: 'hang' });
    const done = await stack.waitForJob(await submitLp({ timeoutSeconds: 60 }), undefined, 45_000);
    expect(done, stack.logs()).toMatchObject({ status: 'failed', attempts: { made: 2 } });
    expect(done.error).toEqual({ code: 'worker_unavailable', message: expect.stringContaining(proxy.url) });
  });
});

describe('a solve server that answers garbage', () => {
  const cases: Array<{ route: 'submit' | 'solution'; fault: Fault; code: string; message: RegExp }> = [
    { route: 'submit', fault: 'not-json', code: 'worker_error', message: /answered the submit without a reqId/ },
    { route: 'submit', fault: 'wrong-shape', code: 'worker_error', message: /answered the submit without a reqId/ },
    { route: 'submit', fault: 'http-500', code: 'worker_error', message: /^the solver failed during submit \(HTTP 500\)/ },
    { route: 'solution', fault: 'not-json', code: 'worker_error', message: /sent a solution this executor cannot read/ },
    { route: 'solution', fault: 'wrong-shape', code: 'worker_error', message: /sent a solution this executor cannot read/ },
    { route: 'solution', fault: 'http-500', code: 'worker_error', message: /^the solver failed during solve \(HTTP 500\)/ },
  ];

  it.each(cases)('$fault on the $route: retried, then failed naming the bad answer', async ({ route, fault, code, message }) => {
    proxy.inject({ method: route === 'submit' ? 'POST' : 'GET', path: route === 'submit' ? SUBMIT : SOLUTION, fault });
    const done = await stack.waitForJob(await submitLp(), undefined, 30_000);
    expect(done, stack.logs()).toMatchObject({ status: 'failed', error: { code }, attempts: { made: 2 } });
    expect(done.error!.message).toMatch(message);
  });

  // The body is part of the request, under the same deadline.
  it('a solution whose body stalls half-way: retried, then failed saying so', async () => {
    proxy.inject({ method: 'GET', path: SOLUTION, fault: 'stall-body' });
    const done = await stack.waitForJob(await submitLp({ timeoutSeconds: 60 }), undefined, 45_000);
    expect(done, stack.logs()).toMatchObject({ status: 'failed', attempts: { made: 2 } });
    expect(done.error).toEqual({ code: 'worker_unavailable', message: expect.stringContaining(proxy.url) });
  });

  // cuOpt's finished response always carries solver_response (or solver_infeasible_response).
  it('a finished solution with no solver_response in it: failed naming the bad answer, not succeeded', async () => {
    proxy.inject({ method: 'GET', path: SOLUTION, fault: 'hollow-solution' });
    const done = await stack.waitForJob(await submitLp(), undefined, 30_000);
    expect(done, stack.logs()).toMatchObject({ status: 'failed', attempts: { made: 2 }, error: { code: 'worker_error' } });
  });
});

describe('a solve server that dies mid-request and comes back', () => {
  it('dropping the submit: the attempt is retried with the reason, and the job succeeds', async () => {
    proxy.inject({ method: 'POST', path: SUBMIT, fault: 'reset', times: 1 });
    const id = await submitLp();
    const done = await stack.waitForJob(id, undefined, 30_000);
    expect(done, stack.logs()).toMatchObject({ status: 'succeeded', attempts: { made: 2 } });
    const [failed] = logged(id, 'attempt failed; will retry');
    expect(failed).toMatchObject({ code: 'worker_unavailable', reason: expect.stringMatching(new RegExp(`^cannot reach the solver at ${proxy.url}: `)) });
  });

  it('dropping a poll of the solution: the attempt is retried with the reason, and the job succeeds', async () => {
    proxy.inject({ method: 'GET', path: SOLUTION, fault: 'reset', times: 1 });
    const id = await submitLp();
    const done = await stack.waitForJob(id, undefined, 30_000);
    expect(done, stack.logs()).toMatchObject({ status: 'succeeded', attempts: { made: 2 } });
    const [failed] = logged(id, 'attempt failed; will retry');
    expect(failed).toMatchObject({ code: 'worker_unavailable', reason: expect.stringMatching(new RegExp(`^cannot reach the solver at ${proxy.url}: `)) });
  });
});
