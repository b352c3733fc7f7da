// GET /v1/system/failures: the failed and cancelled jobs of every kind, newest first, for the status
// page's failures view (which filters them by kind, error code, tenant and time). A bounded read of
// each kind's BullMQ failed set, which holds the cancelled too.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { FailureList, KINDS, type JobView } from '@gpuq/shared';
import type { Principal } from '../auth/key-ring.js';
import type { JobStore } from '../job-store.js';
import { errorResponses } from './error-responses.js';

/** Failed jobs read per kind, the newest: enough for an hour of trouble, and a fixed cost however long the history. */
export const FAILURES_READ_PER_KIND = 100;

/** Views of the jobs with these ids that still exist, without their results (they can be large). */
export async function viewsWithoutResults(jobs: JobStore, ids: readonly string[], principal: Principal): Promise<JobView[]> {
  return (await Promise.all(ids.map((id) => jobs.view(id, principal)))).flatMap((view) => (view ? [{ ...view, result: null }] : []));
}

export const statusFailureRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/v1/system/failures',
    {
      config: { auth: 'admin' },
      schema: {
        summary: 'The latest failed and cancelled jobs of every kind, across tenants, newest first',
        description: `At most the newest ${FAILURES_READ_PER_KIND} of each kind. Each carries its status (failed or cancelled) and its error.`,
        tags: ['system'],
        response: { 200: FailureList, ...errorResponses(401, 403, 429, 503) },
      },
    },
    async (request) => {
      const perKind = await Promise.all(
        KINDS.map(async (kind) => {
          const ids = await app.queues.get(kind)!.getRanges(['failed'], 0, FAILURES_READ_PER_KIND - 1, false);
          return (await viewsWithoutResults(app.jobs, ids, request.principal)).filter((v) => v.status === 'failed' || v.status === 'cancelled');
        }),
      );
      return {
        failures: perKind.flat().sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0)),
        readPerKind: FAILURES_READ_PER_KIND,
      };
    },
  );
};
