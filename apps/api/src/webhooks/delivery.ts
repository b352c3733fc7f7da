// The webhook worker: any API replica takes a delivery task from the webhooks queue, POSTs the
// job's final view to its webhook, signed with its tenant's secret, and records the attempt in
// the job's view. A non-2xx answer or no answer fails the attempt; BullMQ retries it with backoff.
// Redirects are not followed: a webhook answers where it was registered, or not at all. Each
// attempt checks the target again and connects only to the addresses it checked; what it records
// tells the tenant what to do without telling them what listens where (the details go to the log).
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
import { pinnedAgent } from './pinned-agent.js';
import { WebhookTargets, type WebhookLookup } from './resolve-target.js';

const ADMIN: Principal = { tenant: 'admin', isAdmin: true };

export interface WebhookDeps {
  connection: RedisOptions;
  redis: Redis;
  settings: ApiConfig['webhooks'];
  secrets: Readonly<Record<string, string>>;
  viewJob: (id: string, principal: Principal) => Promise<JobView | undefined>;
  log: Logger;
  /** Resolves webhook hosts; the system resolver by default. */
  lookup?: WebhookLookup;
}

/** What an attempt that got no HTTP answer records: the same whatever went wrong, so it maps nothing. */
export const noAnswerReason = (timeoutMs: number) => `no HTTP answer from the webhook within ${timeoutMs / 1000} s (the connection failed, closed or timed out)`;

const REFUSAL_REASONS = {
  not_allowed: 'the host or port is no longer allowed',
  unresolvable: 'the host name does not resolve',
  blocked: 'the host resolves to an address webhooks may not call',
} as const;

export class WebhookDeliveries {
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly targets: WebhookTargets;

  constructor(private readonly deps: WebhookDeps) {
    this.targets = new WebhookTargets(deps.settings, deps.lookup);
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
    if (!secret) {
      await record({ status: null, error: 'the tenant has no webhook secret' });
      return;
    }
    // Checked again at delivery: config may have changed since the submit, and DNS may answer differently.
    const resolved = await this.targets.resolve(view.webhook.url);
    if (!resolved.ok) {
      this.deps.log.warn({ jobId, attempt, reason: resolved.message, ...resolved.forLog }, 'webhook not called');
      await record({ status: null, error: REFUSAL_REASONS[resolved.reason] });
      // A name that does not resolve may again; a host no longer allowed or resolving somewhere blocked is not retried.
      if (resolved.reason === 'unresolvable') throw new Error(resolved.message);
      return;
    }
    const body = JSON.stringify({ type: 'job.finished', job: { ...view, webhook: { url: view.webhook.url, deliveries: [] } } });
    const { timeoutMs } = this.deps.settings;
    const dispatcher = pinnedAgent(resolved.addresses, timeoutMs);
    let status: number;
    try {
      const response = await request(resolved.target.url, {
        dispatcher,
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'gpuq-webhooks',
          'gpuq-event': 'job.finished',
          'gpuq-delivery': randomUUID(),
          [SIGNATURE_HEADER]: signWebhook(secret, body, Math.floor(Date.now() / 1000)),
        },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        // One deadline over connect, headers and body: "within timeoutMs" holds for the whole attempt.
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.statusCode;
      await response.body.dump();
    } catch (err) {
      this.deps.log.warn({ jobId, attempt, err }, 'webhook delivery got no HTTP answer');
      await record({ status: null, error: noAnswerReason(timeoutMs) });
      throw new Error(noAnswerReason(timeoutMs), { cause: err });
    } finally {
      await dispatcher.destroy();
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
