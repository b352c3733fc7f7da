// A TCP relay in front of Redis that loses one reply with its connection: the command a client
// sent, with a given marker in it, runs in Redis, and the connection is cut instead of passing its
// answer on. What a client then does (ioredis sends what was unanswered again on reconnecting) is
// what a test of it sees.
import { connect, createServer, type Server, type Socket } from 'node:net';

export class ReplyCutter {
  /** Replies lost so far. */
  drops = 0;
  private marker: string | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    /** Where clients connect instead of Redis (127.0.0.1). */
    readonly port: number,
  ) {}

  static async start(redisUrl: string): Promise<ReplyCutter> {
    const target = new URL(redisUrl);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const cutter = new ReplyCutter(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => cutter.relay(client, connect(Number(target.port), target.hostname)));
    return cutter;
  }

  /** The same Redis URL (database included) through this relay. */
  urlFor(redisUrl: string): string {
    const target = new URL(redisUrl);
    target.hostname = '127.0.0.1';
    target.port = String(this.port);
    return target.toString();
  }

  /** Cuts the connection that next sends a command holding `marker`, once Redis answers it. */
  dropReplyTo(marker: string): void {
    this.marker = marker;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private relay(client: Socket, upstream: Socket): void {
    let isMarked = false;
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      if (this.marker !== undefined && chunk.includes(this.marker)) {
        this.marker = undefined;
        isMarked = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!isMarked) return void client.write(chunk);
      this.drops++;
      client.destroy();
      upstream.destroy();
    });
  }
}
