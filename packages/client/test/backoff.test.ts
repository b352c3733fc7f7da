import { describe, expect, it } from 'vitest';
import { backoffDelayMs, POLL_BACKOFF, RETRY_BACKOFF, retryAfterMs } from '../src/backoff.js';

describe('backoffDelayMs', () => {
  it('polls at 250 ms, then 1.5 times longer each time, never over 5 s', () => {
    const delays = Array.from({ length: 12 }, (_, attempt) => backoffDelayMs(attempt, POLL_BACKOFF));
    expect(delays.slice(0, 5)).toEqual([250, 375, 563, 844, 1266]);
    expect(Math.max(...delays)).toBe(5_000);
    expect(delays.slice(-3)).toEqual([5_000, 5_000, 5_000]);
  });

  it('retries after 200, 400, 800 ms…, less up to half at random so clients do not retry in step', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelayMs(a, RETRY_BACKOFF, () => 0))).toEqual([200, 400, 800, 1_600]);
    expect([0, 1, 2, 3].map((a) => backoffDelayMs(a, RETRY_BACKOFF, () => 0.999_999))).toEqual([100, 200, 400, 800]);
    expect(backoffDelayMs(30, RETRY_BACKOFF, () => 0)).toBe(5_000);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3_000);
    expect(retryAfterMs('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-1', now)).toBeUndefined();
  });
});
