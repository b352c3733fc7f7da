// A cuOpt server that replays recorded exchanges: each route answers with the next of its replies
// (the last one again once they run out), in the exact shapes a real server sends, and every request
// is recorded for the test to read. Bodies are compact JSON, as Starlette's JSONResponse writes it.
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface Reply {
  status: number;
  /** Sent as JSON; a string is sent as is. Absent: an empty body (cuOpt's DELETE answers). */
  body?: unknown;
}

export interface Route {
  method: string;
  /** Matched against the path and query. */
  path: RegExp;
  replies: Reply[];
}

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export class FakeCuopt {
  readonly requests: Recorded[] = [];
  private readonly served = new Map<Route, number>();

  private constructor(
    private readonly server: Server,
    private readonly routes: Route[],
  ) {}

  static async start(routes: Route[]): Promise<FakeCuopt> {
    const server = createServer();
    const fake = new FakeCuopt(server, routes);
    server.on('request', (request, response) => {
      request.resume();
      request.on('end', () => {
        const method = request.method ?? 'GET';
        const url = request.url ?? '/';
        fake.requests.push({ method, url, headers: request.headers });
        const reply = fake.next(method, url) ?? { status: 404, body: { detail: 'Not Found' } };
        const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        response.writeHead(reply.status, { 'content-type': 'application/json' });
        response.end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('the fake cuOpt server is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** The recorded requests whose method and path (and query) match. */
  find(method: string, path: RegExp): Recorded[] {
    return this.requests.filter((r) => r.method === method && path.test(r.url));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private next(method: string, url: string): Reply | undefined {
    const route = this.routes.find((r) => r.method === method && r.path.test(url));
    if (!route) return undefined;
    const served = this.served.get(route) ?? 0;
    this.served.set(route, served + 1);
    return route.replies[Math.min(served, route.replies.length - 1)];
  }
}
