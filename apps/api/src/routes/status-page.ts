// The status page: its HTML shell at /ui (no data in it, so it is served without a key; its script
// asks for the admin key and sends it as a Bearer header), the script and stylesheet, and
// GET /v1/system/queue, the admin's view of the jobs the page lists; the page's other admin routes
// (status-*.ts) are registered here too. The job page is /ui#job=<id>: the same shell.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { KINDS, QueueOverview, type JobView } from '@gpuq/shared';
import type { Principal } from '../auth/key-ring.js';
import { STATUS_PAGE_HTML } from '../ui/status-page-html.js';
import { readStatusPageScript } from '../ui/status-page-script.js';
import { STATUS_PAGE_STYLE } from '../ui/status-page-style.js';
import { errorResponses } from './error-responses.js';
import { statusFailureRoutes, viewsWithoutResults } from './status-failures.js';

/** Only what the page itself serves: its script, its stylesheet, and fetches to this origin. */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Bounds on what one call reads, so a deep queue costs the same as a short one. */
const RUNNING_READ_PER_KIND = 200;
const QUEUED_SHOWN_PER_KIND = 20;
const FAILURES_SHOWN = 10;
/** Failed jobs read per kind: cancelled jobs sit in the same BullMQ set and are left out. */
const FAILED_READ_PER_KIND = 30;

const byQueueOrder = (a: JobView, b: JobView) =>
  (a.queuePosition ?? Infinity) - (b.queuePosition ?? Infinity) || b.priority - a.priority || a.createdAt - b.createdAt;

export const statusPageRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  const asset = (path: string, type: string, body: string, cacheControl: string) =>
    app.get(path, { config: { auth: 'none' }, schema: { hide: true } }, async (_request, reply: FastifyReply) =>
      reply
        .type(type)
        .header('content-security-policy', STATUS_PAGE_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', cacheControl)
        .send(body),
    );
  asset('/ui', 'text/html; charset=utf-8', STATUS_PAGE_HTML, 'no-store');
  app.get('/ui/', { config: { auth: 'none' }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/ui'));
  asset('/ui/status-page.js', 'text/javascript; charset=utf-8', await readStatusPageScript(), 'no-cache');
  asset('/ui/status-page.css', 'text/css; charset=utf-8', STATUS_PAGE_STYLE, 'no-cache');

  const viewsOf = (ids: readonly string[], principal: Principal) => viewsWithoutResults(app.jobs, ids, principal);
  await app.register(statusFailureRoutes);

  async function overviewOf(principal: Principal): Promise<QueueOverview> {
    const perKind = await Promise.all(
      KINDS.map(async (kind) => {
        const queue = app.queues.get(kind)!;
        // BullMQ's own state lists bound the work by what is shown, where GET /v1/jobs would scan
        // the newest thousand jobs of every tenant for the few that are running or queued.
        const [activeIds, waitingIds, failedIds] = await Promise.all([
          queue.getRanges(['active'], 0, RUNNING_READ_PER_KIND - 1, true),
          queue.getRanges(['prioritized', 'waiting', 'delayed'], 0, QUEUED_SHOWN_PER_KIND - 1, true),
          queue.getRanges(['failed'], 0, FAILED_READ_PER_KIND - 1, false),
        ]);
        // Active jobs are running, or held by a scheduler waiting for a GPU (queued, with its reason).
        const [active, waiting, failed] = await Promise.all([viewsOf(activeIds, principal), viewsOf(waitingIds, principal), viewsOf(failedIds, principal)]);
        const queued = [...active, ...waiting].filter((v) => v.status === 'queued').sort(byQueueOrder);
        return {
          running: active.filter((v) => v.status === 'running'),
          queued: queued.slice(0, QUEUED_SHOWN_PER_KIND),
          // BullMQ's failed holds the cancelled too: both are listed, each with its status.
          failed: failed.filter((v) => v.status === 'failed' || v.status === 'cancelled'),
        };
      }),
    );
    return {
      running: perKind.flatMap((k) => k.running).sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0)),
      queued: perKind.flatMap((k) => k.queued),
      recentFailures: perKind
        .flatMap((k) => k.failed)
        .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0))
        .slice(0, FAILURES_SHOWN),
    };
  }

  app.get(
    '/v1/system/queue',
    {
      config: { auth: 'admin' },
      schema: {
        summary: 'Jobs running now, the next queued jobs of each kind with their pending reasons, and the latest failures, across tenants',
        tags: ['system'],
        response: { 200: QueueOverview, ...errorResponses(401, 403, 429, 503) },
      },
    },
    async (request) => overviewOf(request.principal),
  );
};
