// Requests per tenant per minute, shared by every API replica through Redis, without a Redis
// round trip on most requests: each replica counts locally and adds its count to the tenant's
// window in Redis every 50 ms; near the limit (the last 10 %, or always for limits of 100 or
// less) it adds each request at once, so a tenant gets at most its limit plus what several
// replicas let through in one 50 ms flush of the first 90 %.
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

export type RateDecision = { isAllowed: true } | { isAllowed: false; retryAfterS: number };

export class RateLimiter {
  private readonly counts = new Map<string, WindowCount>();

  constructor(
    private readonly redis: Redis,
    private readonly now: () => number = Date.now,
  ) {}

  async check(tenant: string, limit: number): Promise<RateDecision> {
    const now = this.now();
    const window = Math.floor(now / WINDOW_MS);
    let count = this.counts.get(tenant);
    if (!count || count.window !== window) {
      if (count?.flush) clearTimeout(count.flush);
      if (count && count.pending > 0) void this.add(tenant, count.window, count.pending).catch(() => undefined);
      count = { window, known: 0, pending: 0 };
      this.counts.set(tenant, count);
    }
    const isNearLimit = limit <= EXACT_BELOW || count.known + count.pending + 1 > limit * 0.9;
    let total: number;
    if (isNearLimit) {
      const adding = count.pending + 1;
      count.pending = 0;
      total = await this.add(tenant, window, adding);
      count.known = Math.max(count.known, total);
    } else {
      count.pending++;
      total = count.known + count.pending;
      count.flush ??= setTimeout(() => void this.flush(tenant, count), FLUSH_MS);
      count.flush.unref();
    }
    if (total <= limit) return { isAllowed: true };
    return { isAllowed: false, retryAfterS: Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000)) };
  }

  private async flush(tenant: string, count: WindowCount): Promise<void> {
    count.flush = undefined;
    if (count.pending === 0) return;
    const adding = count.pending;
    count.pending = 0;
    try {
      count.known = Math.max(count.known, await this.add(tenant, count.window, adding));
    } catch {
      count.pending += adding;
    }
  }

  /** Adds to the tenant's window in Redis; its new total. */
  private async add(tenant: string, window: number, amount: number): Promise<number> {
    const key = keys.rateWindow(tenant, window);
    const total = await this.redis.incrby(key, amount);
    if (total === amount) await this.redis.pexpire(key, WINDOW_MS * 2);
    return total;
  }

  close(): void {
    for (const count of this.counts.values()) if (count.flush) clearTimeout(count.flush);
  }
}
