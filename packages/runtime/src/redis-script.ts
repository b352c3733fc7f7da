// A Lua script run by its SHA1 (EVALSHA): its text goes to Redis once, not with every call. A Redis
// that has not seen it yet (new, restarted, flushed) answers NOSCRIPT, and EVAL loads it.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export class RedisScript {
  private readonly sha: string;

  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err as Error).message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
