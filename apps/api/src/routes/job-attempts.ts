// /v1/jobs/:id/attempts — where each of a job's attempts ran and how it ended, oldest first, as
// the scheduler appended them (keys.jobAttempts); the job view holds only the current or last.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AttemptRecord, keys } from '@gpuq/shared';
import { JobIdParams } from './jobs.js';
import { errorResponses } from './error-responses.js';

export const AttemptList = z.object({
  attempts: z.array(AttemptRecord).describe('The attempts that ran and ended, oldest first: one running now is not in it yet'),
});

export const jobAttemptRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/v1/jobs/:id/attempts',
    {
      schema: {
        summary: "Where each of a job's attempts ran (box, GPU or solve server) and how it ended",
        tags: ['jobs'],
        params: JobIdParams,
        response: { 200: AttemptList, ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      // Only a job the caller may see: a 404 otherwise.
      await app.jobs.viewOf(id, request.principal);
      const attempts = (await app.redis.lrange(keys.jobAttempts(id), 0, -1)).flatMap((text) => {
        const parsed = AttemptRecord.safeParse(JSON.parse(text));
        return parsed.success ? [parsed.data] : [];
      });
      return { attempts };
    },
  );
};
