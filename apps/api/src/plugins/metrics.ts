// The API's Prometheus metrics, in its own registry, on /metrics: request durations by route and
// status, submits by kind, errors by code. Also the access log: one line per request that changes
// something.
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Logger } from '@gpuq/runtime';

declare module 'fastify' {
  interface FastifyInstance {
    apiMetrics: ApiMetrics;
  }
}

export function createApiMetrics() {
  const registry = new Registry();
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
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

export const metricsPlugin = fp(
  async (app) => {
    const metrics = createApiMetrics();
    app.decorate('apiMetrics', metrics);
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
