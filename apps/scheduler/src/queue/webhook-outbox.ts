// When a job with a webhook ends, a delivery task goes on the webhooks queue, which the API
// replicas work (signing, retries). The task's id is the job's, so a job is delivered once even if
// its end is announced twice (a cancel seen by the API and then by the scheduler).
import { Queue, type RedisOptions } from 'bullmq';
import { BULLMQ_PREFIX, WEBHOOK_QUEUE, webhookJobOptions, type ApiConfig, type WebhookTask } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';

export class WebhookOutbox {
  private readonly queue: Queue;

  constructor(
    connection: RedisOptions,
    private readonly settings: ApiConfig['webhooks'],
    private readonly log: Logger,
  ) {
    this.queue = new Queue(WEBHOOK_QUEUE, { connection, prefix: BULLMQ_PREFIX });
    this.queue.on('error', (err) => log.warn({ err }, 'webhook queue connection error'));
  }

  async jobEnded(jobId: string, webhookUrl: string | undefined): Promise<void> {
    if (!webhookUrl) return;
    try {
      await this.queue.add('deliver', { jobId } satisfies WebhookTask, webhookJobOptions(jobId, this.settings));
    } catch (err) {
      this.log.error({ err, jobId }, 'could not queue the webhook delivery');
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
