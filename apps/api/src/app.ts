// Builds the API (no listen): external plugins, then app plugins, then routes.
import Fastify, { LogController } from 'fastify';
import { bullConnection, type Logger } from '@gpuq/runtime';
import { KINDS, type GpuqConfig } from '@gpuq/shared';
import { errorHandlerPlugin } from './plugins/error-handler.js';
import { jobStorePlugin } from './plugins/job-store.js';
import { queuesPlugin } from './plugins/queues.js';
import { validationPlugin } from './plugins/validation.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';

export interface AppOptions {
  config: GpuqConfig;
  redisUrl: string;
  log: Logger;
  maxBodyBytes: number;
}

export async function buildApp(options: AppOptions) {
  const app = Fastify({
    loggerInstance: options.log,
    bodyLimit: options.maxBodyBytes,
    // Request lines at debug: clients poll job status often.
    logController: new LogController({ disableRequestLogging: (request) => request.method === 'GET' }),
  });
  // JSON only: a text/plain body is refused with 415, not parsed as a string.
  app.removeContentTypeParser('text/plain');
  await app.register(validationPlugin);
  await app.register(errorHandlerPlugin);
  await app.register(queuesPlugin, { kinds: KINDS, connection: { ...bullConnection(options.redisUrl), maxRetriesPerRequest: 2 } });
  await app.register(jobStorePlugin, { config: options.config, redisUrl: options.redisUrl });
  await app.register(healthRoutes);
  await app.register(jobRoutes);
  return app;
}
