// GET /health: 200 with the models and their limits once they have loaded, 503 `loading` before.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModelRegistry } from '../model-registry.js';
import { modelServer } from '@gpuq/shared';

export interface HealthRoutesOptions {
  models: ModelRegistry;
  device: string;
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (fastify, { models, device }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/health', { schema: { response: { 200: modelServer.HealthReply, 503: modelServer.LoadingReply } } }, async (_request, reply) => {
    if (!models.isLoaded) return reply.code(503).send({ status: 'loading' });
    return { status: 'ok' as const, device, models: models.infos };
  });
};
