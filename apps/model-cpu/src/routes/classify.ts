// POST /v1/classify: one prediction per text, in order, from one model. Checks run in the order
// the protocol documents: the body's shape (400), loading (503), the model (404), its limits (400).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ModelServerError, problemsMessage } from '../errors.js';
import type { ModelRegistry } from '../model-registry.js';
import { modelServer } from '@gpuq/shared';
import { textProblems } from '../text-limits.js';

export interface ClassifyRoutesOptions {
  models: ModelRegistry;
  device: string;
}

export const classifyRoutes: FastifyPluginAsync<ClassifyRoutesOptions> = async (fastify, { models, device }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const errors = Object.fromEntries([400, 404, 413, 415, 500, 503].map((status) => [status, modelServer.ErrorReply]));
  app.post('/v1/classify', { schema: { body: modelServer.ClassifyBody, response: { 200: modelServer.ClassifyReply, ...errors } } }, async (request) => {
    const { model: name, texts } = request.body;
    if (!models.isLoaded) throw new ModelServerError('loading', 'the models are still loading; retry when GET /health answers 200');
    const model = models.find(name);
    if (!model) {
      const served = models.infos.map((m) => `"${m.name}"`).join(', ');
      throw new ModelServerError('model_not_found', `no model named ${JSON.stringify(name.slice(0, 100))}; this server serves ${served}`);
    }
    const problems = textProblems(texts, model.info);
    if (problems.length > 0) throw new ModelServerError('invalid_request', problemsMessage(problems));

    const started = performance.now();
    const predictions = await model.classify(texts);
    const inferenceMs = Math.round((performance.now() - started) * 1000) / 1000;
    if (predictions.length !== texts.length) throw new Error(`model ${name} returned ${predictions.length} predictions for ${texts.length} texts`);
    request.log.debug({ model: name, texts: texts.length, inferenceMs }, 'classified');
    return { model: name, version: model.info.version, device, predictions, inferenceMs };
  });
};
