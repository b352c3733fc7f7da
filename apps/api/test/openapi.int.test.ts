// The OpenAPI document is generated from the zod schemas: it must be valid OpenAPI 3, hold every
// route the API serves, and every error response each route can give.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiErrors } from '@gpuq/shared';
import { buildTestApp, type TestApp } from './test-app.js';

let app: TestApp;
let doc: { paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>; components: { schemas?: Record<string, unknown> } };
beforeAll(async () => {
  app = await buildTestApp();
  doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(async () => {
  await app?.close();
});

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toMatch(/^3\./);
  });

  it('holds every route the API serves, with its methods', () => {
    const served: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) for (const method of Object.keys(methods)) served.push(`${method.toUpperCase()} ${path}`);
    expect(served.sort()).toEqual(
      [
        'GET /healthz',
        'GET /readyz',
        'POST /v1/jobs',
        'GET /v1/jobs',
        'GET /v1/jobs/{id}',
        'DELETE /v1/jobs/{id}',
        'GET /v1/jobs/{id}/result',
        'GET /v1/jobs/{id}/events',
        'GET /v1/jobs/{id}/artifacts/{name}',
        'POST /v1/batches',
        'GET /v1/batches/{id}',
        'GET /v1/gpus',
        'POST /v1/boxes/{boxId}/drain',
        'DELETE /v1/boxes/{boxId}/drain',
        'GET /cuopt/health',
        'POST /cuopt/request',
        'GET /cuopt/request/{id}',
        'DELETE /cuopt/request/{id}',
        'GET /cuopt/solution/{id}',
        'DELETE /cuopt/solution/{id}',
        'GET /cuopt/solution/{id}/incumbents',
        'GET /cuopt/log/{id}',
        'DELETE /cuopt/log/{id}',
        'GET /v1/system/status',
        'GET /v1/system/queue',
      ].sort(),
    );
  });

  it('documents the errors every /v1 route can give: 401 and 429 everywhere, 503 when Redis is away, and its own', () => {
    const expected: Record<string, string[]> = {
      'post /v1/jobs': ['400', '409', '413', '415', '422'],
      'get /v1/jobs': ['400'],
      'get /v1/jobs/{id}': ['404'],
      'delete /v1/jobs/{id}': ['404', '409'],
      'get /v1/jobs/{id}/result': ['404', '409'],
      'get /v1/jobs/{id}/artifacts/{name}': ['400', '404'],
      'post /v1/batches': ['400', '413', '415', '422'],
      'get /v1/batches/{id}': ['404'],
      'get /v1/system/status': ['403'],
      'get /v1/system/queue': ['403'],
      'post /v1/boxes/{boxId}/drain': ['400', '403'],
      'delete /v1/boxes/{boxId}/drain': ['400', '403'],
    };
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, operation] of Object.entries(methods)) {
        const statuses = Object.keys(operation.responses);
        for (const status of ['401', '429', '503', ...(expected[`${method} ${path}`] ?? [])]) {
          expect(statuses, `${method.toUpperCase()} ${path} documents ${status}`).toContain(status);
        }
      }
    }
  });

  it('lists every error code', () => {
    const text = JSON.stringify(doc);
    for (const code of Object.keys(apiErrors)) expect(text, code).toContain(code);
  });
});
