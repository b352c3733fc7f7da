// /v1/jobs/:id/logs — the worker's own output for a job: the solver's log lines, a fold
// container's output, a process's stderr, as the scheduler appended them (keys.jobLog), kept as
// long as the job. Text from a byte offset; `gpuq-log-offset` says where the next read starts.
// With `follow=true` the answer streams: what is there, then each addition, until the job ends.
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { keys, TERMINAL_STATUSES } from '@gpuq/shared';
import { JobIdParams } from './jobs.js';
import { errorResponses } from './error-responses.js';

/** How often a followed log is read again: log lines are for people, a second is soon enough. */
const FOLLOW_READ_MS = 1_000;
export const LOG_OFFSET_HEADER = 'gpuq-log-offset';

const LogQuery = z.strictObject({
  offset: z.coerce.number().int().nonnegative().default(0).describe('The byte to start from: the `gpuq-log-offset` of the previous read'),
  follow: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('Keep the answer open and send each addition until the job ends'),
});

export const jobLogRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/v1/jobs/:id/logs',
    {
      schema: {
        summary: "The worker's own output for a job (solver log, container output, process stderr)",
        description:
          'Plain text, in the order the worker wrote it, over all attempts; kept as long as the job (its first 1 MiB). ' +
          '`gpuq-log-offset` is the byte where the next read starts. With `follow=true` the answer stays open, sending each addition until the job ends.',
        tags: ['jobs'],
        params: JobIdParams,
        querystring: LogQuery,
        response: {
          200: { description: "The log's text from `offset`.", content: { 'text/plain': { schema: z.string() } } },
          ...errorResponses(400, 401, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { offset, follow } = request.query;
      const view = await app.jobs.viewOf(id, request.principal);
      const key = keys.jobLog(id);
      const readFrom = async (from: number): Promise<Buffer> => {
        const size = await app.redis.strlen(key);
        return from < size ? app.redis.getrangeBuffer(key, from, size - 1) : Buffer.alloc(0);
      };
      if (!follow || TERMINAL_STATUSES.includes(view.status)) {
        const text = await readFrom(offset);
        return reply.type('text/plain; charset=utf-8').header(LOG_OFFSET_HEADER, String(offset + text.length)).send(text.toString('utf8'));
      }
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { ...(reply.getHeaders() as OutgoingHttpHeaders), 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      let at = offset;
      let isClosed = false;
      raw.on('close', () => {
        isClosed = true;
      });
      while (!isClosed) {
        try {
          // Whether it ended first: what was written before it ended is then read below, in full.
          // Its state alone: who may read it was checked above, and a whole view per second per
          // follower is what a busy API cannot spend.
          const hasEnded = await app.jobs.hasEnded(id);
          const text = await readFrom(at);
          if (text.length > 0) {
            at += text.length;
            raw.write(text);
          }
          if (hasEnded) break;
        } catch (err) {
          request.log.warn({ err, jobId: id }, 'could not read the job log to follow it');
        }
        await new Promise((resolve) => setTimeout(resolve, FOLLOW_READ_MS));
      }
      raw.end();
    },
  );
};
