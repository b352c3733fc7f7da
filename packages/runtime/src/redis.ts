// Redis connections. BullMQ needs `maxRetriesPerRequest: null` on the connections it blocks on;
// commands queue while Redis is briefly away rather than failing the caller at once.
import { Redis, type RedisOptions } from 'ioredis';

export { Redis } from 'ioredis';

export function createRedis(url: string, connectionName: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    connectionName,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    // Reconnect quickly at first, then at most every 2 s: Redis restarts are short.
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2_000),
    ...extra,
  });
}

/** Options for BullMQ's own connections, derived from the same URL. */
export function bullConnection(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(50 * 2 ** times, 2_000),
  };
}
