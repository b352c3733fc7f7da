// Fault injection: the model server of inference jobs' GPU stage hangs, answers garbage or dies in
// the middle of a request. A FaultyProxy stands between the scheduler and model-cpu. Each job must
// end with a reason that names its stage and what went wrong, the GPU reservation must be freed,
// and the box must read as empty once it is over.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from '../helpers/stack.js';
import { FaultyProxy, type Fault } from './fakes/faulty-proxy.js';
import { SETTLED, settle } from './settled-state.js';

let stack: Stack;
let proxy: FaultyProxy;

const CLASSIFY = /^\/v1\/classify$/;
const TEXTS = { texts: ['A wonderful film.', 'Not good at all.'] };

beforeAll(async () => {
  proxy = await FaultyProxy.start();
  stack = await Stack.start({ modelServer: true, inference: { models: { default: { url: proxy.url } }, stageTimeouts: { inferenceS: 2 }, maxAttempts: 2, backoffMs: 200 } });
  proxy.target = stack.modelUrl;
});

afterEach(async () => {
  proxy.heal();
  expect(await settle(stack, stack.scheduler, ['inference']), stack.logs()).toEqual(SETTLED);
  const next = await stack.waitForJob((await stack.submit({ kind: 'inference', input: TEXTS })).id);
  expect(next.status, stack.logs()).toBe('succeeded');
});

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
});

const classify = async () => (await stack.submit({ kind: 'inference', input: TEXTS })).id;

describe('a model server that hangs', () => {
  it('never answering: each attempt times out at the stage’s limit, and the job fails naming the stage', async () => {
    proxy.inject({ method: 'POST', path: CLASSIFY, fault: 'hang' });
    const done = await stack.waitForJob(await classify(), undefined, 45_000);
    expect(done, stack.logs()).toMatchObject({ status: 'failed', attempts: { made: 2 } });
    expect(done.error).toEqual({ code: 'timed_out', message: `inference: the model server of default did not answer within 2 s` });
  });

  // The answer is in only once its body is: a body that stalls is a server that did not answer.
  it('sending headers and then stalling: timed out at the stage’s limit, saying so', async () => {
    proxy.inject({ method: 'POST', path: CLASSIFY, fault: 'stall-body' });
    const done = await stack.waitForJob(await classify(), undefined, 45_000);
    expect(done, stack.logs()).toMatchObject({ status: 'failed', attempts: { made: 2 } });
    expect(done.error).toEqual({ code: 'timed_out', message: `inference: the model server of default did not answer within 2 s` });
  });
});

describe('a model server that answers garbage', () => {
  const cases: Array<{ fault: Fault; code: string; message: string }> = [
    { fault: 'not-json', code: 'worker_error', message: 'inference: the model server of default sent a reply this scheduler cannot read' },
    { fault: 'wrong-shape', code: 'worker_error', message: 'inference: the model server of default sent a reply this scheduler cannot read' },
    { fault: 'http-500', code: 'worker_error', message: 'inference: the model server failed (HTTP 500): HTTP 500' },
  ];

  it.each(cases)('$fault: retried, then failed naming the stage and the bad answer', async ({ fault, code, message }) => {
    proxy.inject({ method: 'POST', path: CLASSIFY, fault });
    const done = await stack.waitForJob(await classify(), undefined, 30_000);
    expect(done, stack.logs()).toMatchObject({ status: 'failed', attempts: { made: 2 } });
    expect(done.error).toEqual({ code, message: message.replace('PROXY', proxy.url) });
  });
});

describe('a model server that dies mid-request', () => {
  it('and comes back: the attempt is retried with the stage and the reason, and the job succeeds', async () => {
    proxy.inject({ method: 'POST', path: CLASSIFY, fault: 'reset', times: 1 });
    const id = await classify();
    const done = await stack.waitForJob(id, undefined, 30_000);
    expect(done, stack.logs()).toMatchObject({ status: 'succeeded', attempts: { made: 2 } });
    const [failed] = stack.scheduler.lines.filter((l) => l.jobId === id && l.msg === 'attempt failed; will retry');
    expect(failed).toMatchObject({ code: 'worker_unavailable', reason: expect.stringMatching(new RegExp(`^inference: the model server of default does not answer \\([A-Z_]+\\)$`)) });
  });

  it('and stays down: the job fails naming the stage', async () => {
    proxy.inject({ method: 'POST', path: CLASSIFY, fault: 'reset' });
    const done = await stack.waitForJob(await classify(), undefined, 30_000);
    expect(done, stack.logs()).toMatchObject({ status: 'failed', attempts: { made: 2 } });
    expect(done.error).toEqual({ code: 'worker_unavailable', message: expect.stringMatching(new RegExp(`^inference: the model server of default does not answer \\([A-Z_]+\\)$`)) });
  });
});
