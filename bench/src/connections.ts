// The bench's own Redis connections. They fail fast rather than retry, and their error events are
// dropped: Redis only goes away when the bench is interrupted, and then every pending call fails
// and the run stops anyway; unheard, ioredis would print each reconnect attempt.
import { BULLMQ_PREFIX } from '@gpuq/shared';
import { bullConnection, Redis } from '@gpuq/runtime';

export function benchRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  return redis;
}

/** Options for a BullMQ Queue, QueueEvents or Worker on gpuq's prefix, as the API and scheduler open them. */
export function bullOptions(url: string) {
  return { connection: bullConnection(url), prefix: BULLMQ_PREFIX };
}

export function ignoreErrors<T extends { on(event: 'error', listener: (err: Error) => void): unknown }>(emitter: T): T {
  emitter.on('error', () => undefined);
  return emitter;
}

/** Redis's own CPU time so far (INFO cpu: user + system), seconds. */
export async function redisCpuS(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}
