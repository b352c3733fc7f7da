// Requests without a valid key are limited per source address (a flood of wrong keys gets 429, and
// so does a right key from that address until the minute ends, so keys cannot be guessed faster);
// tenant routes say their window in RateLimit-* header fields; every 429 says Retry-After.
import { afterEach, describe, expect, it } from 'vitest';
import { keys } from '@gpuq/shared';
import { auth, buildTestApp, KEYS, type TestApp } from './test-app.js';
import { errorOf, listen } from './raw-http.js';

/** Waits out the last seconds of a minute: the limits count whole minutes of the clock, and a count must not straddle two. */
async function clearOfMinuteEnd(neededMs = 5_000): Promise<void> {
  const leftMs = 60_000 - (Date.now() % 60_000);
  if (leftMs < neededMs) await new Promise((resolve) => setTimeout(resolve, leftMs + 20));
}

const currentWindow = () => Math.floor(Date.now() / 60_000);

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('requests without a valid key', () => {
  it('get 429 with Retry-After past the per-address limit, before the key is even looked at', async () => {
    app = await buildTestApp({ api: { unauthenticatedPerMinute: 5 } });
    const url = `http://127.0.0.1:${await listen(app)}/v1/jobs`;
    await clearOfMinuteEnd();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const response = await fetch(url, { headers: i % 2 ? { authorization: 'Bearer not-a-key' } : {} });
      statuses.push(response.status);
      if (response.status === 429) {
        const retryAfterS = Number(response.headers.get('retry-after'));
        expect(retryAfterS).toBeGreaterThanOrEqual(1);
        expect(retryAfterS).toBeLessThanOrEqual(60);
        expect(errorOf({ body: await response.text() }).code).toBe('rate_limited');
      } else {
        await response.text();
      }
    }
    expect(statuses).toEqual([...Array<number>(5).fill(401), ...Array<number>(25).fill(429)]);
    // A valid key from that address waits too: a guess that happened to be right would say so otherwise.
    expect((await fetch(url, { headers: auth('acme') })).status).toBe(429);
    // Refusals cost no Redis round trip: the address's window holds the five requests that were counted.
    expect(Number(await app.client.get(keys.rateWindow('ip:127.0.0.1', currentWindow())))).toBe(5);
  });

  it('limits each address on its own, and leaves valid keys from other addresses alone', async () => {
    app = await buildTestApp({ api: { unauthenticatedPerMinute: 2 } });
    await clearOfMinuteEnd();
    const from = async (remoteAddress: string, headers: Record<string, string>) => (await app!.inject({ method: 'GET', url: '/v1/jobs', remoteAddress, headers })).statusCode;
    const guess = { authorization: 'Bearer not-a-key' };
    expect([await from('10.0.0.1', guess), await from('10.0.0.1', guess), await from('10.0.0.1', guess)]).toEqual([401, 401, 429]);
    expect(await from('10.0.0.2', guess)).toBe(401);
    expect(await from('10.0.0.3', auth('acme'))).toBe(200);
    // Valid keys are not counted against their address.
    for (let i = 0; i < 3; i++) expect(await from('10.0.0.4', auth('globex'))).toBe(200);
    expect(await from('10.0.0.4', guess)).toBe(401);
  });

  it('counts key guesses at the queue board (HTTP Basic) against the address too', async () => {
    app = await buildTestApp({ api: { unauthenticatedPerMinute: 2 } });
    await clearOfMinuteEnd();
    const board = async (password: string) => {
      const response = await app!.inject({ method: 'GET', url: '/admin/queues', remoteAddress: '10.0.1.1', headers: { authorization: `Basic ${Buffer.from(`x:${password}`).toString('base64')}` } });
      return [response.statusCode, response.headers['retry-after'] === undefined ? undefined : 'retry-after'];
    };
    expect([await board('guess-1'), await board('guess-2'), await board('guess-3')]).toEqual([[401, undefined], [401, undefined], [429, 'retry-after']]);
    // A /v1 request from that address is past the same limit.
    expect((await app.inject({ method: 'GET', url: '/v1/jobs', remoteAddress: '10.0.1.1', headers: auth('acme') })).statusCode).toBe(429);
  });
});

describe('tenant routes', () => {
  it('say the window in RateLimit-Limit, -Remaining and -Reset, and Retry-After once over it', async () => {
    app = await buildTestApp({ api: { tenants: { globex: { rateLimitPerMinute: 3 } } } });
    await clearOfMinuteEnd();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await app.inject({ method: 'GET', url: '/v1/jobs', headers: auth('globex') }));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 429]);
    expect(answers.map((a) => a.headers['ratelimit-limit'])).toEqual(['3', '3', '3', '3']);
    expect(answers.map((a) => a.headers['ratelimit-remaining'])).toEqual(['2', '1', '0', '0']);
    for (const answer of answers) {
      const resetS = Number(answer.headers['ratelimit-reset']);
      expect(resetS).toBeGreaterThanOrEqual(1);
      expect(resetS).toBeLessThanOrEqual(60);
    }
    expect(answers.slice(0, 3).every((a) => a.headers['retry-after'] === undefined)).toBe(true);
    expect(answers[3]!.headers['retry-after']).toBe(answers[3]!.headers['ratelimit-reset']);
    expect(errorOf({ body: answers[3]!.body }).code).toBe('rate_limited');
  });

  it('count down RateLimit-Remaining under a large limit too, counted locally between flushes to Redis', async () => {
    app = await buildTestApp({});
    await clearOfMinuteEnd();
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await app.inject({ method: 'GET', url: `/v1/jobs/nope-${i}`, headers: { authorization: `Bearer ${KEYS.acme}` } });
      expect(answer.statusCode).toBe(404);
      expect(answer.headers['ratelimit-limit']).toBe('1200');
      remaining.push(Number(answer.headers['ratelimit-remaining']));
    }
    expect(remaining).toEqual([1199, 1198, 1197, 1196, 1195]);
  });
});
