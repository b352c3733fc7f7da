// Jobs in Redis as the API sees them: submitting one (the 202 promise: it is in Redis when this
// returns) and reading one back as its view, merged from the BullMQ job and the run record.
import type { Queue } from 'bullmq';
import {
  bullJobOptions,
  bullmqKey,
  JobData,
  keys,
  kindOfJobId,
  newJobId,
  RunRecord,
  toJobView,
  type GpuqConfig,
  type JobRequest,
  type JobView,
  type Kind,
  type QueuedJobFacts,
} from '@gpuq/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from '@gpuq/runtime';
import { ApiError } from './errors.js';
import { readSchedulerState, standingOf } from './scheduler-state.js';

export class JobStore {
  constructor(
    private readonly queues: ReadonlyMap<Kind, Queue>,
    private readonly redis: Redis,
    private readonly config: GpuqConfig,
    private readonly log: FastifyBaseLogger,
  ) {}

  async submit(request: JobRequest, tenant: string, now: number = Date.now()): Promise<JobView> {
    const kindConfig = this.config.kinds[request.kind];
    const queue = this.queues.get(request.kind)!;
    const timeoutSeconds = request.timeoutSeconds ?? kindConfig.defaultTimeoutSeconds;
    if (timeoutSeconds > kindConfig.maxTimeoutSeconds) {
      const message = `timeoutSeconds is ${timeoutSeconds}; ${request.kind} jobs may run at most ${kindConfig.maxTimeoutSeconds} s`;
      throw new ApiError('timeout_above_max', message, [{ path: 'timeoutSeconds', message }]);
    }
    const data: JobData = {
      v: 1,
      kind: request.kind,
      tenant,
      input: request.input,
      ...(request.resources?.vramMb ? { requestedVramMb: request.resources.vramMb } : {}),
      priority: request.priority,
      timeoutSeconds,
      maxAttempts: request.maxAttempts ?? kindConfig.maxAttempts,
      labels: request.labels ?? {},
      submittedAt: now,
    };
    const id = newJobId(request.kind, now);
    await queue.add(request.kind, data, bullJobOptions(id, data, kindConfig.backoffMs));
    return toJobView({ id, state: 'waiting', data, attemptsMade: 0, attemptsStarted: 0, timestamp: now }, {});
  }

  /** The job's view, or undefined when there is no such job (or it belongs to another tenant). */
  async view(id: string, tenant?: string): Promise<JobView | undefined> {
    const kind = kindOfJobId(id) as Kind | undefined;
    const queue = kind ? this.queues.get(kind) : undefined;
    if (!queue) return undefined;
    // The state first, then the job: once the state is terminal the job's fields no longer change,
    // so a finished job is always shown with its final attempts, result and error.
    const state = await queue.getJobState(id);
    if (state === 'unknown') return undefined;
    const [job, runFields] = await Promise.all([queue.getJob(id), this.redis.hgetall(keys.jobRun(id))]);
    if (!job) return undefined;
    const data = JobData.safeParse(job.data);
    if (!data.success) {
      this.log.error({ jobId: id, issues: data.error.issues }, 'stored job data does not match the schema');
      throw new ApiError('internal_error');
    }
    if (tenant !== undefined && data.data.tenant !== tenant) return undefined;
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
    // A job no scheduler has fetched yet: say how many are ahead, and whether any scheduler runs its kind.
    const standing =
      state === 'prioritized' || state === 'waiting'
        ? standingOf(await readSchedulerState(this.redis), data.data.kind, (await this.redis.zrank(bullmqKey(data.data.kind, 'prioritized'), id)) ?? 0)
        : undefined;
    return toJobView(facts, run.success ? run.data : {}, standing);
  }
}
