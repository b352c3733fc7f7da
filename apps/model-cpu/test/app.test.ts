// What needs a hand on the model to show: the loading state, and a model that fails. The rest of
// the protocol is checked over real HTTP in protocol.int.test.ts.
import { describe, expect, it } from 'vitest';
import { createLogger } from '@gpuq/runtime';
import { buildModelServer } from '../src/app.js';
import type { Classifier } from '../src/classifier.js';
import { ModelRegistry } from '../src/model-registry.js';

const info = { name: 'default', version: 'test-1', labels: ['NEGATIVE' as const, 'POSITIVE' as const], maxTexts: 4, maxTextChars: 20 };
const classify = (app: Awaited<ReturnType<typeof buildModelServer>>, texts: string[] = ['fine']) =>
  app.inject({ method: 'POST', url: '/v1/classify', payload: { model: 'default', texts } });

async function serverWith(classifier: Classifier) {
  const models = new ModelRegistry();
  let finishLoading: () => void = () => undefined;
  const loaded = models.load([() => new Promise<Classifier>((resolve) => (finishLoading = () => resolve(classifier)))]);
  const app = await buildModelServer({ log: createLogger('model-cpu-test', 'silent'), models });
  return { app, finishLoading: async () => (finishLoading(), await loaded) };
}

describe('the model server', () => {
  it('answers 503 loading on both routes until the model has loaded, then serves it', async () => {
    const { app, finishLoading } = await serverWith({ info, classify: async (texts) => texts.map(() => ({ label: 'POSITIVE', score: 0.9, scores: { NEGATIVE: 0.1, POSITIVE: 0.9 } })) });
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect([health.statusCode, health.json()]).toEqual([503, { status: 'loading' }]);
    const early = await classify(app);
    expect([early.statusCode, early.json()]).toEqual([503, { error: { code: 'loading', message: 'the models are still loading; retry when GET /health answers 200' } }]);

    await finishLoading();
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok', device: 'cpu', models: [info] });
    expect((await classify(app)).json()).toMatchObject({ model: 'default', version: 'test-1', device: 'cpu', predictions: [{ label: 'POSITIVE', score: 0.9 }] });
    await app.close();
  });

  it('applies the limits the model declares', async () => {
    const { app, finishLoading } = await serverWith({ info, classify: async () => [] });
    await finishLoading();
    const response = await classify(app, ['this text is over twenty characters']);
    expect(response.json()).toEqual({ error: { code: 'invalid_request', message: 'texts[0] has 35 characters; at most 20' } });
    await app.close();
  });

  it('answers 500 inference_failed when the model throws, without its internals', async () => {
    const { app, finishLoading } = await serverWith({
      info,
      classify: async () => {
        throw new Error('CUDA error at /srv/models/secret.py:12');
      },
    });
    await finishLoading();
    const response = await classify(app);
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'inference_failed', message: 'the model failed on this request; the cause is in the server log. Retry, and report it if it persists.' } });
    expect(response.body).not.toContain('/srv');
    await app.close();
  });

  it('answers 500 when the model returns the wrong number of predictions, rather than misaligned ones', async () => {
    const { app, finishLoading } = await serverWith({ info, classify: async () => [] });
    await finishLoading();
    expect((await classify(app, ['a', 'b'])).json()).toMatchObject({ error: { code: 'inference_failed' } });
    await app.close();
  });
});
