// Draining a box for maintenance (admins): a drained box finishes what it runs and takes nothing
// new; its jobs-to-be go to the other boxes. The mark lives in Redis, so it holds across restarts
// of the box's scheduler, and a message tells the scheduler at once.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BOX_CONTROL_CHANNEL, BoxDrainRequest, BoxDrainState, Identifier, keys, type BoxDrainMark } from '@gpuq/shared';
import { errorResponses } from './error-responses.js';

const BoxParams = z.object({ boxId: Identifier });

export const boxRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/v1/boxes/:boxId/drain',
    {
      config: { auth: 'admin' },
      schema: {
        summary: 'Drain a box: it finishes the jobs it runs and takes no new ones, until undrained',
        tags: ['system'],
        params: BoxParams,
        body: BoxDrainRequest,
        response: { 200: BoxDrainState, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const { boxId } = request.params;
      const mark: BoxDrainMark = { at: Date.now(), by: request.principal.tenant, reason: request.body.reason };
      await app.redis.multi().set(keys.boxDrain(boxId), JSON.stringify(mark)).publish(BOX_CONTROL_CHANNEL, boxId).exec();
      return { boxId, drainedReason: `drained by ${mark.by}: ${mark.reason}` };
    },
  );

  app.delete(
    '/v1/boxes/:boxId/drain',
    {
      config: { auth: 'admin' },
      schema: {
        summary: 'Undrain a box: it takes jobs again',
        tags: ['system'],
        params: BoxParams,
        response: { 200: BoxDrainState, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const { boxId } = request.params;
      await app.redis.multi().del(keys.boxDrain(boxId)).publish(BOX_CONTROL_CHANNEL, boxId).exec();
      return { boxId, drainedReason: null };
    },
  );
};
