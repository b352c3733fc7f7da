// inference jobs end to end: the API, the scheduler's CPU stages in worker threads, the GPU stage
// on model-cpu (the CPU model server that speaks the GPU server's protocol) on a simulated GPU, and
// each stage timed and costed in the job view.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bullmqKey, type InferenceResult, type JobView } from '@gpuq/shared';
import { createRedis } from '@gpuq/runtime';
import { waitFor } from '@gpuq/testkit';
import { marketSplitMilp } from './fixtures/problems.js';
import { Stack } from './helpers/stack.js';

let stack: Stack | undefined;
let hanging: Server | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  hanging?.closeAllConnections();
  await new Promise((resolve) => (hanging ? hanging.close(resolve) : resolve(undefined)));
  hanging = undefined;
});

const RATES = { gpuSecondUsd: 0.0015, cpuSecondUsd: 0.0002 };
const inference = (texts: string[], extra: Record<string, unknown> = {}) => ({ kind: 'inference', input: { model: 'default', texts }, ...extra });

describe('an inference job', () => {
  it('runs CPU preprocess → GPU inference → CPU postprocess, each stage timed and costed', async () => {
    stack = await Stack.start({ modelServer: true });
    const texts = [
      '<p>I <b>loved</b> this film. The acting was great!</p>',
      'Terrible plot, and the ending was not good at all. https://example.com/review',
      'An utterly wonderful experience &amp; a joy to watch.',
    ];
    const done = await stack.waitForJob((await stack.submit(inference(texts))).id);
    expect(done.status, stack.logs()).toBe('succeeded');
    const result = done.result as InferenceResult;
    expect(result).toMatchObject({ model: 'default', device: 'cpu', modelVersion: expect.stringMatching(/^vader-sentiment/) });
    expect(result.predictions.map((p) => [p.index, p.label, p.words, p.sentences])).toEqual([
      [0, 'POSITIVE', 8, 2],
      [1, 'NEGATIVE', 10, 1],
      [2, 'POSITIVE', 8, 1],
    ]);
    for (const p of result.predictions) {
      expect(p.score).toBeGreaterThan(0.5);
      expect(p.scores[p.label]).toBe(p.score);
    }
    expect(result.summary).toMatchObject({ texts: 3, labels: { NEGATIVE: 1, POSITIVE: 2 }, majority: { label: 'POSITIVE', share: 0.6667 }, words: 26, sentences: 4 });
    expect(result.summary.confidence.min).toBeLessThanOrEqual(result.summary.confidence.mean);

    const stages = done.cost.stages;
    expect(stages.map((s) => [s.name, s.device, s.gpu])).toEqual([
      ['preprocess', 'cpu', null],
      ['inference', 'gpu', 'gpu0'],
      ['postprocess', 'cpu', null],
    ]);
    // In order, none overlapping; each costed at its own rate, and the totals are their sums.
    expect(stages[1]!.startedAt).toBeGreaterThanOrEqual(stages[0]!.startedAt + stages[0]!.seconds * 1000 - 1);
    expect(stages[2]!.startedAt).toBeGreaterThanOrEqual(stages[1]!.startedAt + stages[1]!.seconds * 1000 - 1);
    for (const stage of stages) {
      expect(stage.seconds).toBeGreaterThan(0);
      expect(stage.usd).toBeCloseTo(stage.seconds * (stage.device === 'gpu' ? RATES.gpuSecondUsd : RATES.cpuSecondUsd), 9);
    }
    expect(done.cost.gpuSeconds).toBeCloseTo(stages[1]!.seconds, 6);
    expect(done.cost.cpuSeconds).toBeCloseTo(stages[0]!.seconds + stages[2]!.seconds, 6);
    expect(done.cost.usd).toBeCloseTo(stages.reduce((sum, s) => sum + s.usd, 0), 8);
  });

  it('has its texts prepared on the CPU while every GPU is busy: only its GPU stage waits for one', async () => {
    // One 4 GiB GPU, held by a long solve that reserves all of it.
    stack = await Stack.start({ modelServer: true, gpus: [{ id: 'gpu0', vramMb: 4_096 }] });
    const blocker = await stack.submit({ kind: 'solve', input: marketSplitMilp(60), resources: { vramMb: 4_096 } });
    await waitFor(async () => (await stack!.job(blocker.id)).status === 'running', { what: 'the blocker to run' });
    const job = await stack.submit(inference(['A fine, warm and funny film.']));
    const prepared = await waitFor(async () => {
      const view = await stack!.job(job.id);
      return view.cost.stages.length === 1 && view.pendingReason?.startsWith('needs') ? view : undefined;
    }, { what: 'the texts to be prepared while the GPU is busy' });
    expect(prepared.status).toBe('queued');
    expect(prepared.cost.stages).toMatchObject([{ name: 'preprocess', device: 'cpu' }]);
    expect(prepared.pendingReason).toBe('needs 2048 MiB; largest free is 0 MiB on box-1/gpu0; 0 jobs ahead');
    await stack.cancel(blocker.id);
    const done = await stack.waitForJob(job.id);
    expect(done.status, stack.logs()).toBe('succeeded');
    expect(done.cost.stages[1]!.startedAt).toBeGreaterThanOrEqual((await stack.job(blocker.id)).finishedAt!);
  });

  it('is refused at submit when its input is wrong, naming the field', async () => {
    stack = await Stack.start({ inference: { maxTexts: 3, maxTextChars: 50 } });
    const refused = async (input: unknown) => {
      const reply = await stack!.request<{ error: { code: string; details: Array<{ path: string; message: string }> } }>('POST', '/v1/jobs', { kind: 'inference', input });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('validation_failed');
      return reply.body.error.details;
    };
    expect(await refused({ texts: [] })).toEqual([{ path: 'input.texts', message: 'give at least one text' }]);
    expect(await refused({ texts: ['fine', '   '] })).toEqual([{ path: 'input.texts[1]', message: 'is empty: a text needs at least one visible character' }]);
    expect(await refused({ model: 'gpt', texts: ['fine'] })).toEqual([{ path: 'input.model', message: 'no model gpt here; this server serves default' }]);
    expect(await refused({ texts: ['a', 'b', 'c', 'd'] })).toEqual([{ path: 'input.texts', message: 'has 4 texts; this server takes at most 3 per job' }]);
    expect(await refused({ texts: ['short', 'x'.repeat(51)] })).toEqual([{ path: 'input.texts[1]', message: 'has 51 characters; this server takes at most 50 per text' }]);
    expect(await refused({ text: 'fine' })).toEqual([
      { path: 'input.texts', message: 'is required' },
      { path: 'input.text', message: 'is not a known field' },
    ]);
    expect((await stack.request<{ jobs: JobView[] }>('GET', '/v1/jobs')).body.jobs).toEqual([]);
  });

  it('fails in the preprocess stage, not retried, when a text is nothing once cleaned', async () => {
    stack = await Stack.start({ modelServer: true });
    const done = await stack.waitForJob((await stack.submit(inference(['Good.', '<p><br/></p>'], { maxAttempts: 3 }))).id);
    expect(done.status, stack.logs()).toBe('failed');
    expect(done.attempts.made).toBe(1);
    expect(done.error).toEqual({ code: 'invalid_input', message: 'preprocess: texts[1] is empty once cleaned (it holds only markup, links or control characters)' });
    expect(done.cost.stages.map((s) => s.name)).toEqual(['preprocess']);
    expect(done.cost.gpuSeconds).toBe(0);
    // What BullMQ keeps as its "stack trace" (bull-board shows it): the code and the reason, not the scheduler's frames.
    const redis = createRedis(stack.redisUrl, 'test');
    const stacktrace = await redis.hget(bullmqKey('inference', done.id), 'stacktrace').finally(() => redis.quit());
    expect(JSON.parse(stacktrace!)).toEqual([`invalid_input: ${done.error!.message}`]);
  });

  it('fails in the inference stage when the model server is down, saying so', async () => {
    stack = await Stack.start({ modelServer: true });
    await stack.modelServer!.stop();
    const done = await stack.waitForJob((await stack.submit(inference(['Good.'], { maxAttempts: 1 }))).id);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('worker_unavailable');
    expect(done.error?.message).toMatch(new RegExp(`^inference: the model server of default does not answer \\([A-Z_]+\\)$`));
  });

  it('fails in the inference stage at that stage’s timeout when the model server does not answer', async () => {
    const server = (hanging = createServer(() => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    stack = await Stack.start({ inference: { models: { default: { url: `http://127.0.0.1:${port}` } }, stageTimeouts: { inferenceS: 1 } } });
    const done = await stack.waitForJob((await stack.submit(inference(['Good.'], { maxAttempts: 1 }))).id);
    expect(done.status).toBe('failed');
    expect(done.error).toEqual({ code: 'timed_out', message: `inference: the model server of default did not answer within 1 s` });
  });
});
