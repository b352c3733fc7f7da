// Builds the CPU model server (no listen): app plugins, then routes. It speaks the gpuq inference
// protocol v1, the one the GPU model server in deploy/images/inference speaks.
import Fastify, { LogController } from 'fastify';
import type { Logger } from '@gpuq/runtime';
import type { ModelRegistry } from './model-registry.js';
import { clientErrorHandler, errorHandlerPlugin } from './plugins/error-handler.js';
import { jsonBodyPlugin } from './plugins/json-body.js';
import { validationPlugin } from './plugins/validation.js';
import { classifyRoutes } from './routes/classify.js';
import { healthRoutes } from './routes/health.js';

export interface ModelServerOptions {
  log: Logger;
  /** The models to serve; the server answers `loading` until `models.load()` has finished. */
  models: ModelRegistry;
  /** @defaultValue 32 MiB, room for the largest valid request even with every character escaped */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export async function buildModelServer(options: ModelServerOptions) {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // The scheduler calls once per job stage: a line per request would say nothing the job does not.
  const app = Fastify({
    loggerInstance: options.log,
    bodyLimit: maxBodyBytes,
    logController: new LogController({ disableRequestLogging: true }),
    clientErrorHandler,
  });
  await app.register(jsonBodyPlugin);
  await app.register(validationPlugin);
  await app.register(errorHandlerPlugin, { maxBodyBytes });
  await app.register(healthRoutes, { models: options.models, device: 'cpu' });
  await app.register(classifyRoutes, { models: options.models, device: 'cpu' });
  return app;
}
