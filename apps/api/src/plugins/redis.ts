// The API's Redis connection, for everything but BullMQ's own. A request must not hang while Redis
// is away: two reconnection attempts, then the request fails with a 503.
import fp from 'fastify-plugin';
import { createRedis, type Redis } from '@gpuq/runtime';

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis;
  }
}

export const redisPlugin = fp<{ url: string }>(
  async (app, options) => {
    // Auto-pipelining sends the commands of concurrent requests in one write.
    const redis = createRedis(options.url, 'gpuq-api', { maxRetriesPerRequest: 2, enableAutoPipelining: true });
    redis.on('error', (err) => app.log.warn({ err }, 'redis connection error'));
    app.decorate('redis', redis);
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  },
  { name: 'redis' },
);
