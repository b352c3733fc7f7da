// A fresh Redis database for one test: numbered by an INCR in database 0, flushed before use.
import { inject } from 'vitest';
import { Redis } from 'ioredis';

export async function freshRedisUrl(): Promise<string> {
  const base = inject('redisUrl');
  const admin = new Redis(base, { maxRetriesPerRequest: 1 });
  try {
    const db = await admin.incr('gpuq-test:next-db');
    if (db >= 1024) throw new Error('out of test databases');
    const url = `${base}/${db}`;
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    await client.flushdb();
    await client.quit();
    return url;
  } finally {
    await admin.quit();
  }
}
