// The OpenAPI document is generated from the zod schemas: it must be valid OpenAPI 3, hold every
// route the API serves, and every error response each route can give, and be what a client
// generator needs: operationIds, named shared schemas, an example per kind, the real security.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiErrors, JobRequest, KINDS } from '@gpuq/shared';
import { OPERATION_IDS } from '../src/plugins/openapi-operations.js';
import { buildTestApp, type TestApp } from './test-app.js';

interface Operation {
  operationId?: string;
  description?: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  requestBody?: { content: Record<string, { schema?: unknown; examples?: Record<string, { value: unknown }> }> };
  security?: unknown[];
}

let app: TestApp;
let doc: {
  info: { description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, Record<string, unknown>> };
  security?: unknown[];
};
const operations = () => Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));

/** Every `$ref` under `value`. */
function refsIn(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') into.push(child);
      else refsIn(child, into);
    }
  }
  return into;
}

const ADMIN_ROUTES = ['get /v1/system/status', 'get /v1/system/queue', 'get /v1/system/failures', 'post /v1/boxes/{boxId}/drain', 'delete /v1/boxes/{boxId}/drain'];
const KEYLESS_ROUTES = ['get /healthz', 'get /readyz', 'get /cuopt/health'];
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
        'GET /v1/jobs/{id}/logs',
        'GET /v1/jobs/{id}/incumbent',
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
        'GET /v1/system/failures',
        'GET /v1/jobs/{id}/attempts',
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

  it('gives every operation a unique camelCase operationId, and names no route it does not serve', () => {
    const ids = operations().map(({ path, method, operation }) => {
      expect(operation.operationId, `${method.toUpperCase()} ${path} has an operationId`).toMatch(/^[a-z][A-Za-z0-9]*$/);
      return operation.operationId;
    });
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(Object.values(OPERATION_IDS).sort());
    expect(doc.paths['/v1/jobs']!.post!.operationId).toBe('submitJob');
    expect(doc.paths['/v1/jobs/{id}']!.delete!.operationId).toBe('cancelJob');
  });

  it('names the shared schemas as components, refers to them from the paths, and inlines none of them again', () => {
    const schemas = doc.components.schemas ?? {};
    const main = ['JobRequest', 'SolveInput', 'FoldInput', 'InferenceInput', 'InferenceResult', 'BatchRequest', 'JobView', 'JobPage', 'BatchView', 'GpusView', 'SystemStatus', 'QueueOverview', 'ErrorReply'];
    for (const name of main) expect(Object.keys(schemas), name).toContain(name);
    // One form per schema where one will do: no SolveInputInput beside SolveInput.
    for (const name of Object.keys(schemas)) expect(schemas, `${name} and ${name}Input`).not.toHaveProperty(`${name}Input`);
    const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
    const json = (operation: Operation | undefined, status: string) => operation?.responses[status]?.content?.['application/json']?.schema;
    expect(doc.paths['/v1/jobs']!.post!.requestBody!.content['application/json']!.schema).toEqual(ref('JobRequest'));
    expect(json(doc.paths['/v1/jobs']!.post, '202')).toEqual(ref('JobView'));
    expect(json(doc.paths['/v1/jobs/{id}']!.get, '200')).toEqual(ref('JobView'));
    expect(json(doc.paths['/v1/jobs']!.get, '200')).toEqual(ref('JobPage'));
    expect(json(doc.paths['/v1/batches/{id}']!.get, '200')).toEqual(ref('BatchView'));
    expect(json(doc.paths['/v1/gpus']!.get, '200')).toEqual(ref('GpusView'));
    expect(json(doc.paths['/v1/system/status']!.get, '200')).toEqual(ref('SystemStatus'));
    expect(doc.paths['/v1/batches']!.post!.requestBody!.content['application/json']!.schema).toEqual(ref('BatchRequest'));
    for (const { path, method, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) >= 400 && response.content) expect(json(operation, status), `${method} ${path} ${status}`).toEqual(ref('ErrorReply'));
      }
    }
    // The kinds' inputs are reached through the request's union, each once.
    expect(refsIn(schemas.SolveJobRequest)).toContain('#/components/schemas/SolveInput');
    expect(refsIn(schemas.FoldJobRequest)).toContain('#/components/schemas/FoldInput');
    expect(refsIn(schemas.InferenceJobRequest)).toContain('#/components/schemas/InferenceInput');
    // A field only JobView has is written once in the whole document: nowhere inlined.
    expect(JSON.stringify(doc).split('"pendingReason":').length - 1).toBe(1);
    // Every reference resolves.
    for (const target of refsIn(doc)) expect(Object.keys(schemas), target).toContain(target.replace('#/components/schemas/', ''));
  });

  it('shows an example per kind on POST /v1/jobs, an MPS solve among them, each a valid JobRequest', () => {
    const examples = doc.paths['/v1/jobs']!.post!.requestBody!.content['application/json']!.examples ?? {};
    const values = Object.values(examples).map((example) => example.value);
    for (const [name, example] of Object.entries(examples)) {
      const parsed = JobRequest.safeParse(example.value);
      expect(parsed.error?.issues ?? [], name).toEqual([]);
    }
    expect(new Set(values.map((value) => (value as { kind: string }).kind))).toEqual(new Set(KINDS));
    expect(values.some((value) => (value as { input: { format?: string } }).input.format === 'mps')).toBe(true);
  });

  it('describes both ways to send a key, asks none of health and readiness, and marks the admin routes', () => {
    expect(doc.components.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes?.basicAuth).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(doc.security).toEqual([{ bearerAuth: [] }, { basicAuth: [] }]);
    for (const { path, method, operation } of operations()) {
      const route = `${method} ${path}`;
      if (KEYLESS_ROUTES.includes(route)) expect(operation.security, route).toEqual([]);
      else expect(operation.security, route).toEqual([{ bearerAuth: [] }, { basicAuth: [] }]);
      expect(operation.description?.includes('Admins only') ?? false, route).toBe(ADMIN_ROUTES.includes(route));
    }
  });

  it('has no text that Swagger UI would take for HTML and drop', () => {
    const texts: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object') {
        for (const [key, child] of Object.entries(value)) {
          if ((key === 'description' || key === 'summary') && typeof child === 'string') texts.push(child);
          else if (key !== 'examples') walk(child);
        }
      }
    };
    walk(doc);
    for (const text of texts) expect(text).not.toMatch(/<[A-Za-z!/]/);
    expect(doc.info.description).toContain('Authorization: Bearer &lt;key&gt;');
  });
});
