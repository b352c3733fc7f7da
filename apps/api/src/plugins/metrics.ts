// The API's Prometheus metrics, in its own registry, on /metrics: request durations by route and
// status, submits by kind, errors by code, and how long ago each box's scheduler last said it was
// alive. Also the access log: one line per request that changes something.
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SchedulerHeartbeat } from '@gpuq/shared';
import { readBoxStates, type Logger } from '@gpuq/runtime';

declare module 'fastify' {
  interface FastifyInstance {
    apiMetrics: ApiMetrics;
  }
}

/** Read on each scrape: the heartbeats the schedulers wrote to Redis, by scheduler id. */
export type HeartbeatSource = () => Promise<Record<string, SchedulerHeartbeat>>;

/**
 * Seconds since each box last heard from any of its schedulers (active or standby). A scheduler
 * that crashed leaves its entry behind, so its box's age keeps growing; the freshest entry wins
 * because a restarted scheduler writes under a new id.
 */
export function heartbeatAgesByBox(heartbeats: Record<string, SchedulerHeartbeat>, now: number): Map<string, number> {
  const newest = new Map<string, number>();
  for (const { boxId, heartbeatAt } of Object.values(heartbeats)) newest.set(boxId, Math.max(newest.get(boxId) ?? -Infinity, heartbeatAt));
  return new Map([...newest].map(([box, at]) => [box, Math.max(0, (now - at) / 1000)]));
}

export function createApiMetrics(options: { now?: () => number } = {}) {
  const now = options.now ?? Date.now;
  const registry = new Registry();
  let heartbeatSource: HeartbeatSource | undefined;
  collectDefaultMetrics({ register: registry, prefix: 'gpuq_api_' });
  return {
    registry,
    requestDuration: new Histogram({
      name: 'gpuq_api_request_duration_seconds',
      help: 'HTTP requests, by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    submits: new Counter({ name: 'gpuq_api_submits_total', help: 'Jobs accepted, by kind', labelNames: ['kind'], registers: [registry] }),
    errors: new Counter({ name: 'gpuq_api_errors_total', help: 'Error responses, by code', labelNames: ['code'], registers: [registry] }),
    // Served by the API, not the scheduler: it still answers when the scheduler process is dead.
    heartbeatAge: new Gauge({
      name: 'gpuq_scheduler_heartbeat_age_seconds',
      help: "Seconds since the box's newest scheduler heartbeat in Redis; absent while Redis cannot be read or no scheduler ever started",
      labelNames: ['box'],
      registers: [registry],
      async collect() {
        // Boxes that are gone, or a Redis that cannot be read, leave no stale value behind.
        this.reset();
        const heartbeats = await heartbeatSource?.().catch(() => undefined);
        if (!heartbeats) return;
        for (const [box, seconds] of heartbeatAgesByBox(heartbeats, now())) this.set({ box }, seconds);
      },
    }),
    setHeartbeatSource: (source: HeartbeatSource) => {
      heartbeatSource = source;
    },
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

export const metricsPlugin = fp(
  async (app) => {
    const metrics = createApiMetrics();
    app.decorate('apiMetrics', metrics);
    // The redis plugin registers after this one: its connection is looked up at scrape time.
    metrics.setHeartbeatSource(async () => (app.hasDecorator('redis') ? (await readBoxStates(app.redis)).heartbeats : {}));
    app.addHook('onResponse', async (request, reply) => {
      // The route's pattern, never the raw URL: bounded labels.
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.requestDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      if (request.method !== 'GET' && (request.log as Logger).isLevelEnabled('info')) {
        request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, tenant: request.principal?.tenant }, 'request');
      }
    });
    app.get('/metrics', { config: { auth: 'none' }, schema: { hide: true } }, async (_request, reply) => {
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  },
  { name: 'metrics' },
);
