// Requests per key (a tenant, or `ip:<address>` for requests without a valid key) per minute,
// shared by every API replica through Redis, without a Redis round trip on most requests: each
// replica counts locally and adds its count to the key's window in Redis every 50 ms; near the
// limit (the last 10 %, or always for limits of 100 or less) it adds each request at once, so a
// key gets at most its limit plus what several replicas let through in one 50 ms flush of the
// first 90 %. Windows are whole minutes of the clock, the same on every replica.
import { keys } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';

const WINDOW_MS = 60_000;
const FLUSH_MS = 50;
const EXACT_BELOW = 100;

interface WindowCount {
  window: number;
  /** The window's total in Redis, as last read. */
  known: number;
  /** Counted here, not yet added in Redis. */
  pending: number;
  flush?: NodeJS.Timeout;
}

/** What a client may be told of its window: the RateLimit-* header fields, and Retry-After when refused. */
export interface RateDecision {
  isAllowed: boolean;
  limit: number;
  /** Requests left in this window after this one. */
  remaining: number;
  /** Seconds until the window ends (at least 1): RateLimit-Reset, and Retry-After when refused. */
  resetS: number;
}

export class RateLimiter {
  private readonly counts = new Map<string, WindowCount>();
  /** The newest window seen: counts of older ones are dropped when it changes. */
  private window = 0;

  constructor(
    private readonly redis: Redis,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `key` and says whether it is within `limit` this minute. */
  async check(key: string, limit: number): Promise<RateDecision> {
    const now = this.now();
    const window = this.windowAt(now);
    let count = this.counts.get(key);
    if (!count || count.window !== window) {
      if (count) this.drop(key, count);
      count = { window, known: 0, pending: 0 };
      this.counts.set(key, count);
    }
    const isNearLimit = limit <= EXACT_BELOW || count.known + count.pending + 1 > limit * 0.9;
    let total: number;
    if (isNearLimit) {
      const adding = count.pending + 1;
      count.pending = 0;
      total = await this.add(key, window, adding);
      count.known = Math.max(count.known, total);
    } else {
      count.pending++;
      total = count.known + count.pending;
      count.flush ??= setTimeout(() => void this.flush(key, count), FLUSH_MS);
      count.flush.unref();
    }
    return this.decision(total <= limit, limit, total, window, now);
  }

  /**
   * A refusal when `key` is already known here to be at its limit this minute, without counting
   * this request or asking Redis: what other replicas counted is known from the last count here.
   */
  refusal(key: string, limit: number): RateDecision | undefined {
    const now = this.now();
    const window = this.windowAt(now);
    const count = this.counts.get(key);
    if (!count || count.window !== window || count.known + count.pending < limit) return undefined;
    return this.decision(false, limit, count.known + count.pending, window, now);
  }

  private decision(isAllowed: boolean, limit: number, total: number, window: number, now: number): RateDecision {
    return { isAllowed, limit, remaining: Math.max(0, limit - total), resetS: Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000)) };
  }

  /** The window of `now`; entering a new one drops the counts of older ones (keys seen once, such as addresses, go with them). */
  private windowAt(now: number): number {
    const window = Math.floor(now / WINDOW_MS);
    if (window > this.window) {
      this.window = window;
      for (const [key, count] of this.counts) if (count.window < window) this.drop(key, count);
    }
    return window;
  }

  /** Forgets an old window's count, adding to Redis what it had not added yet. */
  private drop(key: string, count: WindowCount): void {
    if (count.flush) clearTimeout(count.flush);
    if (count.pending > 0) void this.add(key, count.window, count.pending).catch(() => undefined);
    this.counts.delete(key);
  }

  private async flush(key: string, count: WindowCount): Promise<void> {
    count.flush = undefined;
    if (count.pending === 0) return;
    const adding = count.pending;
    count.pending = 0;
    try {
      count.known = Math.max(count.known, await this.add(key, count.window, adding));
    } catch {
      count.pending += adding;
    }
  }

  /** Adds to the key's window in Redis; its new total. */
  private async add(key: string, window: number, amount: number): Promise<number> {
    const redisKey = keys.rateWindow(key, window);
    const total = await this.redis.incrby(redisKey, amount);
    if (total === amount) await this.redis.pexpire(redisKey, WINDOW_MS * 2);
    return total;
  }

  close(): void {
    for (const count of this.counts.values()) if (count.flush) clearTimeout(count.flush);
  }
}
