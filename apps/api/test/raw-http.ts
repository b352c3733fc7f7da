// HTTP/1.1 over node:net, for what fetch cannot do: send a request slowly, hold a connection idle,
// send bytes no client would. Also the test app listening on a free loopback port.
import { connect, type AddressInfo, type Socket } from 'node:net';
import { ErrorBody } from '@gpuq/shared';
import type { TestApp } from './test-app.js';

/** Listens on a free loopback port; the port. */
export async function listen(app: TestApp): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

export interface RawConnection {
  socket: Socket;
  /** Everything the server has sent so far. */
  received(): string;
  /** Resolves when the connection closes, with the milliseconds since it opened. */
  closed: Promise<number>;
  /** `closed`, or an error once `deadlineMs` since it opened have passed with the connection still open. */
  closedWithin(deadlineMs: number): Promise<number>;
  /** Writes `text` every `everyMs` until the connection closes. */
  trickle(text: (i: number) => string, everyMs: number): void;
}

export async function openConnection(port: number): Promise<RawConnection> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const openedAt = Date.now();
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  // Writes after the server closed fail with EPIPE or ECONNRESET: the close is what is watched.
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - openedAt)));
  let trickleTimer: NodeJS.Timeout | undefined;
  void closed.then(() => clearInterval(trickleTimer));
  return {
    socket,
    received: () => text,
    closed,
    closedWithin: (deadlineMs) =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`the server kept the connection open for ${deadlineMs} ms`));
        }, Math.max(0, openedAt + deadlineMs - Date.now()));
        void closed.then((ms) => {
          clearTimeout(timer);
          resolve(ms);
        });
      }),
    trickle: (next, everyMs) => {
      let i = 0;
      trickleTimer = setInterval(() => {
        if (!socket.destroyed) socket.write(next(i++));
      }, everyMs);
    },
  };
}

/** Sends `request` as it is and reads until the server closes the connection (it must within `deadlineMs`). */
export async function exchange(port: number, request: string | Buffer, deadlineMs = 10_000): Promise<string> {
  const connection = await openConnection(port);
  connection.socket.write(request);
  await connection.closedWithin(deadlineMs);
  return connection.received();
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The first response in `text` (a body of Content-Length bytes, or chunks). */
export function parseResponse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response in ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = text.slice(end + 4);
  if (headers['content-length'] !== undefined) body = body.slice(0, Number(headers['content-length']));
  return { status: Number(statusLine!.split(' ')[1]), headers, body };
}

/** The response's error, checked to be in the one shape and nothing else. */
export function errorOf(response: { body: string }): ErrorBody['error'] {
  const json = JSON.parse(response.body) as { error?: unknown };
  ErrorBody.strict().parse(json);
  // The inner object as sent, not as the outer parse stripped it: no field but code, message and details.
  return ErrorBody.shape.error.strict().parse(json.error);
}
