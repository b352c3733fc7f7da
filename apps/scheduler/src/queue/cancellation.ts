// Cancels reach the scheduler two ways: at once on a pub/sub channel, and durably as a flag
// checked before a job is held or run (a message sent while no scheduler listened is not lost).
import { CANCEL_CHANNEL, keys } from '@gpuq/shared';
import type { Logger, Redis } from '@gpuq/runtime';

export class CancelListener {
  private subscriber: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly onCancel: (jobId: string) => void,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.subscriber = this.redis.duplicate({ connectionName: 'gpuq-scheduler-cancel', enableAutoPipelining: false });
    this.subscriber.on('error', (err) => this.log.warn({ err }, 'cancel subscription error'));
    this.subscriber.on('message', (_channel: string, jobId: string) => this.onCancel(jobId));
    await this.subscriber.subscribe(CANCEL_CHANNEL);
  }

  async isCancelled(jobId: string): Promise<boolean> {
    return (await this.redis.exists(keys.jobCancel(jobId))) === 1;
  }

  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
