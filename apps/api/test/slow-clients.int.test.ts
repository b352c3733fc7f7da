// Slow clients over real sockets: a client cannot hold a connection by sending its headers or its
// body a little at a time, or by keeping an idle connection, past the configured timeouts (here
// small, so the test is quick); an event stream, whose request has fully arrived, stays open past
// them. Times are asserted as bounds (closed before 3× the timeout), not as exact figures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@gpuq/testkit';
import { CONTRACTS_LP } from '../../../test/fixtures/problems.js';
import { auth, buildTestApp, KEYS, type TestApp } from './test-app.js';
import { errorOf, listen, openConnection, parseResponse } from './raw-http.js';

const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
const KEEP_ALIVE_TIMEOUT_MS = 1_000;
const CHECK_INTERVAL_MS = 250;

let app: TestApp;
let port: number;
beforeAll(async () => {
  app = await buildTestApp({
    api: {
      http: { headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS, keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS, checkIntervalMs: CHECK_INTERVAL_MS },
    },
  });
  port = await listen(app);
});
afterAll(async () => {
  await app?.close();
});

describe('a slow client', () => {
  it('sending a header line every 300 ms is answered 408 and cut within the header timeout', async () => {
    const connection = await openConnection(port);
    connection.socket.write('GET /healthz HTTP/1.1\r\nhost: gpuq\r\n');
    connection.trickle((i) => `x-slow-${i}: 1\r\n`, 300);
    const closedAfterMs = await connection.closedWithin(3 * HEADERS_TIMEOUT_MS);
    expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    const response = parseResponse(connection.received());
    expect(response.status).toBe(408);
    expect(errorOf(response).code).toBe('request_timeout');
  });

  it('that opens a connection and sends nothing is cut within the header timeout', async () => {
    const connection = await openConnection(port);
    await connection.closedWithin(3 * HEADERS_TIMEOUT_MS);
  });

  it('sending its body a byte every 200 ms is cut within the request timeout, although its headers came at once', async () => {
    const connection = await openConnection(port);
    connection.socket.write(`POST /v1/jobs HTTP/1.1\r\nhost: gpuq\r\nauthorization: Bearer ${KEYS.acme}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{`);
    connection.trickle(() => ' ', 200);
    const closedAfterMs = await connection.closedWithin(3 * REQUEST_TIMEOUT_MS);
    // Past the header timeout: the headers were complete, the body is what came too slowly.
    expect(closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    const response = parseResponse(connection.received());
    expect(response.status).toBe(408);
    expect(errorOf(response).code).toBe('request_timeout');
  });

  it('holding a keep-alive connection idle after its answer is cut within the keep-alive timeout', async () => {
    const connection = await openConnection(port);
    connection.socket.write('GET /healthz HTTP/1.1\r\nhost: gpuq\r\nconnection: keep-alive\r\n\r\n');
    // Node closes it a second after the keep-alive timeout (its margin for the client's own timer).
    const closedAfterMs = await connection.closedWithin(3 * KEEP_ALIVE_TIMEOUT_MS);
    expect(closedAfterMs).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 50);
    // It was answered, and kept alive for a while, before being closed.
    const response = parseResponse(connection.received());
    expect(response.status).toBe(200);
    expect(response.headers.connection).toBe('keep-alive');
  });
});

describe('an event stream', () => {
  it('stays open past the request timeout, and still delivers the job’s end', async () => {
    const submitted = await app.inject({ method: 'POST', url: '/v1/jobs', headers: auth('acme'), payload: { kind: 'solve', input: CONTRACTS_LP } });
    expect(submitted.statusCode).toBe(202);
    const { id } = submitted.json<{ id: string }>();
    const connection = await openConnection(port);
    connection.socket.write(`GET /v1/jobs/${id}/events HTTP/1.1\r\nhost: gpuq\r\nauthorization: Bearer ${KEYS.acme}\r\naccept: text/event-stream\r\n\r\n`);
    let isClosed = false;
    void connection.closed.then(() => (isClosed = true));
    // Past twice the request timeout, and the checks after it: a stream cut by it would be closed by then.
    const openUntil = Date.now() + 2 * REQUEST_TIMEOUT_MS + 2 * CHECK_INTERVAL_MS;
    await waitFor(() => isClosed || Date.now() >= openUntil, { what: 'the stream to close or outlive the request timeout', timeoutMs: 3 * REQUEST_TIMEOUT_MS });
    expect(isClosed).toBe(false);
    expect(connection.received()).toContain('event: job');
    expect((await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: auth('acme') })).statusCode).toBe(202);
    await waitFor(() => connection.received().includes('event: end'), { what: 'event: end on the stream', timeoutMs: 10_000 });
    connection.socket.destroy();
  });
});
