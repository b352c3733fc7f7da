// Webhooks as a hostile tenant would use them, against a real Redis and real sockets: every trick
// for reaching what listens on the API's own network is refused at submit with a reason, checked
// again at delivery (a name may resolve elsewhere by then), and a failed delivery records the same
// words whatever refused, reset or ignored the connection.
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView, WebhookDelivery } from '@gpuq/shared';
import { waitFor } from '@gpuq/testkit';
import { CONTRACTS_LP } from '../../../test/fixtures/problems.js';
import { noAnswerReason } from '../src/webhooks/delivery.js';
import { fakeLookup, PUBLIC_ADDRESS } from './fake-dns.js';
import { auth, buildTestApp, type TestApp } from './test-app.js';

type ErrorReply = { error: { code: string; message: string; details?: Array<{ path: string; message: string }> } };

const job = (url: string) => ({ kind: 'solve', input: CONTRACTS_LP, webhook: { url } });
const submit = (app: TestApp, url: string) => app.inject({ method: 'POST', url: '/v1/jobs', headers: auth('acme'), payload: job(url) });
const BLOCKED = (host: string) => `${host} resolves to an address webhooks may not call (private, loopback or link-local)`;

async function listening<T extends Server | HttpServer>(server: T): Promise<T & { port: number }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}

/** Closes a server and the connections it still holds (a receiver that never answers holds them). */
function closing(server: Server | HttpServer, sockets: Set<Socket>): () => Promise<void> {
  return () => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
}

describe('webhook targets at submit', () => {
  let app: TestApp;
  let opened: TestApp;
  const lookup = fakeLookup({
    'hooks.acme.test': PUBLIC_ADDRESS,
    'loop.acme.test': '127.0.0.1',
    'ten.acme.test': '10.1.2.3',
    'metadata.acme.test': '169.254.169.254',
    'mapped.acme.test': '::ffff:127.0.0.1',
    'split.acme.test': [PUBLIC_ADDRESS, '192.168.1.10'],
  });
  const allowedHosts = ['127.0.0.1', 'hooks.acme.test', 'loop.acme.test', 'ten.acme.test', 'metadata.acme.test', 'mapped.acme.test', 'split.acme.test', 'gone.acme.test'];
  beforeAll(async () => {
    app = await buildTestApp({ api: { webhooks: { allowedHosts } } }, { webhookLookup: lookup });
    opened = await buildTestApp({ api: { webhooks: { allowedHosts, allowedAddressRanges: ['10.0.0.0/8'] } } }, { webhookLookup: lookup });
  });
  afterAll(async () => {
    await Promise.all([app?.close(), opened?.close()]);
  });

  it('refuses each trick with 422, a reason the tenant can act on, and the field, never naming a resolved address', async () => {
    const cases: Array<[string, string]> = [
      // The hostile-tenant run's trick: 127.0.0.1 is allowed, so try Redis on it.
      ['http://127.0.0.1:6379/', 'port 6379 is not allowed for webhooks to 127.0.0.1; allowed: 80, 443'],
      ['http://2130706433:6379/', 'port 6379 is not allowed for webhooks to 127.0.0.1; allowed: 80, 443'],
      ['https://loop.acme.test/hook', BLOCKED('loop.acme.test')],
      ['https://loop.acme.test./hook', BLOCKED('loop.acme.test')],
      ['https://ten.acme.test/hook', BLOCKED('ten.acme.test')],
      ['http://metadata.acme.test/latest/meta-data/', BLOCKED('metadata.acme.test')],
      ['https://mapped.acme.test/hook', BLOCKED('mapped.acme.test')],
      ['https://split.acme.test/hook', BLOCKED('split.acme.test')],
      ['https://gone.acme.test/hook', 'gone.acme.test does not resolve'],
      ['https://user:pass@hooks.acme.test/hook', 'webhook URLs may not carry a user name or password (user:pass@): gpuq signs each call instead, for the receiver to check'],
      ['https://hooks.acme.test:8443/hook', 'port 8443 is not allowed for webhooks to hooks.acme.test; allowed: 80, 443'],
    ];
    for (const [url, message] of cases) {
      const response = await submit(app, url);
      expect(response.statusCode, url).toBe(422);
      expect(response.json<ErrorReply>(), url).toEqual({ error: { code: 'webhook_host_not_allowed', message, details: [{ path: 'webhook.url', message }] } });
      // What a name resolves to is not the tenant's to learn.
      if (message.includes(' resolves to ')) for (const address of ['127.0.0', '10.1.2.3', '169.254', '192.168', 'ffff']) expect(response.body, url).not.toContain(address);
    }
  });

  it('gives a batch’s refusal the path of the job it is in', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/batches', headers: auth('acme'), payload: { jobs: [job('https://hooks.acme.test/ok'), job('https://metadata.acme.test/')] } });
    expect(response.statusCode).toBe(422);
    expect(response.json<ErrorReply>().error.details).toEqual([{ path: 'jobs[1].webhook.url', message: BLOCKED('metadata.acme.test') }]);
  });

  it('accepts a public name, an address the operator named on its ports, and a private address allowedAddressRanges covers', async () => {
    expect((await submit(app, 'https://hooks.acme.test/hook')).statusCode).toBe(202);
    expect((await submit(app, 'http://127.0.0.1/hook')).statusCode).toBe(202);
    expect((await submit(app, 'https://ten.acme.test/hook')).statusCode).toBe(422);
    expect((await submit(opened, 'https://ten.acme.test/hook')).statusCode).toBe(202);
    // The range opens 10/8 only: loopback stays closed.
    expect((await submit(opened, 'https://loop.acme.test/hook')).json<ErrorReply>().error.message).toBe(BLOCKED('loop.acme.test'));
  });
});

describe('webhook delivery', () => {
  const TIMEOUT_MS = 400;
  const cleanups: Array<() => Promise<void>> = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const received: Array<{ port: number; headers: IncomingHttpHeaders }> = [];
  const serverNames: string[] = [];
  let app: TestApp;
  let ports: Record<'answers' | 'resets' | 'closesAfterRequest' | 'neverAnswers' | 'nothing' | 'tls', number>;

  beforeAll(async () => {
    // The receivers start first: config names their ports.
    const receiver = (status: number) =>
      createHttpServer((request, response) => {
        received.push({ port: (request.socket.address() as AddressInfo).port, headers: request.headers });
        request.resume();
        request.on('end', () => response.writeHead(status).end());
      });
    const answers = await listening(receiver(200));
    const resets = await listening(createTcpServer((socket) => socket.destroy()));
    const closesAfterRequest = await listening(createHttpServer((request) => request.socket.destroy()));
    const neverAnswers = await listening(createHttpServer(() => undefined));
    neverAnswers.on('connection', track);
    // A port nothing listens on: one that was free a moment ago.
    const nothing = await listening(createTcpServer());
    await new Promise((resolve) => nothing.close(resolve));
    // TLS: the handshake is refused once the name it was sent for (SNI) is noted.
    const tls = await listening(createTlsServer({ SNICallback: (name, callback) => (serverNames.push(name), callback(new Error('no certificate here'))) }));
    for (const server of [answers, resets, closesAfterRequest, tls]) cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    cleanups.push(closing(neverAnswers, sockets));
    ports = { answers: answers.port, resets: resets.port, closesAfterRequest: closesAfterRequest.port, neverAnswers: neverAnswers.port, nothing: nothing.port, tls: tls.port };

    app = await buildTestApp(
      {
        api: {
          webhooks: {
            allowedHosts: Object.values(ports).map((port) => `hooks.local.test:${port}`),
            allowedAddressRanges: ['127.0.0.0/8'],
            timeoutMs: TIMEOUT_MS,
            maxAttempts: 1,
          },
        },
      },
      {
        runsWebhooks: true,
        webhookLookup: fakeLookup({
          // hooks.local.test resolves nowhere but here: a call that arrives went to the pinned address.
          'hooks.local.test': '127.0.0.1',
        }),
      },
    );
  });
  afterAll(async () => {
    await app?.close();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** Submits a job with the webhook, cancels it in the queue (so it ends at once) and waits for the attempt. */
  async function deliveryTo(url: string, through = app): Promise<WebhookDelivery> {
    const submitted = await submit(through, url);
    expect(submitted.statusCode, submitted.body).toBe(202);
    const { id } = submitted.json<JobView>();
    expect((await through.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: auth('acme') })).statusCode).toBe(202);
    return waitFor(async () => (await through.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth('acme') })).json<JobView>().webhook?.deliveries[0], {
      what: `the webhook delivery to ${url}`,
    });
  }

  it('connects to the address it checked, with the name in Host', async () => {
    const delivery = await deliveryTo(`http://hooks.local.test:${ports.answers}/gpuq`);
    expect(delivery).toMatchObject({ attempt: 1, status: 200 });
    expect(delivery.error).toBeUndefined();
    expect(received.filter((r) => r.port === ports.answers).map((r) => r.headers.host)).toEqual([`hooks.local.test:${ports.answers}`]);
  });

  it('does not call a name that resolved to a public address at submit and to a blocked one at delivery', async () => {
    const receiver = await listening(createHttpServer((request, response) => response.end()));
    let calls = 0;
    receiver.on('request', () => calls++);
    // No allowedAddressRanges here: loopback, where the receiver listens, is blocked.
    const rebound = await buildTestApp(
      { api: { webhooks: { allowedHosts: [`rebind.acme.test:${receiver.port}`], timeoutMs: TIMEOUT_MS, maxAttempts: 1 } } },
      // Public when the job is submitted, loopback when its webhook is due.
      { runsWebhooks: true, webhookLookup: fakeLookup({ 'rebind.acme.test': (call) => (call === 1 ? PUBLIC_ADDRESS : '127.0.0.1') }) },
    );
    try {
      const delivery = await deliveryTo(`http://rebind.acme.test:${receiver.port}/gpuq`, rebound);
      expect(delivery).toEqual({ at: expect.any(Number), attempt: 1, status: null, error: 'the host resolves to an address webhooks may not call' });
      expect(calls).toBe(0);
    } finally {
      await rebound.close();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('records the same reason whether the connection is refused, reset, closed mid-request, ignored or fails TLS', async () => {
    const urls = [
      `http://hooks.local.test:${ports.nothing}/gpuq`,
      `http://hooks.local.test:${ports.resets}/gpuq`,
      `http://hooks.local.test:${ports.closesAfterRequest}/gpuq`,
      `http://hooks.local.test:${ports.neverAnswers}/gpuq`,
      `https://hooks.local.test:${ports.tls}/gpuq`,
    ];
    const deliveries = await Promise.all(urls.map((url) => deliveryTo(url)));
    const reason = noAnswerReason(TIMEOUT_MS);
    expect(reason).toBe('no HTTP answer from the webhook within 0.4 s (the connection failed, closed or timed out)');
    expect(deliveries.map(({ status, error }) => ({ status, error }))).toEqual(urls.map(() => ({ status: null, error: reason })));
    // TLS was for the name: SNI carries it (and the certificate would be checked against it).
    expect(serverNames).toEqual(['hooks.local.test']);
  });
});
