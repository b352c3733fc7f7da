// The live scheduler: BullMQ queues feed the core's window; the core's decisions become
// dispatches through executors, pending reasons and failures; finished work frees VRAM and wakes
// the next pass. Every wake-up is an event (a job fetched, a job finished), never a timer.
import { hostname } from 'node:os';
import { UnrecoverableError, type Job, type RedisOptions } from 'bullmq';
import { JobData, keys, type GpuqConfig, type Inventory } from '@gpuq/shared';
import type { Logger, Redis } from '@gpuq/runtime';
import { JobFailure, type Executor } from './executors/index.js';
import type { GpuSpec } from './inventory.js';
import { KindQueue } from './kind-queue.js';
import { VramLedger, type Reservation } from './ledger.js';
import { RunRecords } from './run-records.js';
import { SchedulerCore } from './scheduler-core.js';
import type { WindowJob } from './window.js';

export interface SchedulerOptions {
  config: GpuqConfig;
  gpus: GpuSpec[];
  connection: RedisOptions;
  redis: Redis;
  executors: ReadonlyMap<string, Executor>;
  log: Logger;
  schedulerId?: string;
}

interface HeldJob extends WindowJob {
  job: Job;
  token: string;
  data: JobData;
  attempt: number;
}

type StopReason = 'timeout' | 'shutdown' | 'lock-lost';

interface RunningJob {
  held: HeldJob;
  reservation: Reservation;
  controller: AbortController;
  stopReason?: StopReason;
  done?: Promise<void>;
}

export class Scheduler {
  readonly id: string;
  private readonly core: SchedulerCore<HeldJob>;
  private readonly queues = new Map<string, KindQueue>();
  private readonly running = new Map<string, RunningJob>();
  private readonly records: RunRecords;
  private readonly log: Logger;
  private isPlanScheduled = false;
  private isPublishScheduled = false;
  private isStopping = false;

  constructor(private readonly options: SchedulerOptions) {
    this.id = options.schedulerId ?? `${hostname()}:${process.pid}`;
    this.log = options.log;
    const { scheduler } = options.config;
    this.core = new SchedulerCore<HeldJob>(new VramLedger(options.gpus, scheduler.headroomMb), {
      policy: scheduler.policy,
      maxJobsPerGpu: scheduler.maxJobsPerGpu,
    });
    this.records = new RunRecords(options.redis);
    for (const kind of options.executors.keys()) {
      this.queues.set(
        kind,
        new KindQueue({
          kind,
          connection: options.connection,
          lockDurationMs: scheduler.lockDurationMs,
          hasRoom: () => !this.isStopping && this.core.window.countOf(kind) < scheduler.windowPerKind,
          onJob: (job, token) => this.onJob(kind, job, token),
          onLockLost: (ids) => this.onLockLost(ids),
          log: this.log,
        }),
      );
    }
  }

  async start(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.start()));
    await this.publishInventory();
    this.log.info({ schedulerId: this.id, kinds: [...this.queues.keys()] }, 'scheduler started');
  }

  private kindConfig(kind: string) {
    return this.options.config.kinds[kind as keyof GpuqConfig['kinds']];
  }

  private onJob(kind: string, job: Job, token: string): void {
    const parsed = JobData.safeParse(job.data);
    const queue = this.queues.get(kind)!;
    if (!parsed.success || parsed.data.kind !== kind) {
      const message = `the job's stored data is not a valid ${kind} job: ${parsed.error?.issues[0]?.message ?? 'wrong kind'}`;
      void this.failHeld(queue, job, token, new JobFailure('internal', message, false));
      return;
    }
    const data = parsed.data;
    const held: HeldJob = {
      id: job.id!,
      kind,
      priority: data.priority,
      submittedAt: data.submittedAt,
      vramMb: data.requestedVramMb ?? this.kindConfig(kind).defaultVramMb,
      job,
      token,
      data,
      attempt: job.attemptsStarted,
    };
    this.core.hold(held);
    this.records.held(held.id, held.attempt).catch((err) => this.log.warn({ err, jobId: held.id }, 'could not record the held job'));
    this.requestPlan();
  }

  /** Coalesces the wake-ups of one event-loop turn into a single placement pass. */
  private requestPlan(): void {
    if (this.isPlanScheduled || this.isStopping) return;
    this.isPlanScheduled = true;
    setImmediate(() => {
      this.isPlanScheduled = false;
      this.planNow();
    });
  }

  private planNow(): void {
    if (this.isStopping) return;
    const freed = new Set<string>();
    for (const decision of this.core.plan()) {
      const { job } = decision;
      if (decision.type === 'dispatch') {
        freed.add(job.kind);
        this.dispatch(job, decision.reservation);
      } else if (decision.type === 'never-fits') {
        freed.add(job.kind);
        void this.failHeld(this.queues.get(job.kind)!, job.job, job.token, new JobFailure('never_fits', decision.reason, false));
      } else {
        const ahead = decision.ahead === 1 ? '1 job ahead' : `${decision.ahead} jobs ahead`;
        this.records.pending(job.id, `${decision.reason}; ${ahead}`).catch((err) => this.log.warn({ err, jobId: job.id }, 'could not record the pending reason'));
      }
    }
    for (const kind of freed) this.queues.get(kind)?.notifyRoom();
    if (freed.size > 0) this.requestPublish();
  }

  private dispatch(held: HeldJob, reservation: Reservation): void {
    const run: RunningJob = { held, reservation, controller: new AbortController() };
    const timer = setTimeout(() => this.stop(run, 'timeout'), held.data.timeoutSeconds * 1000);
    this.running.set(held.id, run);
    run.done = this.execute(run)
      .catch((err) => this.log.error({ err, jobId: held.id }, 'job bookkeeping failed'))
      .finally(() => {
        clearTimeout(timer);
        this.running.delete(held.id);
        this.core.finish(held.id);
        this.requestPublish();
        this.requestPlan();
      });
  }

  private stop(run: RunningJob, reason: StopReason): void {
    run.stopReason ??= reason;
    run.controller.abort(new Error(reason));
  }

  private async execute(run: RunningJob): Promise<void> {
    const { held, reservation } = run;
    const queue = this.queues.get(held.kind)!;
    const executor = this.options.executors.get(held.kind)!;
    const gpu = this.core.ledger.specs().find((g) => g.id === reservation.gpu);
    const log = this.log.child({ jobId: held.id, kind: held.kind, gpu: reservation.gpu, attempt: held.attempt });
    const startedAt = Date.now();
    await this.records
      .running(held.id, { attempt: held.attempt, gpu: reservation.gpu, vramMb: reservation.vramMb, startedAt })
      .catch((err) => log.warn({ err }, 'could not record the dispatch'));
    log.info({ vramMb: reservation.vramMb, waitedMs: startedAt - held.data.submittedAt }, 'dispatched');

    let result: unknown;
    try {
      result = await executor.run(
        {
          jobId: held.id,
          kind: held.kind,
          attempt: held.attempt,
          input: held.data.input,
          gpu: { id: reservation.gpu, vramMb: reservation.vramMb, ...(gpu?.uuid ? { uuid: gpu.uuid } : {}) },
        },
        run.controller.signal,
        {
          onHandle: (handle) => void this.records.handle(held.id, handle).catch((err) => log.warn({ err }, 'could not record the handle')),
          onProgress: (progress) => void this.records.progress(held.id, progress).catch((err) => log.warn({ err }, 'could not record progress')),
        },
      );
    } catch (err) {
      switch (run.stopReason) {
        case 'shutdown':
          log.info('stopped for shutdown; returning the job to the queue');
          await queue.release(held.job, held.token);
          return;
        case 'lock-lost':
          log.warn('stopped: the job lock was lost, so another scheduler may run it');
          return;
        case 'timeout':
          await this.failHeld(queue, held.job, held.token, new JobFailure('timed_out', `timed out after ${held.data.timeoutSeconds} s`, false), log);
          return;
        default: {
          const failure =
            err instanceof JobFailure ? err : new JobFailure('internal', `the executor failed unexpectedly: ${(err as Error).message}`, true);
          await this.failHeld(queue, held.job, held.token, failure, log);
          return;
        }
      }
    }
    if (run.stopReason === 'lock-lost') {
      log.warn('finished after its lock was lost; the result is discarded');
      return;
    }
    await this.records.ended(held.id, { finishedAt: Date.now() }).catch((err) => log.warn({ err }, 'could not record the end'));
    const isRecorded = await queue.complete(held.job, held.token, result);
    log.info({ durationMs: Date.now() - startedAt, isRecorded }, 'succeeded');
  }

  /** Ends an attempt as failed; BullMQ retries it with backoff unless retrying cannot help. */
  private async failHeld(queue: KindQueue, job: Job, token: string, failure: JobFailure, log: Logger = this.log.child({ jobId: job.id })): Promise<void> {
    const attemptsLeft = (job.opts.attempts ?? 1) - job.attemptsMade - 1;
    const willRetry = failure.isRetryable && attemptsLeft > 0;
    await this.records
      .ended(job.id!, { finishedAt: Date.now(), error: { code: failure.code, message: failure.message } })
      .catch((err) => log.warn({ err }, 'could not record the failure'));
    const error = failure.isRetryable ? new Error(failure.message) : new UnrecoverableError(failure.message);
    await queue.fail(job, token, error);
    log.warn({ code: failure.code, reason: failure.message, willRetry }, willRetry ? 'attempt failed; will retry' : 'failed');
  }

  private onLockLost(jobIds: string[]): void {
    for (const id of jobIds) {
      if (this.core.drop(id)) {
        this.records.forget(id);
        this.log.warn({ jobId: id }, 'lost the lock of a held job; dropped it');
        continue;
      }
      const run = this.running.get(id);
      if (run) this.stop(run, 'lock-lost');
    }
    this.requestPlan();
  }

  private requestPublish(): void {
    if (this.isPublishScheduled) return;
    this.isPublishScheduled = true;
    setImmediate(() => {
      this.isPublishScheduled = false;
      this.publishInventory().catch((err) => this.log.warn({ err }, 'could not publish the GPU inventory'));
    });
  }

  inventory(): Inventory {
    const specs = new Map(this.core.ledger.specs().map((s) => [s.id, s]));
    return {
      schedulerId: this.id,
      updatedAt: Date.now(),
      kinds: [...this.queues.keys()],
      gpus: this.core.ledger.capacities().map((c) => {
        const spec = specs.get(c.id)!;
        return {
          id: c.id,
          ...(spec.uuid ? { uuid: spec.uuid } : {}),
          ...(spec.name ? { name: spec.name } : {}),
          isSimulated: spec.isSimulated,
          totalMb: c.totalMb,
          usableMb: c.usableMb,
          reservedMb: c.reservedMb,
          freeMb: c.freeMb,
          jobs: c.jobs,
          drainedReason: c.drainedReason ?? null,
        };
      }),
    };
  }

  private async publishInventory(): Promise<void> {
    await this.options.redis.set(keys.inventory, JSON.stringify(this.inventory()));
  }

  /**
   * Stops taking jobs, returns held ones to the queue, lets running ones finish for `graceMs`,
   * then stops the rest and returns them too.
   */
  async close(graceMs: number): Promise<void> {
    if (this.isStopping) return;
    this.isStopping = true;
    for (const queue of this.queues.values()) queue.stopFetching();
    const held = this.core.window.ordered();
    await Promise.allSettled(
      held.map((job) => {
        this.core.drop(job.id);
        return this.queues.get(job.kind)!.release(job.job, job.token);
      }),
    );
    const runs = () => [...this.running.values()].flatMap((r) => (r.done ? [r.done] : []));
    if (this.running.size > 0) {
      this.log.info({ running: this.running.size, graceMs }, 'waiting for running jobs');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(runs()), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      for (const run of this.running.values()) this.stop(run, 'shutdown');
      await Promise.allSettled(runs());
    }
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    await Promise.allSettled([...this.options.executors.values()].map((e) => e.close()));
  }
}
