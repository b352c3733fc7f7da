import fp from 'fastify-plugin';
import { createRedis } from '@gpuq/runtime';
import type { GpuqConfig } from '@gpuq/shared';
import { JobStore } from '../job-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    jobStore: JobStore;
  }
}

export interface JobStoreOptions {
  config: GpuqConfig;
  redisUrl: string;
}

export const jobStorePlugin = fp<JobStoreOptions>(
  async (app, options) => {
    // A request must not hang while Redis is away: two reconnection attempts, then a 503.
    const redis = createRedis(options.redisUrl, 'gpuq-api', { maxRetriesPerRequest: 2 });
    redis.on('error', (err) => app.log.warn({ err }, 'redis connection error'));
    app.decorate('jobStore', new JobStore(app.queues, redis, options.config, app.log));
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  },
  { name: 'job-store', dependencies: ['queues'] },
);
