// /v1/jobs/:id/artifacts/:name — a job's files (structures, logs) from the artifact store. Names
// are checked before any path is built, and the path is checked to stay in the job's directory.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import { errorResponses } from './error-responses.js';

export const ARTIFACT_NAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,255}$/;

const CONTENT_TYPES: Record<string, string> = {
  '.cif': 'chemical/x-cif',
  '.pdb': 'chemical/x-pdb',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
};

export const jobFileRoutes = (artifactsDir: string): FastifyPluginAsync => async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const root = resolve(artifactsDir);

  app.get(
    '/v1/jobs/:id/artifacts/:name',
    {
      schema: {
        summary: "One of a job's files",
        tags: ['jobs'],
        params: z.object({ id: z.string().max(128), name: z.string().regex(ARTIFACT_NAME, 'letters, digits, ".", "_" and "-" only') }),
        response: { 200: z.unknown(), ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const { id, name } = request.params;
      // Only a job the caller may see: a 404 otherwise.
      await app.jobs.viewOf(id, request.principal);
      const path = resolve(join(root, id, name));
      if (!path.startsWith(`${root}${sep}${id}${sep}`)) throw new ApiError('artifact_not_found');
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) throw new ApiError('artifact_not_found', `job ${id} has no artifact ${name}`);
      return reply
        .type(CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream')
        .header('content-length', String(info.size))
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(createReadStream(path));
    },
  );
};
