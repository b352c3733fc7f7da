// Every error a client can meet is in the one shape, `{"error": {"code", "message", "details"?}}`,
// those Fastify and Node answer before any route runs included (an unroutable path, a path part
// too long, a request that is not HTTP, headers too large); and a DELETE or GET sent with a
// content type and an empty body, as many clients send it, does what it does without one.
// Over real sockets: some of these never reach inject.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACTS_LP } from '../../../test/fixtures/problems.js';
import { auth, buildTestApp, KEYS, type TestApp } from './test-app.js';
import { errorOf, exchange, listen, parseResponse } from './raw-http.js';

let app: TestApp;
let port: number;
beforeAll(async () => {
  app = await buildTestApp({ api: { rateLimitPerMinute: 10_000 } });
  port = await listen(app);
});
afterAll(async () => {
  await app?.close();
});

const authorization = `authorization: Bearer ${KEYS.acme}\r\n`;
const request = (head: string, body = '') => `${head}\r\nhost: gpuq\r\nconnection: close\r\n${authorization}${body ? `content-length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`;

describe('every error', () => {
  const cases: Array<{ what: string; send: string; status: number; code: string; detailPath?: string }> = [
    { what: 'a route that does not exist', send: request('GET /v1/nothing-here HTTP/1.1'), status: 404, code: 'route_not_found' },
    { what: 'a method a route does not take (404 rather than 405, as Fastify does)', send: request('PATCH /v1/jobs HTTP/1.1'), status: 404, code: 'route_not_found' },
    { what: 'a body that is not JSON', send: request('POST /v1/jobs HTTP/1.1\r\ncontent-type: text/plain', 'kind=solve'), status: 415, code: 'unsupported_media_type' },
    { what: 'a content type that does not parse', send: request('POST /v1/jobs HTTP/1.1\r\ncontent-type: ;;;', '{}'), status: 415, code: 'unsupported_media_type' },
    { what: 'a body that is not valid JSON', send: request('POST /v1/jobs HTTP/1.1\r\ncontent-type: application/json', '{"kind":'), status: 400, code: 'validation_failed', detailPath: '(body)' },
    { what: 'a declared body over the limit', send: request('POST /v1/jobs HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: 999999999'), status: 413, code: 'payload_too_large' },
    { what: 'a path with a broken percent-escape', send: request('GET /v1/jobs/%E0%A4%A HTTP/1.1'), status: 400, code: 'validation_failed', detailPath: '(url)' },
    { what: 'an artifact name over 255 characters, named as the field at fault', send: request(`GET /v1/jobs/x/artifacts/${'a'.repeat(300)} HTTP/1.1`), status: 400, code: 'validation_failed', detailPath: 'params.name' },
    { what: 'a path part longer than any the server routes', send: request(`GET /v1/jobs/${'a'.repeat(5_000)} HTTP/1.1`), status: 414, code: 'uri_too_long' },
    { what: 'bytes that are not HTTP', send: 'GARBAGE\r\n\r\n', status: 400, code: 'validation_failed' },
    { what: 'headers over 16 KiB', send: request(`GET /healthz HTTP/1.1\r\nx-large: ${'a'.repeat(20_000)}`), status: 431, code: 'headers_too_large' },
  ];

  it.each(cases)('is in the one shape: $what → $status $code', async ({ send, status, code, detailPath }) => {
    const response = parseResponse(await exchange(port, send));
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const error = errorOf(response);
    expect(error.code).toBe(code);
    if (detailPath) expect(error.details?.map((d) => d.path)).toContain(detailPath);
  });
});

describe('a DELETE or GET with a content type and an empty body', () => {
  const submit = async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/jobs', headers: auth('acme'), payload: { kind: 'solve', input: CONTRACTS_LP } });
    expect(response.statusCode).toBe(202);
    return response.json<{ id: string }>().id;
  };

  it('cancels the job, sent by fetch with content-type: application/json', async () => {
    const id = await submit();
    const response = await fetch(`http://127.0.0.1:${port}/v1/jobs/${id}`, { method: 'DELETE', headers: { ...auth('acme'), 'content-type': 'application/json' } });
    expect(response.status).toBe(202);
    expect(((await response.json()) as { status: string }).status).toBe('cancelled');
  });

  it.each([
    ['application/json, no length', 'content-type: application/json\r\n', ''],
    ['application/json, length 0', 'content-type: application/json\r\ncontent-length: 0\r\n', ''],
    ['application/json, chunked', 'content-type: application/json\r\ntransfer-encoding: chunked\r\n', '0\r\n\r\n'],
    ['text/plain, length 0', 'content-type: text/plain\r\ncontent-length: 0\r\n', ''],
    ['form, no length', 'content-type: application/x-www-form-urlencoded\r\n', ''],
  ])('cancels the job, and reads it, whatever the content type (%s)', async (_what, headers, body) => {
    const id = await submit();
    const send = (method: string) => `${method} /v1/jobs/${id} HTTP/1.1\r\nhost: gpuq\r\nconnection: close\r\n${authorization}${headers}\r\n${body}`;
    const read = parseResponse(await exchange(port, send('GET')));
    expect(read.status).toBe(200);
    const cancelled = parseResponse(await exchange(port, send('DELETE')));
    expect(cancelled.status).toBe(202);
    expect((JSON.parse(cancelled.body) as { status: string }).status).toBe('cancelled');
  });

  it('still refuses a body of another type than JSON on a DELETE, with 415', async () => {
    const id = await submit();
    const response = parseResponse(await exchange(port, request(`DELETE /v1/jobs/${id} HTTP/1.1\r\ncontent-type: text/plain`, 'please')));
    expect(response.status).toBe(415);
    expect(errorOf(response).code).toBe('unsupported_media_type');
  });
});
