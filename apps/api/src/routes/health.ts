// /healthz: the process is up. /readyz: Redis answers and the config loaded, so requests can be served.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '@gpuq/shared';
import { ApiError } from '../errors.js';

export const healthRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness', tags: ['health'], security: [], response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    { schema: { summary: 'Readiness: Redis reachable, config loaded', tags: ['health'], security: [], response: { 200: z.object({ status: z.literal('ready') }), 503: ErrorBody } } },
    async () => {
      const pong = await Promise.race([app.redis.ping().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      if (pong !== 'PONG') throw new ApiError('not_ready', 'Redis does not answer.');
      return { status: 'ready' as const };
    },
  );
};
