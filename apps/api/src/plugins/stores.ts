// The API's stores, decorated on the app: jobs, batches, job change notices, webhook deliveries.
import fp from 'fastify-plugin';
import type { RedisOptions } from 'bullmq';
import type { GpuqConfig } from '@gpuq/shared';
import { BatchStore } from '../batch-store.js';
import { JobEvents } from '../job-events.js';
import { JobStore } from '../job-store.js';
import { BoxStatesCache, type Logger } from '@gpuq/runtime';
import { WebhookDeliveries } from '../webhooks/delivery.js';
import type { WebhookLookup } from '../webhooks/resolve-target.js';

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobStore;
    batches: BatchStore;
    jobEvents: JobEvents;
    schedulerState: BoxStatesCache;
    webhooks: WebhookDeliveries;
  }
}

export interface StoresOptions {
  config: GpuqConfig;
  connection: RedisOptions;
  webhookSecrets: Readonly<Record<string, string>>;
  /** Whether this replica delivers webhooks. */
  runsWebhooks: boolean;
  /** Resolves webhook hosts at submit and delivery; the system resolver by default. */
  webhookLookup?: WebhookLookup;
}

export const storesPlugin = fp<StoresOptions>(
  async (app, options) => {
    const log = app.log as Logger;
    const schedulerState = new BoxStatesCache(app.redis);
    const webhooks: WebhookDeliveries = new WebhookDeliveries({
      connection: options.connection,
      redis: app.redis,
      settings: options.config.api.webhooks,
      secrets: options.webhookSecrets,
      viewJob: (id, principal) => jobs.view(id, principal),
      log,
      lookup: options.webhookLookup,
    });
    const jobs: JobStore = new JobStore(app.queues, app.redis, options.config, schedulerState, options.webhookSecrets, (id) => webhooks.enqueue(id), app.log, options.webhookLookup);
    if (options.runsWebhooks) webhooks.start();
    const jobEvents = new JobEvents(app.redis, log);
    app.decorate('jobs', jobs);
    app.decorate('batches', new BatchStore(jobs, app.redis, options.config));
    app.decorate('jobEvents', jobEvents);
    app.decorate('schedulerState', schedulerState);
    app.decorate('webhooks', webhooks);
    app.addHook('onClose', async () => {
      await Promise.allSettled([jobs.index.flush(), webhooks.close(), jobEvents.close()]);
    });
  },
  { name: 'stores', dependencies: ['redis', 'queues'] },
);
