// /v1/jobs/:id/incumbent — the best solution a MILP solve has found so far (the solver's latest
// incumbent), kept for the job's retention however the job ends: a cancelled or timed-out MILP
// still leaves its owner its best answer.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cuopt, keys } from '@gpuq/shared';
import { JobIdParams } from './jobs.js';
import { errorResponses } from './error-responses.js';

export const BestIncumbent = z.object({
  incumbent: cuopt.Incumbent.extend({ foundAt: z.number().int().describe('When the scheduler received it, epoch ms') })
    .nullable()
    .describe('The latest incumbent (the best so far), as the solver sent it; null while none has come (an LP, or a MILP before its first)'),
});

export const jobIncumbentRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/v1/jobs/:id/incumbent',
    {
      schema: {
        summary: 'The best solution a MILP solve has found so far, also after it was cancelled or timed out',
        tags: ['jobs'],
        params: JobIdParams,
        response: { 200: BestIncumbent, ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      // Only a job the caller may see: a 404 otherwise.
      await app.jobs.viewOf(id, request.principal);
      const text = await app.redis.get(keys.jobBestIncumbent(id));
      const parsed = text === null ? undefined : BestIncumbent.shape.incumbent.unwrap().safeParse(JSON.parse(text));
      return { incumbent: parsed?.success ? parsed.data : null };
    },
  );
};
