// The webhook worker: any API replica takes a delivery task from the webhooks queue, POSTs the
// job's final view to its webhook, signed with its tenant's secret, and records the attempt in
// the job's view. A non-2xx answer or no answer fails the attempt; BullMQ retries it with backoff.
// Redirects are not followed: a webhook answers where it was registered, or not at all.
import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job, type RedisOptions } from 'bullmq';
import { request } from 'undici';
import {
  BULLMQ_PREFIX,
  FINISHED_JOB_RETENTION_S,
  keys,
  SIGNATURE_HEADER,
  signWebhook,
  WEBHOOK_QUEUE,
  webhookJobOptions,
  WebhookTask,
  type ApiConfig,
  type JobView,
  type WebhookDelivery,
} from '@gpuq/shared';
import type { Logger, Redis } from '@gpuq/runtime';
import type { Principal } from '../auth/key-ring.js';
import { webhookHostAllowed } from './allowed-hosts.js';

const ADMIN: Principal = { tenant: 'admin', isAdmin: true };

export interface WebhookDeps {
  connection: RedisOptions;
  redis: Redis;
  settings: ApiConfig['webhooks'];
  secrets: Readonly<Record<string, string>>;
  viewJob: (id: string, principal: Principal) => Promise<JobView | undefined>;
  log: Logger;
}

export class WebhookDeliveries {
  private readonly queue: Queue;
  private worker: Worker | undefined;

  constructor(private readonly deps: WebhookDeps) {
    this.queue = new Queue(WEBHOOK_QUEUE, { connection: deps.connection, prefix: BULLMQ_PREFIX });
    this.queue.on('error', (err) => deps.log.warn({ err }, 'webhook queue connection error'));
  }

  /** Queues the delivery for a job that ended here (a cancel in the queue); once per job. */
  async enqueue(jobId: string): Promise<void> {
    await this.queue.add('deliver', { jobId } satisfies WebhookTask, webhookJobOptions(jobId, this.deps.settings));
  }

  /** Starts delivering (this replica takes its share of the queue). */
  start(concurrency = 8): void {
    this.worker = new Worker(WEBHOOK_QUEUE, (job) => this.deliver(job), { connection: this.deps.connection, prefix: BULLMQ_PREFIX, concurrency });
    this.worker.on('error', (err) => this.deps.log.warn({ err }, 'webhook worker error'));
    this.worker.on('failed', (job, err) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) this.deps.log.warn({ jobId: job.id, err }, 'webhook delivery gave up');
    });
  }

  private async deliver(task: Job): Promise<void> {
    const { jobId } = WebhookTask.parse(task.data);
    const view = await this.deps.viewJob(jobId, ADMIN);
    if (!view?.webhook) return;
    const secret = this.deps.secrets[view.tenant];
    const attempt = task.attemptsMade + 1;
    const record = async (delivery: Omit<WebhookDelivery, 'at' | 'attempt'>) => {
      const entry: WebhookDelivery = { at: Date.now(), attempt, ...delivery };
      await this.deps.redis.multi().rpush(keys.jobWebhook(jobId), JSON.stringify(entry)).expire(keys.jobWebhook(jobId), FINISHED_JOB_RETENTION_S).exec();
    };
    // Checked again at delivery: config may have changed since the submit.
    if (!webhookHostAllowed(view.webhook.url, this.deps.settings.allowedHosts) || !secret) {
      await record({ status: null, error: !secret ? 'the tenant has no webhook secret' : 'the host is no longer allowed' });
      return;
    }
    const body = JSON.stringify({ type: 'job.finished', job: { ...view, webhook: { url: view.webhook.url, deliveries: [] } } });
    let status: number | null = null;
    try {
      const response = await request(view.webhook.url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'gpuq-webhooks',
          'gpuq-event': 'job.finished',
          'gpuq-delivery': randomUUID(),
          [SIGNATURE_HEADER]: signWebhook(secret, body, Math.floor(Date.now() / 1000)),
        },
        headersTimeout: this.deps.settings.timeoutMs,
        bodyTimeout: this.deps.settings.timeoutMs,
      });
      status = response.statusCode;
      await response.body.dump();
    } catch (err) {
      await record({ status: null, error: (err as Error).message });
      throw err;
    }
    if (status < 200 || status >= 300) {
      await record({ status, error: `answered HTTP ${status}` });
      throw new Error(`webhook answered HTTP ${status}`);
    }
    await record({ status });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.worker?.close(), this.queue.close()]);
  }
}
