// Jobs in Redis as the API sees them: submitting (the 202 promise: the job is in Redis when this
// returns), reading one back as its view (the BullMQ job merged with the scheduler's run record),
// listing a tenant's jobs, and cancelling.
import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import {
  bullmqKey,
  CANCEL_CHANNEL,
  CancelMark,
  JobData,
  jobDataV2,
  jobSettingsOf,
  keys,
  kindOfJobId,
  newJobId,
  parseStored,
  placementNeedFrom,
  placementNeedOf,
  queueChangedChannel,
  queuedNeedOf,
  type PlacementNeed,
  RunRecord,
  TERMINAL_STATUSES,
  toJobView,
  WebhookDelivery,
  type GpuqConfig,
  type JobView,
  type Kind,
  type QueuedJobFacts,
} from '@gpuq/shared';
import { checkAdmission } from './admission.js';
import type { PreparedJob } from './queue-producer.js';
import { SubmitBatcher } from './submit-batcher.js';
import type { Principal } from './auth/key-ring.js';
import { ApiError } from './errors.js';
import { claimIdempotencyKey } from './idempotency.js';
import { isStagedInput, type CheckedJob } from './body-checks/checked-job.js';
import { JobIndex } from './job-index.js';
import { standingOf } from './scheduler-state.js';
import type { BoxStatesCache, Redis } from '@gpuq/runtime';
import { WebhookTargets, type WebhookLookup } from './webhooks/resolve-target.js';

export interface Submitted {
  view: JobView;
  /** True when an Idempotency-Key matched an earlier submit: the view is of that job. */
  isRepeat: boolean;
}

export interface ListFilter {
  status?: JobView['status'];
  kind?: Kind;
  /** `key:value` pairs the job's labels must all have. */
  labels: Array<[string, string]>;
  limit: number;
  cursor?: string;
}

/** At most this many index entries are examined per list call, so a rare filter cannot scan everything. */
const LIST_SCAN_LIMIT = 1_000;

export class JobStore {
  readonly index: JobIndex;
  private readonly webhookTargets: WebhookTargets;
  private readonly batcher: SubmitBatcher;

  constructor(
    private readonly queues: ReadonlyMap<Kind, Queue>,
    private readonly redis: Redis,
    private readonly config: GpuqConfig,
    private readonly schedulers: BoxStatesCache,
    /** Each tenant's webhook signing secret. */
    readonly webhookSecrets: Readonly<Record<string, string>>,
    private readonly onCancelledInQueue: (jobId: string) => Promise<void>,
    private readonly log: FastifyBaseLogger,
    /** Resolves webhook hosts, to refuse names that lead somewhere webhooks may not call. */
    webhookLookup?: WebhookLookup,
  ) {
    this.index = new JobIndex(redis, log);
    this.batcher = new SubmitBatcher(queues, redis, config);
    this.webhookTargets = new WebhookTargets(config.api.webhooks, webhookLookup);
  }

  /**
   * Checks what the body alone could not (body-checks/ did the rest): limits, admission, webhook
   * host; then the job as it will be stored.
   */
  async prepare(checked: CheckedJob, principal: Principal, options: { path?: string; batchId?: string; now?: number } = {}): Promise<PreparedJob> {
    const { request } = checked;
    const path = options.path ?? '';
    const now = options.now ?? Date.now();
    const kindConfig = this.config.kinds[request.kind];
    const settings = jobSettingsOf(request, principal.tenant, kindConfig, now, options.batchId);
    if (settings.timeoutSeconds > kindConfig.maxTimeoutSeconds) {
      const message = `timeoutSeconds is ${settings.timeoutSeconds}; ${request.kind} jobs may run at most ${kindConfig.maxTimeoutSeconds} s`;
      throw new ApiError('timeout_above_max', message, [{ path: `${path}timeoutSeconds`, message }]);
    }
    if (request.webhook) {
      // Delivery checks again and connects only to what it checked; this refuses early, with the reason.
      const target = await this.webhookTargets.resolve(request.webhook.url);
      if (!target.ok) throw new ApiError('webhook_host_not_allowed', target.message, [{ path: `${path}webhook.url`, message: target.message }]);
      if (!this.webhookSecrets[principal.tenant]) {
        throw new ApiError('webhook_secret_missing', undefined, [{ path: `${path}webhook`, message: `tenant ${principal.tenant} has no webhook secret` }]);
      }
    }
    checkAdmission(await this.schedulers.get(), request.kind, checked.need, path);
    const need = queuedNeedOf(settings, checked.need);
    const id = newJobId(request.kind, now);
    if (this.config.api.jobDataVersion === 1) {
      // For schedulers of 0.3 and older, which read the input from the job's data only.
      if (isStagedInput(checked.input)) throw new Error('version 1 job data needs its input at hand, not staged');
      const text = typeof checked.input === 'string' ? checked.input : Buffer.from(checked.input).toString('utf8');
      return { id, data: { v: 1, ...settings, input: JSON.parse(text) as unknown }, need };
    }
    return { id, data: jobDataV2(settings, checked.inputBytes, need), input: checked.input, need };
  }

  async submit(checked: CheckedJob, principal: Principal, idempotencyKey?: string): Promise<Submitted> {
    const prepared = await this.prepare(checked, principal);
    let id = prepared.id;
    let isRepeat = false;
    if (idempotencyKey !== undefined) {
      if (checked.bodyHash === undefined) throw new Error('an Idempotency-Key submit needs its body checked with its hash');
      const claim = await claimIdempotencyKey(this.redis, principal.tenant, idempotencyKey, checked.bodyHash, id, this.config.api.idempotencyTtlS);
      ({ jobId: id, isRepeat } = claim);
    }
    if (isRepeat) {
      const view = await this.view(id, principal);
      if (view) return { view, isRepeat };
    }
    // A repeat whose job is not there completes an interrupted first try.
    await this.enqueue([{ ...prepared, id }]);
    return { view: this.freshView(id, prepared.data), isRepeat };
  }

  /** Adds jobs through the queue producer, with the other submits of this turn, and indexes them for listing. */
  async enqueue(jobs: PreparedJob[]): Promise<void> {
    await this.batcher.add(jobs);
    for (const { id, data } of jobs) this.index.add(data.tenant, data.submittedAt, id);
  }

  freshView(id: string, data: JobData): JobView {
    return toJobView({ id, state: 'waiting', data, attemptsMade: 0, attemptsStarted: 0, timestamp: data.submittedAt }, {}, { rates: this.config.costs });
  }

  /** The queue of the kind a job id names; undefined for an id no kind's. */
  private queueOf(id: string): Queue | undefined {
    const kind = kindOfJobId(id) as Kind | undefined;
    return kind ? this.queues.get(kind) : undefined;
  }

  /**
   * Whether the job has ended for good (completed, failed after its last attempt, cancelled) or is
   * gone: BullMQ's state alone, one read, for callers that checked the job's owner already.
   */
  async hasEnded(id: string): Promise<boolean> {
    const queue = this.queueOf(id);
    if (!queue) return true;
    const state = await queue.getJobState(id);
    return state === 'completed' || state === 'failed' || state === 'unknown';
  }

  /** The job's view, or undefined when there is no such job or the caller may not see it. */
  async view(id: string, principal: Principal): Promise<JobView | undefined> {
    const queue = this.queueOf(id);
    if (!queue) return undefined;
    // The state first, then the job: once the state is terminal the job's fields no longer change,
    // so a finished job is always shown with its final attempts, result and error.
    const state = await queue.getJobState(id);
    if (state === 'unknown') return undefined;
    const [job, runFields, cancel] = await Promise.all([queue.getJob(id), this.redis.hgetall(keys.jobRun(id)), this.redis.get(keys.jobCancel(id))]);
    if (!job) return undefined;
    const data = JobData.safeParse(job.data);
    if (!data.success) {
      this.log.error({ jobId: id, issues: data.error.issues }, 'stored job data does not match the schema');
      throw new ApiError('internal_error');
    }
    if (!principal.isAdmin && data.data.tenant !== principal.tenant) return undefined;
    const run = RunRecord.safeParse(runFields);
    if (!run.success) this.log.warn({ jobId: id, issues: run.error.issues }, 'run record does not match the schema');
    const facts: QueuedJobFacts = {
      id,
      state,
      data: data.data,
      attemptsMade: job.attemptsMade,
      attemptsStarted: job.attemptsStarted,
      timestamp: job.timestamp,
      finishedOn: job.finishedOn,
      returnvalue: job.returnvalue,
      failedReason: job.failedReason,
    };
    const cancelRequestedAt = parseStored(CancelMark, cancel)?.at;
    // A job no scheduler has fetched yet: how many are ahead, and whether any scheduler runs its kind.
    const standing =
      (state === 'prioritized' || state === 'waiting') && cancelRequestedAt === undefined
        ? standingOf(await this.schedulers.get(), data.data.kind, (await this.redis.zrank(bullmqKey(data.data.kind, 'prioritized'), id)) ?? 0, this.needOf(data.data, run.success ? run.data.minVramMb : undefined))
        : undefined;
    const webhookDeliveries = data.data.webhookUrl ? await this.webhookDeliveries(id) : undefined;
    return toJobView(facts, run.success ? run.data : {}, {
      ...(standing ? { standing } : {}),
      ...(cancelRequestedAt !== undefined ? { cancelRequestedAt } : {}),
      ...(webhookDeliveries ? { webhookDeliveries } : {}),
      rates: this.config.costs,
    });
  }

  /** What the job needs, as the schedulers read it (an earlier attempt's out-of-memory minimum included). */
  private needOf(data: JobData, minVramMb: number | undefined): PlacementNeed {
    if (data.v === 2) return placementNeedFrom(data.need, this.config, minVramMb);
    const need = placementNeedOf(data.kind, { input: data.input, requestedVramMb: data.requestedVramMb }, this.config);
    return need.type === 'vram' && minVramMb !== undefined && minVramMb > need.vramMb ? { ...need, vramMb: minVramMb } : need;
  }

  private async webhookDeliveries(id: string): Promise<WebhookDelivery[]> {
    return (await this.redis.lrange(keys.jobWebhook(id), 0, -1)).flatMap((text) => {
      const parsed = WebhookDelivery.safeParse(JSON.parse(text));
      return parsed.success ? [parsed.data] : [];
    });
  }

  /** The caller's jobs, newest first, filtered; the cursor continues where the last page ended. */
  async list(principal: Principal, filter: ListFilter): Promise<{ jobs: JobView[]; nextCursor: string | null }> {
    // This replica's own recent submits are listed, however recent.
    await this.index.flush();
    const indexKey = principal.isAdmin ? await this.allJobsIndex() : keys.tenantJobs(principal.tenant);
    let position = filter.cursor ? decodeCursor(filter.cursor) : { score: '+inf', exclusiveOf: undefined as string | undefined };
    const jobs: JobView[] = [];
    let scanned = 0;
    let isExhausted = false;
    while (jobs.length < filter.limit && scanned < LIST_SCAN_LIMIT) {
      const chunk = await this.redis.zrevrangebyscore(indexKey, position.score, '-inf', 'WITHSCORES', 'LIMIT', 0, 100);
      const entries: Array<[string, string]> = [];
      for (let i = 0; i < chunk.length; i += 2) entries.push([chunk[i]!, chunk[i + 1]!]);
      // Entries with the cursor's score up to and including the cursor's id were on earlier pages.
      const skip = position.exclusiveOf === undefined ? 0 : entries.findIndex(([id]) => id === position.exclusiveOf) + 1;
      const fresh = entries.slice(skip);
      if (fresh.length === 0) {
        isExhausted = true;
        break;
      }
      for (const [id, score] of fresh) {
        scanned++;
        position = { score, exclusiveOf: id };
        if (filter.kind && kindOfJobId(id) !== filter.kind) continue;
        const view = await this.view(id, principal);
        if (!view) {
          // Gone with its retention: forget it in the index too (an admin's view is merged, not kept).
          if (!principal.isAdmin) await this.redis.zrem(indexKey, id);
          continue;
        }
        if (filter.status && view.status !== filter.status) continue;
        if (!filter.labels.every(([k, v]) => view.labels[k] === v)) continue;
        jobs.push({ ...view, result: null });
        if (jobs.length === filter.limit) break;
      }
    }
    return { jobs, nextCursor: isExhausted ? null : encodeCursor(position.score, position.exclusiveOf!) };
  }

  /** Every tenant's index merged, for an admin's listing; kept a few seconds. */
  private async allJobsIndex(): Promise<string> {
    const tenants = await this.redis.smembers(keys.tenants);
    const key = keys.allJobsView(randomUUID());
    if (tenants.length === 0) return key;
    await this.redis.multi().zunionstore(key, tenants.length, ...tenants.map((t) => keys.tenantJobs(t))).expire(key, 30).exec();
    return key;
  }

  /** The job's view; job_not_found (404) when there is no such job or the caller may not see it. */
  async viewOf(id: string, principal: Principal): Promise<JobView> {
    const view = await this.view(id, principal);
    if (!view) throw new ApiError('job_not_found', `no job with id ${id}`);
    return view;
  }

  /**
   * Cancels a job: a queued one never runs (it shows cancelled at once); a running one is stopped
   * by its scheduler within a second. Throws job_finished for a job that already ended.
   */
  async cancel(id: string, principal: Principal): Promise<JobView> {
    const view = await this.viewOf(id, principal);
    if (TERMINAL_STATUSES.includes(view.status)) throw new ApiError('job_finished', `job ${id} already ${view.status}`);
    await this.redis.set(keys.jobCancel(id), JSON.stringify({ at: Date.now(), by: principal.tenant } satisfies CancelMark), 'EX', 30 * 24 * 3600, 'NX');
    // A queued job is taken out of the queue by a scheduler, which ends it: tell them all.
    await this.redis.multi().publish(CANCEL_CHANNEL, id).publish(keys.jobEvents(id), 'changed').publish(queueChangedChannel(view.kind), 'cancelled').exec();
    // A queued job goes to the front, so the scheduler takes it out of the queue soon.
    const queue = this.queues.get(view.kind)!;
    const job = await queue.getJob(id);
    await job?.changePriority({ priority: 1 }).catch(() => undefined);
    const after = (await this.view(id, principal)) ?? view;
    // Cancelled before any scheduler held it: it has ended now, as far as its owner is concerned.
    if (after.status === 'cancelled') await this.onCancelledInQueue(id);
    return after;
  }
}

function encodeCursor(score: string, id: string): string {
  return Buffer.from(`${score}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { score: string; exclusiveOf: string } {
  const [score, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!score || !id || !/^\d+$/.test(score)) {
    throw new ApiError('validation_failed', undefined, [{ path: 'cursor', message: 'is not a cursor this API returned' }]);
  }
  return { score, exclusiveOf: id };
}
