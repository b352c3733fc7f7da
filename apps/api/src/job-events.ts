// Change notices for jobs, for server-sent event streams: one Redis subscriber per API process,
// subscribed to a job's channel while someone streams it. A notice only says "look again"; the
// stream re-reads the view, so a lost notice costs latency (a slow re-read covers it), never data.
import type { Logger, Redis } from '@gpuq/runtime';
import { keys } from '@gpuq/shared';

type Listener = () => void;

export class JobEvents {
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
  ) {}

  private connection(): Redis {
    if (!this.subscriber) {
      this.subscriber = this.redis.duplicate({ connectionName: 'gpuq-api-events' });
      this.subscriber.on('error', (err) => this.log.warn({ err }, 'job events subscription error'));
      this.subscriber.on('message', (channel: string) => {
        for (const listener of this.listeners.get(channel) ?? []) listener();
      });
    }
    return this.subscriber;
  }

  /** Calls `listener` whenever the job changes; returns the function that stops it. */
  async watch(jobId: string, listener: Listener): Promise<() => Promise<void>> {
    const channel = keys.jobEvents(jobId);
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await this.connection().subscribe(channel);
    }
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(channel) === set) {
        this.listeners.delete(channel);
        await this.subscriber?.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
