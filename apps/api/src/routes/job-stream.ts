// /v1/jobs/:id/events — server-sent events: the job's view each time it changes (`event: job`),
// then `event: end` once it has ended. Driven by the job's change notices, with a slow re-read in
// case one is missed, and a comment line now and then so proxies keep the stream open. Each view
// carries an `id:` naming its content: a client that reconnects with Last-Event-ID (as EventSource
// does by itself) is not sent again the view it already has.
import { createHash } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TERMINAL_STATUSES, type JobView } from '@gpuq/shared';
import { CoalescedReads } from '../coalesced-reads.js';
import { JobIdParams } from './jobs.js';
import { errorResponses } from './error-responses.js';

const KEEPALIVE_MS = 15_000;

/** The view without what changes every moment (a running job's cost), to tell real changes. */
const signature = (view: JobView) => JSON.stringify({ ...view, cost: null });
/** The event id of a view: short, and equal only for views that say the same. */
const eventIdOf = (sig: string) => createHash('sha256').update(sig).digest('base64url').slice(0, 22);

export const jobStreamRoutes: FastifyPluginAsync<{ rereadMs: number }> = async (fastify, { rereadMs }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/v1/jobs/:id/events',
    {
      schema: {
        summary: "A job's changes as server-sent events, until it ends",
        description:
          '`event: job` carries the job view (as GET /v1/jobs/:id) on each change, with an `id:` naming that view; `event: end` closes the stream. ' +
          'Reconnecting with `Last-Event-ID` skips the view the client already has.',
        tags: ['jobs'],
        params: JobIdParams,
        // Loose, as in POST /v1/jobs: Fastify keeps only the parsed headers.
        headers: z.looseObject({ 'last-event-id': z.string().max(64).optional().describe('The `id:` of the last view received, when reconnecting') }),
        response: {
          200: { description: 'A stream of `event: job` (data: a job view) and a final `event: end`.', content: { 'text/event-stream': { schema: z.string() } } },
          ...errorResponses(400, 401, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const first = await app.jobs.viewOf(id, request.principal);
      reply.hijack();
      const raw = reply.raw;
      // Hijacked: the headers set so far (RateLimit-*) go out with the stream's own.
      raw.writeHead(200, { ...(reply.getHeaders() as OutgoingHttpHeaders), 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      // The view a reconnecting client already has is known by its id alone.
      let lastId = request.headers['last-event-id'] ?? '';
      let isClosed = false;
      const timers: NodeJS.Timeout[] = [];
      const cleanups: Array<() => Promise<void>> = [];
      const close = () => {
        if (isClosed) return;
        isClosed = true;
        timers.forEach(clearInterval);
        for (const cleanup of cleanups) void cleanup();
        raw.end();
      };
      const send = (view: JobView) => {
        const eventId = eventIdOf(signature(view));
        if (eventId !== lastId) {
          lastId = eventId;
          raw.write(`event: job\nid: ${eventId}\ndata: ${JSON.stringify(view)}\n\n`);
        }
        if (TERMINAL_STATUSES.includes(view.status)) {
          raw.write(`event: end\ndata: ${JSON.stringify({ id, status: view.status })}\n\n`);
          close();
        }
      };
      // A notice during a read is followed by one more read: the scheduler records a job's end,
      // then completes it in BullMQ, and a read between the two would miss the end.
      const reads = new CoalescedReads(async () => {
        if (isClosed) return;
        try {
          const view = await app.jobs.view(id, request.principal);
          if (view && !isClosed) send(view);
        } catch (err) {
          request.log.warn({ err, jobId: id }, 'could not read the job for its event stream');
        }
      });
      const reread = () => reads.request();
      raw.on('close', close);
      cleanups.push(await app.jobEvents.watch(id, () => void reread()));
      // The client may have gone while we subscribed.
      if (isClosed) for (const cleanup of cleanups) void cleanup();
      timers.push(setInterval(() => void reread(), rereadMs), setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS));
      send(first);
      // A change between the first read and the subscription would otherwise wait for the re-read.
      await reread();
    },
  );
};
