// An HTTP server in front of a real worker server (solver-cpu, model-cpu): it forwards every
// request and records the exchange, and, on the routes a test names, misbehaves the way broken
// servers do: never answers, sends headers and then stalls, answers garbage, or drops the
// connection. The recording is what the tests read to see what the scheduler really sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Fault =
  /** Reads the request and never answers. */
  | 'hang'
  /** Answers 200 and half a JSON body, then nothing more. */
  | 'stall-body'
  /** Answers 200, content-type JSON, with a body that is not JSON. */
  | 'not-json'
  /** Answers 200 with JSON of a shape no client expects. */
  | 'wrong-shape'
  /** Answers 500 with an HTML page. */
  | 'http-500'
  /** Destroys the connection once the request is read: the server died mid-request. */
  | 'reset'
  /** cuOpt's "still solving" for GET /cuopt/solution/{id}: the solve never finishes. */
  | 'never-done'
  /** A finished cuOpt solution whose response holds no solver_response: right envelope, wrong content. */
  | 'hollow-solution';

export interface FaultRule {
  method: string;
  path: RegExp;
  fault: Fault;
  /** How many requests it applies to; every matching one when absent. */
  times?: number;
  /** Only requests whose body matches (one job's submit, say); any body when absent. */
  body?: RegExp;
}

export interface Exchange {
  method: string;
  path: string;
  requestBody: string;
  startedAt: number;
  /** When the answer was sent in full; absent while it hangs, or when the fault dropped it. */
  endedAt?: number;
  status?: number;
  responseBody?: string;
  fault?: Fault;
}

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const lastSegment = (path: string) => decodeURIComponent(path.split('?')[0]!.split('/').pop() ?? '');

export class FaultyProxy {
  /** The real server's base URL. Set it before any request arrives (a stack picks its ports itself). */
  target = '';
  readonly exchanges: Exchange[] = [];
  private rules: FaultRule[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FaultyProxy> {
    const server = createServer();
    const proxy = new FaultyProxy(server);
    server.on('request', (request, response) => void proxy.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('the proxy is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Misbehave on matching requests from now on (the newest rule wins). */
  inject(rule: FaultRule): void {
    this.rules.unshift({ ...rule });
  }

  /** Forward everything again. Requests left hanging stay hung: the client must give up on them. */
  heal(): void {
    this.rules = [];
  }

  /** The exchanges that match, in the order they arrived. */
  find(method: string, path: RegExp): Exchange[] {
    return this.exchanges.filter((e) => e.method === method && path.test(e.path));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeFault(method: string, path: string, body: string): Fault | undefined {
    const rule = this.rules.find((r) => r.method === method && r.path.test(path) && (r.body === undefined || r.body.test(body)) && (r.times === undefined || r.times > 0));
    if (!rule) return undefined;
    if (rule.times !== undefined) rule.times -= 1;
    return rule.fault;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const exchange: Exchange = { method, path, requestBody: await readBody(request), startedAt: Date.now() };
    this.exchanges.push(exchange);
    const fault = this.takeFault(method, path, exchange.requestBody);
    if (fault) {
      exchange.fault = fault;
      this.misbehave(fault, path, request, response, exchange);
      return;
    }
    try {
      const forwarded = await fetch(`${this.target}${path}`, {
        method,
        headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name))) as Record<string, string>,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: exchange.requestBody }),
      });
      const text = await forwarded.text();
      this.answer(response, exchange, forwarded.status, text, forwarded.headers.get('content-type') ?? 'application/json');
    } catch {
      // The real server is down: to the client this proxy is that server, so it is down too.
      request.socket.destroy();
    }
  }

  private misbehave(fault: Fault, path: string, request: IncomingMessage, response: ServerResponse, exchange: Exchange): void {
    switch (fault) {
      case 'hang':
        return;
      case 'stall-body':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"reqId": "');
        return;
      case 'not-json':
        return this.answer(response, exchange, 200, '<html><body>Bad Gateway? No: 200, and this.</body></html>', 'application/json');
      case 'wrong-shape':
        return this.answer(response, exchange, 200, JSON.stringify({ ok: true, items: [1, 2, 3] }), 'application/json');
      case 'http-500':
        return this.answer(response, exchange, 500, '<html><body><h1>500 Internal Server Error</h1></body></html>', 'text/html');
      case 'reset':
        request.socket.destroy();
        return;
      case 'never-done':
        return this.answer(response, exchange, 200, JSON.stringify({ reqId: lastSegment(path) }), 'application/json');
      case 'hollow-solution':
        return this.answer(response, exchange, 200, JSON.stringify({ reqId: lastSegment(path), response: { unexpected: 'no solver_response here' } }), 'application/json');
    }
  }

  private answer(response: ServerResponse, exchange: Exchange, status: number, body: string, contentType: string): void {
    response.writeHead(status, { 'content-type': contentType });
    response.end(body, () => {
      exchange.endedAt = Date.now();
    });
    exchange.status = status;
    exchange.responseBody = body;
  }
}
