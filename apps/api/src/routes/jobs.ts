// /v1/jobs: submit a job and read it back.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody, JobRequest, JobView } from '@gpuq/shared';
import { ApiError } from '../errors.js';

/** Until API keys arrive, every job belongs to this tenant. */
const DEFAULT_TENANT = 'default';

export const jobRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/v1/jobs',
    {
      schema: {
        summary: 'Submit a job',
        body: JobRequest,
        response: { 202: JobView, 400: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const view = await app.jobStore.submit(request.body, DEFAULT_TENANT);
      return reply.code(202).header('location', `/v1/jobs/${view.id}`).send(view);
    },
  );

  app.get(
    '/v1/jobs/:id',
    {
      schema: {
        summary: 'Read a job: its status, placement, pending reason, result or error',
        params: z.object({ id: z.string().max(128) }),
        response: { 200: JobView, 404: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const view = await app.jobStore.view(request.params.id, DEFAULT_TENANT);
      if (!view) throw new ApiError('job_not_found', `no job with id ${request.params.id}`);
      return view;
    },
  );
};
