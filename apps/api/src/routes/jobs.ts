// /v1/jobs: submit, list, read, cancel, result.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { JobPage, JobRequest, JobStatus, JobView, Kind } from '@gpuq/shared';
import { ApiError } from '../errors.js';
import { checkedBody } from '../plugins/body-checks.js';
import { errorResponses } from './error-responses.js';

export const JobIdParams = z.object({ id: z.string().max(128) });

export const jobRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/v1/jobs',
    {
      config: { bodyCheck: 'job' },
      schema: {
        summary: 'Submit a job',
        description: 'Answers 202 once the job is stored. With an Idempotency-Key, a repeat of the same request answers 200 with the job the first one created.',
        tags: ['jobs'],
        // Loose: Fastify replaces request.headers with the parsed value, and a strict object drops the rest.
        headers: z.looseObject({ 'idempotency-key': z.string().min(1).max(255).optional() }),
        body: JobRequest,
        response: { 200: JobView, 202: JobView, ...errorResponses(400, 401, 409, 413, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const { job } = checkedBody(request.body, 'job');
      const { view, isRepeat } = await app.jobs.submit(job, request.principal, request.headers['idempotency-key']);
      if (!isRepeat) app.apiMetrics.submits.inc({ kind: view.kind });
      // The view is built by toJobView, whose type is the schema's: on the hottest route it is
      // written as it is rather than re-checked field by field.
      return reply
        .code(isRepeat ? 200 : 202)
        .header('location', `/v1/jobs/${view.id}`)
        .serializer(JSON.stringify)
        .send(view);
    },
  );

  app.get(
    '/v1/jobs',
    {
      schema: {
        summary: "List the caller's jobs, newest first",
        tags: ['jobs'],
        querystring: z.object({
          status: JobStatus.optional(),
          kind: Kind.optional(),
          label: z
            .union([z.string(), z.array(z.string())])
            .optional()
            .describe('`key:value`; repeat for several. A job must have them all.'),
          limit: z.coerce.number().int().min(1).max(100).default(20),
          cursor: z.string().max(512).optional().describe('nextCursor of the previous page.'),
        }),
        response: { 200: JobPage, ...errorResponses(400, 401, 429, 503) },
      },
    },
    async (request) => {
      const { status, kind, label, limit, cursor } = request.query;
      const labels = (label === undefined ? [] : Array.isArray(label) ? label : [label]).map((pair, i): [string, string] => {
        const at = pair.indexOf(':');
        if (at <= 0) throw new ApiError('validation_failed', undefined, [{ path: `label[${i}]`, message: 'is key:value' }]);
        return [pair.slice(0, at), pair.slice(at + 1)];
      });
      return app.jobs.list(request.principal, { ...(status ? { status } : {}), ...(kind ? { kind } : {}), labels, limit, ...(cursor ? { cursor } : {}) });
    },
  );

  app.get(
    '/v1/jobs/:id',
    {
      schema: {
        summary: 'Read a job: status, placement, pending reason, result or error, cost',
        tags: ['jobs'],
        params: JobIdParams,
        response: { 200: JobView, ...errorResponses(401, 404, 429, 503) },
      },
    },
    async (request) => {
      return app.jobs.viewOf(request.params.id, request.principal);
    },
  );

  app.delete(
    '/v1/jobs/:id',
    {
      schema: {
        summary: 'Cancel a job',
        description: 'A queued job never runs; a running one is stopped within a second. 409 if it has already ended.',
        tags: ['jobs'],
        params: JobIdParams,
        response: { 202: JobView, ...errorResponses(401, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => reply.code(202).send(await app.jobs.cancel(request.params.id, request.principal)),
  );

  app.get(
    '/v1/jobs/:id/result',
    {
      schema: {
        summary: "A succeeded job's result alone",
        tags: ['jobs'],
        params: JobIdParams,
        response: { 200: z.unknown(), ...errorResponses(401, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const view = await app.jobs.viewOf(request.params.id, request.principal);
      if (view.status !== 'succeeded') {
        const why = view.error ? `it ${view.status}: ${view.error.message}` : `it is ${view.status}`;
        throw new ApiError('job_not_succeeded', `job ${view.id} has no result: ${why}`);
      }
      return view.result;
    },
  );
};
