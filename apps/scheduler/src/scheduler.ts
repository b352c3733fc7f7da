// The live scheduler: BullMQ queues feed the core's window; the core's decisions become
// dispatches through executors, pending reasons and failures; finished work frees VRAM and wakes
// the next pass. Every wake-up is an event (a job fetched, a job finished, a GPU freed, a
// cancel), never a timer. It runs only while this process holds its box's lease.
import type { Job, RedisOptions } from 'bullmq';
import { estimateVramMb, inferenceModelOf, JobData, solveProblemOf, type GpuqConfig, type InferenceInput } from '@gpuq/shared';
import type { Logger, Redis } from '@gpuq/runtime';
import { CancelListener } from './cancellation.js';
import { HandedOver, JobFailure, type Executor } from './executors/index.js';
import { FencedWriter } from './fenced-writes.js';
import { GpuHealth } from './gpu-health.js';
import { GpuMonitor } from './gpu-monitor.js';
import type { HeldJob, Reattachment } from './held-job.js';
import type { GpuSpec } from './inventory.js';
import { InventoryPublisher } from './inventory-publisher.js';
import { failAttempt, runAttempt, type Attempt, type RunnerContext, type StopReason } from './job-runner.js';
import { KindQueue } from './kind-queue.js';
import type { Lease } from './lease.js';
import { VramLedger, type Reservation } from './ledger.js';
import type { SchedulerMetrics } from './metrics.js';
import type { NvidiaSmi } from './nvidia-smi.js';
import { coreOptionsFor } from './policies.js';
import { adoptActiveJobs } from './recovery.js';
import { RunRecords } from './run-records.js';
import { SchedulerCore } from './scheduler-core.js';
import { serverDeviceId, type SolveServers } from './solve-servers.js';
import { VramEstimator } from './vram-estimator.js';
import { WebhookOutbox } from './webhook-outbox.js';

export interface SchedulerOptions {
  config: GpuqConfig;
  gpus: GpuSpec[];
  connection: RedisOptions;
  redis: Redis;
  executors: ReadonlyMap<string, Executor>;
  lease: Lease;
  schedulerId: string;
  boxId: string;
  metrics: SchedulerMetrics;
  /** nvidia-smi to poll for memory not ours, job peaks and GPU health. */
  smi?: NvidiaSmi;
  /** Where solve jobs go, when config lists solve servers. */
  solveServers?: SolveServers;
  log: Logger;
}

export class Scheduler {
  private readonly core: SchedulerCore<HeldJob>;
  private readonly queues = new Map<string, KindQueue>();
  private readonly running = new Map<string, Attempt>();
  /** Jobs fetched and not yet held or done with, by kind: they count against the window too. */
  private readonly taking = new Map<string, number>();
  private readonly records: RunRecords;
  private readonly cancels: CancelListener;
  private readonly health: GpuHealth;
  private readonly monitor: GpuMonitor | undefined;
  private readonly estimator: VramEstimator;
  private readonly log: Logger;
  private readonly publisher: InventoryPublisher;
  private readonly webhooks: WebhookOutbox;
  /** Where each kind may run (GPUs, or solve servers' slots). */
  private readonly devices: Map<string, ReadonlySet<string>>;
  private isPlanScheduled = false;
  private isStopping = false;

  constructor(private readonly options: SchedulerOptions) {
    const { config, log } = options;
    this.log = log;
    const ledger = new VramLedger([...options.gpus, ...(options.solveServers?.devices() ?? [])]);
    this.checkKindGpus();
    this.devices = this.devicesByKind();
    this.core = new SchedulerCore<HeldJob>(ledger, coreOptionsFor(config.scheduler, config.scheduler.policy, this.devices));
    const writer = new FencedWriter(options.redis, options.lease.fenceKey, () => options.lease.fence);
    this.records = new RunRecords(options.redis, writer);
    this.cancels = new CancelListener(options.redis, (jobId) => this.onCancel(jobId), log);
    this.health = new GpuHealth(ledger, config.scheduler.drainAfterFailures, config.scheduler.drainCooldownS * 1000, () => this.onGpusChanged());
    options.solveServers?.onStateChange((server, downReason) => {
      this.health.set(serverDeviceId(server.name), 'server', downReason);
      // Its GPUs are no use to anyone while it is down: say so where people look at GPUs.
      if (!server.sharesGpus) for (const gpu of server.gpus ?? []) this.health.set(gpu, 'server', downReason && `its cuOpt server ${server.name} is down`);
      this.onGpusChanged();
    });
    this.monitor = options.smi ? new GpuMonitor(options.smi, ledger, this.health, config.scheduler.gpuMonitor.intervalMs, log, () => this.onGpusChanged()) : undefined;
    this.estimator = new VramEstimator(options.redis, config.scheduler.vramEstimates);
    this.webhooks = new WebhookOutbox(options.connection, config.api.webhooks, log);
    this.publisher = new InventoryPublisher(
      {
        schedulerId: options.schedulerId,
        boxId: options.boxId,
        ledger,
        monitor: this.monitor,
        kinds: () => [...this.queues.keys()],
        unavailableKinds: () => Object.fromEntries(this.unavailable),
        heldOf: (kind) => this.core.window.countOf(kind),
        solveServers: options.solveServers,
      },
      writer,
      options.metrics,
      log,
    );
    for (const kind of options.executors.keys()) {
      this.queues.set(
        kind,
        new KindQueue({
          kind,
          connection: options.connection,
          lockDurationMs: config.scheduler.lockDurationMs,
          hasRoom: () => !this.isStopping && this.core.window.countOf(kind) + (this.taking.get(kind) ?? 0) < config.scheduler.windowPerKind,
          onJob: (job, token) => {
            this.taking.set(kind, (this.taking.get(kind) ?? 0) + 1);
            void this.onJob(kind, job, token)
              .catch((err) => log.error({ err, jobId: job.id }, 'could not take the job'))
              .finally(() => {
                this.taking.set(kind, (this.taking.get(kind) ?? 1) - 1);
                this.queues.get(kind)?.notifyRoom();
              });
          },
          onLockLost: (ids) => this.onLockLost(ids),
          log,
        }),
      );
    }
  }

  private checkKindGpus(): void {
    const known = new Set(this.options.gpus.map((g) => g.id));
    const has = `it has ${[...known].join(', ')}`;
    const servers = this.options.solveServers?.servers ?? [];
    for (const [i, server] of servers.entries()) {
      const unknown = (server.gpus ?? []).filter((id) => !known.has(id));
      if (unknown.length > 0) throw new Error(`config kinds.solve.servers[${i}] (${server.name}) names ${unknown.join(', ')}, which this box does not have (${has})`);
    }
    const owned = this.options.solveServers?.ownedGpus() ?? new Set<string>();
    const lists = [
      ...Object.entries(this.options.config.kinds).map(([kind, k]) => [`kinds.${kind}.gpus`, k.gpus ?? []] as const),
      ...Object.entries(this.options.config.kinds.inference.models).map(([name, m]) => [`kinds.inference.models.${name}.gpus`, m.gpus ?? []] as const),
    ];
    for (const [field, gpus] of lists) {
      const unknown = gpus.filter((id) => !known.has(id));
      if (unknown.length > 0) throw new Error(`config ${field} names ${unknown.join(', ')}, which this box does not have (${has})`);
      const taken = gpus.filter((id) => owned.has(id));
      if (taken.length > 0) throw new Error(`config ${field} names ${taken.join(', ')}, which a cuOpt server owns (set sharesGpus: true on that server if it leaves room for other jobs)`);
    }
  }

  /** Where each kind may run: its configured GPUs, else every GPU no cuOpt server owns; solve servers' slots for solve. */
  private devicesByKind(): Map<string, ReadonlySet<string>> {
    const { config, solveServers } = this.options;
    const owned = solveServers?.ownedGpus() ?? new Set<string>();
    const unowned = this.options.gpus.map((g) => g.id).filter((id) => !owned.has(id));
    // Without solve servers, a kind with no GPUs of its own may use any (and is told so by that name).
    if (!solveServers) return new Map(Object.entries(config.kinds).flatMap(([kind, k]) => (k.gpus ? [[kind, new Set(k.gpus)] as const] : [])));
    return new Map(
      Object.entries(config.kinds).map(([kind, k]) => {
        if (kind === 'solve') return [kind, new Set(solveServers.devices().map((d) => d.id))];
        return [kind, new Set(k.gpus ?? unowned)];
      }),
    );
  }

  /** Kinds whose executor cannot run here, and why: not fetched, and said so in the inventory. */
  private readonly unavailable = new Map<string, string>();

  /** Adopts what a previous scheduler of this box left running, then starts taking jobs. */
  async start(): Promise<void> {
    const { metrics } = this.options;
    for (const [kind, executor] of this.options.executors) {
      const reason = await executor.check?.();
      if (!reason) continue;
      this.log.warn({ kind, reason }, `${kind} jobs will not run on this box`);
      this.unavailable.set(kind, reason);
      await this.queues.get(kind)?.abandon();
      this.queues.delete(kind);
    }
    await Promise.all([...this.queues.values()].map((q) => q.start()));
    await this.estimator.load(this.queues.keys());
    await this.cancels.start();
    this.monitor?.start();
    await this.options.solveServers?.start();
    await adoptActiveJobs({
      queues: this.queues,
      records: this.records,
      log: this.log,
      reattach: (job, previous) => this.reattach(job, previous),
      hold: (job) => void this.admit(job).catch((err) => this.log.error({ err, jobId: job.id }, 'could not take over the job')),
      hasDevice: (id) => this.core.ledger.spec(id) !== undefined,
      fail: (kind, held, failure) => failAttempt(this.runnerContext(kind), held, failure, this.log.child({ jobId: held.id })),
      toHeld: (kind, job, token, data) => this.toHeld(kind, job, token, data),
    });
    for (const queue of this.queues.values()) await queue.startFetching();
    metrics.isActive.set(1);
    metrics.setQueueDepthSource(async () => {
      const depths = await Promise.all([...this.queues].map(async ([kind, queue]) => [kind, await queue.depth()] as const));
      return depths.flatMap(([kind, depth]) => Object.entries(depth).map(([state, jobs]) => ({ kind, state, jobs })));
    });
    this.requestPlan();
    this.requestPublish();
    this.log.info({ kinds: [...this.queues.keys()], gpus: this.options.gpus.map((g) => g.id) }, 'scheduler started');
  }

  private runnerContext(kind: string): RunnerContext {
    return {
      queue: this.queues.get(kind)!,
      executor: this.options.executors.get(kind)!,
      records: this.records,
      lease: this.options.lease,
      health: this.health,
      monitor: this.monitor,
      estimator: this.estimator,
      metrics: this.options.metrics,
      webhooks: this.webhooks,
      costs: this.options.config.costs,
      capacityOf: (gpu) => this.core.ledger.largestCapacityMb(new Set([gpu])),
      largestCapacityFor: (k) => this.core.ledger.largestCapacityMb(this.devices.get(k)),
      releaseGpu: (jobId) => {
        if (!this.core.finish(jobId)) return;
        this.requestPlan();
        this.requestPublish();
      },
      log: this.log,
    };
  }

  private kindConfig(kind: string) {
    return this.options.config.kinds[kind as keyof GpuqConfig['kinds']];
  }

  private toHeld(kind: string, job: Job, token: string, data: JobData, minVramMb = 0): HeldJob {
    const { solveServers } = this.options;
    if (kind === 'solve' && solveServers) {
      const problem = solveProblemOf(data.input);
      const devices = solveServers.devicesFor(problem);
      return {
        id: job.id!,
        kind,
        priority: data.priority,
        submittedAt: data.submittedAt,
        vramMb: 0,
        devices,
        ...(devices.size === 0 ? { noDeviceReason: solveServers.whyNoServerFor(problem) } : {}),
        runBoundMs: data.timeoutSeconds * 1000,
        job,
        token,
        data,
        attempt: job.attemptsStarted,
        baseVramMb: 0,
        estimateSource: 'slot',
      };
    }
    // An inference job's GPU stage runs where its model's server is, with the model's VRAM.
    const model = kind === 'inference' ? inferenceModelOf(data.input as InferenceInput, this.options.config) : undefined;
    const baseVramMb = model?.vramMb ?? estimateVramMb(data.kind, data.input) ?? this.kindConfig(kind).defaultVramMb;
    const estimate = this.estimator.estimate(kind, data.requestedVramMb, baseVramMb);
    return {
      id: job.id!,
      kind,
      priority: data.priority,
      submittedAt: data.submittedAt,
      // After running out of memory, only a larger GPU will do.
      vramMb: Math.max(estimate.vramMb, minVramMb),
      ...(model?.gpus ? { devices: new Set(model.gpus) } : {}),
      runBoundMs: data.timeoutSeconds * 1000,
      job,
      token,
      data,
      attempt: job.attemptsStarted,
      baseVramMb,
      estimateSource: estimate.source,
    };
  }

  private async onJob(kind: string, job: Job, token: string): Promise<void> {
    const parsed = JobData.safeParse(job.data);
    if (!parsed.success || parsed.data.kind !== kind) {
      const message = `the job's stored data is not a valid ${kind} job: ${parsed.error?.issues[0]?.message ?? 'wrong kind'}`;
      await failAttempt(this.runnerContext(kind), { id: job.id!, kind, job, token }, new JobFailure('internal', message, false), this.log);
      return;
    }
    // Both reads at once: one round trip to Redis, not two, between fetch and placement.
    const [run, isCancelled] = await Promise.all([this.records.read(job.id!), this.cancels.isCancelled(job.id!)]);
    const held = this.toHeld(kind, job, token, parsed.data, run.minVramMb);
    if (isCancelled) {
      // A queued job that was cancelled never runs.
      await failAttempt(this.runnerContext(kind), held, new JobFailure('cancelled', 'cancelled on request', false), this.log);
      return;
    }
    // A previous attempt whose scheduler died may still be running on its worker: continue it.
    if (run.phase === 'running' && run.handle && run.gpu && run.vramMb !== undefined && this.core.ledger.spec(run.gpu)) {
      this.reattach(held, { handle: run.handle, gpu: run.gpu, vramMb: run.vramMb, startedAt: run.startedAt ?? Date.now() });
      return;
    }
    await this.admit(held);
  }

  /** A fetched job: a pipeline kind's CPU stage runs first, holding no GPU; then it waits for one. */
  private async admit(held: HeldJob): Promise<void> {
    const executor = this.options.executors.get(held.kind);
    if (executor?.prepare && held.prepared === undefined) {
      if (!(await this.prepare(held, executor))) return;
      if (await this.cancels.isCancelled(held.id)) {
        await failAttempt(this.runnerContext(held.kind), held, new JobFailure('cancelled', 'cancelled on request', false), this.log.child({ jobId: held.id }));
        return;
      }
    }
    this.hold(held);
  }

  /** Runs the prepare stage; false when it failed the job's attempt. */
  private async prepare(held: HeldJob, executor: Executor): Promise<boolean> {
    const log = this.log.child({ jobId: held.id, kind: held.kind });
    await this.records.pending(held.id, 'preprocess: its input is being prepared on the CPU before it waits for a GPU', 0).catch(() => undefined);
    const startedAt = Date.now();
    let failure: JobFailure | undefined;
    try {
      held.prepared = await executor.prepare!({ jobId: held.id, kind: held.kind, input: held.data.input });
    } catch (err) {
      failure = err instanceof JobFailure ? err : new JobFailure('internal', `preprocess: ${(err as Error).message}`, true);
    }
    const seconds = (Date.now() - startedAt) / 1000;
    held.stages = [{ name: 'preprocess', device: 'cpu', startedAt, seconds }];
    await this.records.stages(held.id, held.stages, seconds).catch((err) => log.warn({ err }, 'could not record the stage'));
    if (!failure) return true;
    await failAttempt(this.runnerContext(held.kind), held, failure, log);
    return false;
  }

  private hold(held: HeldJob): void {
    this.core.hold(held);
    this.records.held(held.id, held.attempt, held.token).catch((err) => this.log.warn({ err, jobId: held.id }, 'could not record the held job'));
    this.requestPlan();
    // The inventory counts held jobs: the API places queued jobs behind them.
    this.requestPublish();
  }

  /** Re-attaches to a previous attempt's work, reserving the VRAM it is using where it runs. */
  private reattach(held: HeldJob, previous: Reattachment): void {
    const reservation = this.core.ledger.adopt({ jobId: held.id, gpu: previous.gpu, vramMb: previous.vramMb, endsBy: previous.startedAt + held.runBoundMs });
    this.log.info({ jobId: held.id, gpu: previous.gpu, handle: previous.handle }, 'found the previous attempt still recorded as running; re-attaching');
    this.dispatch(held, reservation, previous.handle);
  }

  /** A cuOpt server solves on its healthy GPUs only: one slot each, and none while all are unwell. */
  private syncServerSlots(): void {
    for (const server of this.options.solveServers?.servers ?? []) {
      if (!server.gpus) continue;
      const id = serverDeviceId(server.name);
      const unwell = server.gpus.filter((gpu) => this.health.isUnwell(gpu));
      this.core.ledger.setMaxJobs(id, Math.max(1, server.gpus.length - unwell.length));
      const reason = unwell.length === server.gpus.length ? `its GPUs are drained (${unwell.map((g) => `${g}: ${this.health.reasonsOf(g).join('; ')}`).join('; ')})` : undefined;
      this.health.set(id, 'gpus', reason);
    }
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
    this.syncServerSlots();
    const freed = new Set<string>();
    for (const decision of this.core.plan(Date.now())) {
      const { job } = decision;
      if (decision.type === 'dispatch') {
        freed.add(job.kind);
        this.dispatch(job, decision.reservation);
      } else if (decision.type === 'never-fits') {
        freed.add(job.kind);
        void failAttempt(this.runnerContext(job.kind), job, new JobFailure('never_fits', decision.reason, false), this.log.child({ jobId: job.id }));
      } else {
        const ahead = decision.ahead === 1 ? '1 job ahead' : `${decision.ahead} jobs ahead`;
        this.records
          .pending(job.id, `${decision.reason}; ${ahead}`, decision.ahead)
          .catch((err) => this.log.warn({ err, jobId: job.id }, 'could not record the pending reason'));
      }
    }
    for (const kind of freed) this.queues.get(kind)?.notifyRoom();
    if (freed.size > 0) this.requestPublish();
  }

  private dispatch(held: HeldJob, reservation: Reservation, reattachHandle?: string): void {
    const { metrics } = this.options;
    const spec = this.core.ledger.spec(reservation.gpu);
    const uuid = spec?.uuid;
    const fence = this.options.lease.fence;
    const server = this.options.solveServers?.server(reservation.gpu);
    const attempt: Attempt = {
      held,
      reservation,
      controller: new AbortController(),
      gpuTotalMb: spec?.totalMb ?? reservation.vramMb,
      ...(fence !== undefined ? { fence } : {}),
      ...(reattachHandle ? { reattachHandle } : {}),
      ...(uuid ? { gpuUuid: uuid } : {}),
      ...(server ? { server: { name: server.name, gpus: server.gpus ?? [] } } : {}),
    };
    if (!reattachHandle) {
      metrics.placements.inc({ kind: held.kind, gpu: reservation.gpu });
      if (held.job.attemptsMade === 0) metrics.submitToDispatch.observe({ kind: held.kind }, (Date.now() - held.data.submittedAt) / 1000);
    }
    const timer = setTimeout(() => this.stop(attempt, 'timeout'), Math.max(0, reservation.endsBy - Date.now()));
    this.running.set(held.id, attempt);
    attempt.done = runAttempt(this.runnerContext(held.kind), attempt)
      .catch((err) => {
        this.log.error({ err, jobId: held.id }, 'job bookkeeping failed');
        return 'finished' as const;
      })
      .then((end) => {
        clearTimeout(timer);
        this.running.delete(held.id);
        this.core.finish(held.id);
        if ((end === 'not-attached' || end === 'not-started') && !this.isStopping) {
          if (end === 'not-attached') this.log.info({ jobId: held.id }, 'the previous attempt is gone from its worker; placing the job anew');
          this.hold(held);
        }
        this.requestPublish();
        this.requestPlan();
        return end;
      });
  }

  private stop(attempt: Attempt, reason: StopReason): void {
    attempt.stopReason ??= reason;
    const isHandover = attempt.stopReason === 'handover' || attempt.stopReason === 'lock-lost';
    attempt.controller.abort(isHandover ? new HandedOver(attempt.stopReason) : new Error(attempt.stopReason));
  }

  private onCancel(jobId: string): void {
    const held = this.core.drop(jobId);
    if (held) {
      this.log.info({ jobId }, 'cancelled while waiting for a GPU');
      void failAttempt(this.runnerContext(held.kind), held, new JobFailure('cancelled', 'cancelled on request', false), this.log.child({ jobId }));
      this.queues.get(held.kind)?.notifyRoom();
      this.requestPlan();
      this.requestPublish();
      return;
    }
    const attempt = this.running.get(jobId);
    if (attempt) {
      this.log.info({ jobId }, 'cancelling the running job');
      this.stop(attempt, 'cancel');
    }
  }

  private onLockLost(jobIds: string[]): void {
    for (const id of jobIds) {
      if (this.core.drop(id)) {
        this.records.forget(id);
        this.log.warn({ jobId: id }, 'lost the lock of a held job; dropped it');
        continue;
      }
      const attempt = this.running.get(id);
      if (attempt) this.stop(attempt, 'lock-lost');
    }
    this.requestPlan();
    this.requestPublish();
  }

  private onGpusChanged(): void {
    this.requestPublish();
    this.requestPlan();
  }

  private requestPublish(): void {
    this.publisher.request();
  }

  /**
   * Stops taking jobs and returns held ones to the queue; running ones may finish for `graceMs`,
   * then are handed over still running, for the next active scheduler of this box to re-attach.
   */
  async close(graceMs: number): Promise<void> {
    if (this.isStopping) return;
    this.isStopping = true;
    for (const queue of this.queues.values()) queue.stopFetching();
    await Promise.allSettled(
      this.core.window.ordered().map((job) => {
        this.core.drop(job.id);
        return this.queues.get(job.kind)!.release(job.job, job.token);
      }),
    );
    const runs = () => [...this.running.values()].flatMap((a) => (a.done ? [a.done] : []));
    if (this.running.size > 0) {
      this.log.info({ running: this.running.size, graceMs }, 'waiting for running jobs');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(runs()), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      for (const attempt of this.running.values()) this.stop(attempt, 'handover');
      await Promise.allSettled(runs());
    }
    await this.shutDown();
  }

  /** After losing the lease: stop at once, touching nothing in Redis; the work keeps running for the new owner. */
  async abandon(): Promise<void> {
    this.isStopping = true;
    for (const attempt of this.running.values()) this.stop(attempt, 'handover');
    await Promise.allSettled([...this.queues.values()].map((q) => q.abandon()));
    await this.shutDown(false);
  }

  private async shutDown(isClean = true): Promise<void> {
    this.options.metrics.isActive.set(0);
    this.monitor?.stop();
    this.health.close();
    await this.cancels.close();
    await this.webhooks.close();
    if (isClean) await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    await Promise.allSettled([...this.options.executors.values()].map((e) => e.close()));
  }
}
