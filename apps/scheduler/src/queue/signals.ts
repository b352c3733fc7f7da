// Redis pub/sub messages a scheduler acts on at once, on one subscriber connection: a kind's queue
// changed (a job added, returned or retried: a box may take it now), a box drained or undrained.
// A message sent while the connection was down is lost; the scheduler's poll finds what it missed.
import type { Logger, Redis } from '@gpuq/runtime';

export class Signals {
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, (message: string) => void>();

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
  ) {}

  on(channel: string, handler: (message: string) => void): this {
    this.handlers.set(channel, handler);
    return this;
  }

  async start(): Promise<void> {
    this.subscriber = this.redis.duplicate({ connectionName: 'gpuq-scheduler-signals', enableAutoPipelining: false });
    this.subscriber.on('error', (err) => this.log.warn({ err }, 'signal subscription error'));
    this.subscriber.on('message', (channel: string, message: string) => this.handlers.get(channel)?.(message));
    await this.subscriber.subscribe(...this.handlers.keys());
  }

  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
