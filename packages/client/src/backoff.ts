// Delays between tries: exponential, capped, with jitter so that many clients that failed
// together do not all come back together. Pure, so the schedule is tested without waiting.

export interface BackoffOptions {
  /** The first delay. */
  initialMs: number;
  /** Each delay is the previous one times this. */
  factor: number;
  /** No delay is longer. */
  maxMs: number;
  /**
   * Up to this share of each delay is taken off at random (0: none, 1: anywhere from 0 to the full delay).
   * @defaultValue 0
   */
  jitter?: number;
}

/** Retrying a request that failed for a passing reason: 200, 400, 800 ms… (less up to half). */
export const RETRY_BACKOFF: BackoffOptions = { initialMs: 200, factor: 2, maxMs: 5_000, jitter: 0.5 };

/** Polling a job that has not ended: 250 ms, ×1.5 each time, at most 5 s. */
export const POLL_BACKOFF: BackoffOptions = { initialMs: 250, factor: 1.5, maxMs: 5_000, jitter: 0 };

/** The delay before try number `attempt` + 1 (attempt 0 is the first retry). */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const full = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt));
  return Math.round(full * (1 - (options.jitter ?? 0) * random()));
}

/** Retry-After in ms: seconds, or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1_000;
  // An HTTP date has a day name; Date.parse alone would take '-1' for a year.
  const at = /^[A-Za-z]{3},/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
