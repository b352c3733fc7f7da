// Thousands of random and mutated requests: bodies, headers and paths. Whatever a client sends,
// the API answers with a 4xx in the error shape, or a success; never a 5xx, never a crash.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACTS_LP, SMALL_MILP } from '../../../test/fixtures/problems.js';
import { auth, buildTestApp, type TestApp } from './test-app.js';
import { fakeLookup, PUBLIC_ADDRESS } from './fake-dns.js';

let app: TestApp;
beforeAll(async () => {
  app = await buildTestApp({ api: { rateLimitPerMinute: 1_000_000, webhooks: { allowedHosts: ['hooks.test'] } } }, { webhookLookup: fakeLookup({ 'hooks.test': PUBLIC_ADDRESS }) });
});
afterAll(async () => {
  await app?.close();
});

/** Mutates a valid value: drops, replaces or retypes fields, at any depth. */
function mutated<T>(valid: T): fc.Arbitrary<unknown> {
  const anything = fc.oneof(fc.anything(), fc.constant(null), fc.constant('inf'), fc.constant('ninf'), fc.double(), fc.integer(), fc.string(), fc.constant([]), fc.constant({}));
  return fc.tuple(fc.array(fc.tuple(fc.nat(), anything, fc.boolean()), { minLength: 1, maxLength: 4 })).map(([edits]) => {
    const copy = structuredClone(valid) as unknown;
    for (const [pick, value, isDelete] of edits) {
      // Walk to a random node and change it.
      let node = copy;
      let parent: Record<string, unknown> | unknown[] | undefined;
      let key: string | number | undefined;
      for (let depth = 0; depth < 4 && node && typeof node === 'object'; depth++) {
        const keys = Object.keys(node);
        if (keys.length === 0) break;
        key = keys[(pick + depth) % keys.length]!;
        parent = node as Record<string, unknown>;
        node = (node as Record<string, unknown>)[key];
      }
      if (parent && key !== undefined) {
        if (isDelete && !Array.isArray(parent)) delete (parent)[key];
        else (parent as Record<string, unknown>)[key] = value;
      }
    }
    return copy;
  });
}

const validJob = { kind: 'solve', input: CONTRACTS_LP, priority: 60, labels: { team: 'ops' }, resources: { vramMb: 1024 }, timeoutSeconds: 60, webhook: { url: 'https://hooks.test/x' } };

const body = fc.oneof(
  mutated(validJob),
  mutated({ kind: 'solve', input: SMALL_MILP }),
  mutated({ jobs: [validJob, validJob] }),
  fc.json(),
  fc.anything(),
  fc.string(),
);

const path = fc.oneof(
  fc.constantFrom('/v1/jobs', '/v1/batches', '/v1/jobs/solve_01m84400000000000000000000', '/v1/gpus', '/v1/system/status', '/v1/jobs?limit=5', '/healthz', '/readyz'),
  fc.string().map((s) => `/v1/jobs/${encodeURIComponent(s)}`),
  fc.string().map((s) => `/v1/jobs/solve_x/artifacts/${encodeURIComponent(s)}`),
  fc.string().map((s) => `/v1/jobs?${s}`),
  fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
);

const headers = fc.record(
  {
    'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', ''),
    'idempotency-key': fc.string({ maxLength: 300 }),
    authorization: fc.oneof(fc.constant(auth('acme').authorization), fc.constant(auth('admin').authorization), fc.string(), fc.constant('Bearer ')),
  },
  { requiredKeys: [] },
);

describe('the API under random requests', () => {
  it('never answers 5xx to anything a client sends, and every error has the shape', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'), path, headers, body, async (method, url, extraHeaders, payload) => {
        const response = await app.inject({
          method: method as 'GET',
          url,
          headers: { authorization: auth('acme').authorization, ...extraHeaders },
          ...(method === 'GET' || method === 'DELETE' ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) ?? 'null' }),
        });
        expect(response.statusCode, `${method} ${url} → ${response.body.slice(0, 300)}`).toBeLessThan(500);
        if (response.statusCode >= 400) {
          const reply = response.json<{ error: { code: string; message: string } }>();
          expect(typeof reply.error.code).toBe('string');
          expect(typeof reply.error.message).toBe('string');
        }
      }),
      { numRuns: 3_000 },
    );
  }, 300_000);
});
