// /v1/batches: many jobs at once, all or nothing, and their states together.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BatchRequest, JobView } from '@gpuq/shared';
import { BatchView } from '../batch-store.js';
import { ApiError } from '../errors.js';
import { checkedBody } from '../plugins/body-checks.js';
import { errorResponses } from './error-responses.js';

export const batchRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/v1/batches',
    {
      config: { bodyCheck: 'batch' },
      schema: {
        summary: 'Submit many jobs at once: all are stored, or none',
        tags: ['batches'],
        body: BatchRequest,
        response: { 202: z.object({ id: z.string(), jobs: z.array(JobView) }), ...errorResponses(400, 401, 413, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const batch = await app.batches.submit(checkedBody(request.body, 'batch').jobs, request.principal);
      for (const job of batch.jobs) app.apiMetrics.submits.inc({ kind: job.kind });
      return reply.code(202).header('location', `/v1/batches/${batch.id}`).send(batch);
    },
  );

  app.get(
    '/v1/batches/:id',
    {
      schema: {
        summary: "A batch's jobs, counted by status",
        tags: ['batches'],
        params: z.object({ id: z.string().max(128) }),
        response: { 200: BatchView, ...errorResponses(401, 404, 429, 503) },
      },
    },
    async (request) => {
      const view = await app.batches.view(request.params.id, request.principal);
      if (!view) throw new ApiError('batch_not_found', `no batch with id ${request.params.id}`);
      return view;
    },
  );
};
