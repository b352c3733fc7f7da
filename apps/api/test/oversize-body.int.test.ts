// A body over the limit gets its 413, in the one error shape, even from a client that writes the
// whole body before it reads anything (Python's urllib; Node's fetch): the server reads and throws
// away the rest, up to api.http.oversizeBodyDrainMb, before it answers and closes. Past that bound
// it answers at once and closes. The limit here is 1 MiB; the bodies 5 MiB.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, buildTestApp, KEYS, type TestApp } from './test-app.js';
import { errorOf, listen, openConnection, parseResponse } from './raw-http.js';

const MIB = 1024 * 1024;
const BODY_BYTES = 5 * MIB;

let app: TestApp;
let port: number;
beforeAll(async () => {
  app = await buildTestApp({ api: { http: { oversizeBodyDrainMb: 8 } } }, { maxBodyBytes: MIB });
  port = await listen(app);
});
afterAll(async () => {
  await app?.close();
});

/** Python's urllib sends the whole body, then reads: what it printed (the status and the body, or its error). */
async function postWithUrllib(url: string, bytes: number): Promise<string> {
  const script = [
    'import sys, urllib.request, urllib.error',
    `request = urllib.request.Request(sys.argv[1], data=b" " * ${bytes}, headers={"content-type": "application/json", "authorization": "Bearer ${KEYS.acme}"})`,
    'try:',
    '    urllib.request.urlopen(request)',
    'except urllib.error.HTTPError as e:',
    '    print(e.code, e.read().decode())',
    'except Exception as e:',
    '    print("failed", repr(e))',
  ].join('\n');
  // Not execFileSync: the server answering it runs on this event loop.
  const { stdout } = await promisify(execFile)('python3', ['-c', script, url], { timeout: 30_000 });
  return stdout.trim();
}

const hasPython = await promisify(execFile)('python3', ['-c', 'import urllib.request']).then(
  () => true,
  () => false,
);

describe('a body over the limit', () => {
  it('gets its 413 through fetch, which sends it all with Content-Length', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/v1/jobs`, { method: 'POST', headers: { ...auth('acme'), 'content-type': 'application/json' }, body: Buffer.alloc(BODY_BYTES, 0x20) });
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(errorOf({ body: await response.text() }).code).toBe('payload_too_large');
  });

  it('gets its 413 through fetch when it is sent in chunks, with no length declared', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let sent = 0; sent < BODY_BYTES; sent += MIB) controller.enqueue(new Uint8Array(MIB).fill(0x20));
        controller.close();
      },
    });
    const response = await fetch(`http://127.0.0.1:${port}/v1/jobs`, { method: 'POST', headers: { ...auth('acme'), 'content-type': 'application/json' }, body, duplex: 'half' });
    expect(response.status).toBe(413);
    expect(errorOf({ body: await response.text() }).code).toBe('payload_too_large');
  });

  it.skipIf(!hasPython)('gets its 413 through Python’s urllib, which reads nothing before it has sent everything', async () => {
    const printed = await postWithUrllib(`http://127.0.0.1:${port}/v1/jobs`, BODY_BYTES);
    expect(printed).toMatch(/^413 /);
    expect(errorOf({ body: printed.slice(4) }).code).toBe('payload_too_large');
  });

  it('past the drain bound is answered 413 at once, without waiting for the body, and the connection closed', async () => {
    const connection = await openConnection(port);
    connection.socket.write(`POST /v1/jobs HTTP/1.1\r\nhost: gpuq\r\nauthorization: Bearer ${KEYS.acme}\r\ncontent-type: application/json\r\ncontent-length: ${9 * MIB}\r\n\r\n`);
    await connection.closedWithin(5_000);
    const response = parseResponse(connection.received());
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(errorOf(response).code).toBe('payload_too_large');
  });
});
