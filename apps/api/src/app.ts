// Builds the API (no listen): external plugins, then app plugins, then routes.
import Fastify, { LogController } from 'fastify';
import { bullConnection, type Logger } from '@gpuq/runtime';
import { KINDS, type GpuqConfig } from '@gpuq/shared';
import { type KeyRing } from './auth/key-ring.js';
import type { WebhookLookup } from './webhooks/resolve-target.js';
import { authPlugin } from './plugins/auth.js';
import { bodyChecksPlugin } from './plugins/body-checks.js';
import { answerClientError, errorHandlerPlugin, frameworkErrors } from './plugins/error-handler.js';
import { metricsPlugin } from './plugins/metrics.js';
import { queueBoardPlugin } from './plugins/queue-board.js';
import { queuesPlugin } from './plugins/queues.js';
import { redisPlugin } from './plugins/redis.js';
import { storesPlugin } from './plugins/stores.js';
import { swaggerPlugin } from './plugins/swagger.js';
import { validationPlugin } from './plugins/validation.js';
import { batchRoutes } from './routes/batches.js';
import { boxRoutes } from './routes/boxes.js';
import { cuoptRoutes } from './routes/cuopt.js';
import { healthRoutes } from './routes/health.js';
import { jobFileRoutes } from './routes/job-files.js';
import { jobAttemptRoutes } from './routes/job-attempts.js';
import { jobIncumbentRoutes } from './routes/job-incumbent.js';
import { jobLogRoutes } from './routes/job-logs.js';
import { jobStreamRoutes } from './routes/job-stream.js';
import { jobRoutes } from './routes/jobs.js';
import { statusPageRoutes } from './routes/status-page.js';
import { systemRoutes } from './routes/system.js';

export interface AppOptions {
  config: GpuqConfig;
  redisUrl: string;
  log: Logger;
  maxBodyBytes: number;
  /** The keys of config and environment together. */
  keys: KeyRing;
  webhookSecrets?: Readonly<Record<string, string>>;
  /** Whether this replica delivers webhooks (default yes). */
  runsWebhooks?: boolean;
  /** How often an event stream re-reads its job without a change notice (default 5 s). */
  eventsRereadMs?: number;
  /** Resolves webhook host names (default: the system resolver); tests map made-up names with it. */
  webhookLookup?: WebhookLookup;
}

/**
 * The longest path part Fastify routes: room for every bounded one (names and ids are at most 255
 * characters), so that their schemas answer a long one with a 400 naming the field; longer still
 * is 414 uri_too_long.
 */
const MAX_PARAM_LENGTH = 1_024;

export async function buildApp(options: AppOptions) {
  const http = options.config.api.http;
  const app = Fastify({
    loggerInstance: options.log,
    bodyLimit: options.maxBodyBytes,
    // Fastify's two lines per request cost even when filtered out: the metrics plugin writes one
    // line per request that changes something instead (clients poll job status often).
    logController: new LogController({ disableRequestLogging: true }),
    // Slow clients: Fastify sets these two on Node's server itself (its 0 would turn the request
    // timeout off); the header timeout and how often both are checked go to http.createServer.
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    http: { headersTimeout: http.headersTimeoutMs, requestTimeout: http.requestTimeoutMs, connectionsCheckingInterval: http.checkIntervalMs },
    // Off unless config names the proxies: request.ip (the unauthenticated limit's key) is the peer's address.
    trustProxy: http.trustedProxies.length > 0 ? http.trustedProxies : false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler: answerClientError,
  });
  // JSON only (plugins/body-checks.ts reads it): a text/plain body is refused with 415, not parsed as a string.
  app.removeContentTypeParser('text/plain');
  const connection = { ...bullConnection(options.redisUrl), maxRetriesPerRequest: 2 };
  await app.register(swaggerPlugin);
  await app.register(validationPlugin);
  await app.register(errorHandlerPlugin);
  await app.register(metricsPlugin);
  await app.register(redisPlugin, { url: options.redisUrl });
  await app.register(authPlugin, { keys: options.keys, api: options.config.api });
  await app.register(bodyChecksPlugin, { config: options.config, redisUrl: options.redisUrl });
  await app.register(queuesPlugin, { kinds: KINDS, connection });
  await app.register(storesPlugin, {
    config: options.config,
    connection,
    webhookSecrets: { ...Object.fromEntries(Object.entries(options.config.api.tenants).flatMap(([t, s]) => (s.webhookSecret ? [[t, s.webhookSecret]] : []))), ...options.webhookSecrets },
    runsWebhooks: options.runsWebhooks ?? true,
    webhookLookup: options.webhookLookup,
  });
  await app.register(healthRoutes);
  await app.register(jobRoutes);
  await app.register(jobStreamRoutes, { rereadMs: options.eventsRereadMs ?? 5_000 });
  await app.register(jobFileRoutes(options.config.artifactsDir));
  await app.register(jobLogRoutes);
  await app.register(jobIncumbentRoutes);
  await app.register(jobAttemptRoutes);
  await app.register(batchRoutes);
  await app.register(systemRoutes);
  await app.register(boxRoutes);
  await app.register(cuoptRoutes, { config: options.config });
  await app.register(statusPageRoutes);
  await app.register(queueBoardPlugin, { keys: options.keys });
  return app;
}
