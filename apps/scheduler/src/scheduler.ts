// The live scheduler: BullMQ queues feed the core's window; the core's decisions become
// dispatches, pending reasons and failures; finished work frees VRAM and wakes the next pass.
// Every wake-up is an event (a job fetched, a job finished, a GPU freed, a cancel), never a
// timer. It runs only while this process holds its box's lease. What happens to one job between
// those events lives in jobs/: intake, dispatch, the attempt, its failures, recovery.
import type { V1Pod } from '@kubernetes/client-node';
import type { RedisOptions } from 'bullmq';
import { BOX_CONTROL_CHANNEL, queueChangedChannel, type GpuqConfig } from '@gpuq/shared';
import { BoxStatesCache, type Logger, type Redis } from '@gpuq/runtime';
import { BoxDrain } from './box/box-drain.js';
import { FencedWriter } from './box/fenced-writes.js';
import { InventoryPublisher } from './box/inventory-publisher.js';
import type { Lease } from './box/lease.js';
import type { GpuSpec } from './core/gpu-spec.js';
import { VramLedger } from './core/ledger.js';
import { coreOptionsFor } from './core/policies.js';
import { SchedulerCore } from './core/scheduler-core.js';
import { JobFailure, type Executor } from './executors/executor.js';
import { LABELS } from './executors/kubernetes/job-manifest.js';
import type { ClusterGpus } from './gpus/cluster/cluster-gpus.js';
import { withHeadroom } from './gpus/gpu-discovery.js';
import { GpuHealth } from './gpus/gpu-health.js';
import { GpuMonitor } from './gpus/gpu-monitor.js';
import type { NvidiaSmi } from './gpus/nvidia-smi.js';
import { VramEstimator } from './gpus/vram-estimator.js';
import { cancelledOnRequest, failAttempt } from './jobs/attempt-failures.js';
import type { AttemptEnd } from './jobs/attempt-runner.js';
import { Claimer } from './jobs/claimer.js';
import { Dispatcher } from './jobs/dispatcher.js';
import type { HeldJob } from './jobs/held-job.js';
import { Intake } from './jobs/intake.js';
import { adoptActiveJobs } from './jobs/recovery.js';
import { handOverRunning, returnHeldJobs, shutDownServices } from './jobs/shutdown.js';
import type { SchedulerServices } from './jobs/services.js';
import { checkKindGpus, devicesByKind } from './kinds/kind-devices.js';
import { drainServersWhileDown, syncServerSlots } from './kinds/solve/server-health.js';
import type { SolveServers } from './kinds/solve/solve-servers.js';
import type { SchedulerMetrics } from './metrics.js';
import { CancelListener } from './queue/cancellation.js';
import { KindQueue } from './queue/kind-queue.js';
import { Signals } from './queue/signals.js';
import { RunRecords } from './queue/run-records.js';
import { WebhookOutbox } from './queue/webhook-outbox.js';

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
  /** The Kubernetes cluster the GPUs are on: its nodes' state and other pods' GPU use are followed. */
  cluster?: ClusterGpus;
  /** Where solve jobs go, when config lists solve servers. */
  solveServers?: SolveServers;
  log: Logger;
}

export class Scheduler {
  private readonly services: SchedulerServices;
  private readonly dispatcher: Dispatcher;
  private readonly intake: Intake;
  private readonly publisher: InventoryPublisher;
  private readonly claimer: Claimer;
  private readonly signals: Signals;
  private readonly drain: BoxDrain;
  /** Kinds whose executor cannot run here, and why: not taken, and said so in the inventory. */
  private readonly unavailable = new Map<string, string>();
  private isPlanScheduled = false;
  private isStopping = false;
  private closed: Promise<void> | undefined;
  private readonly gpuIds: string[];
  /** Starts following the cluster's nodes and pods, where the GPUs are a cluster's. */
  private readonly followCluster: () => void;

  private readonly cluster: ClusterGpus | undefined;

  constructor(options: SchedulerOptions) {
    const { config, log, solveServers } = options;
    this.cluster = options.cluster;
    checkKindGpus(config, options.gpus, solveServers);
    this.gpuIds = options.gpus.map((g) => g.id);
    // GPU ids (gpu0) repeat on every box of a shared queue: people see them as box/gpu0.
    const ledger = new VramLedger([
      ...options.gpus.map((gpu) => ({ ...gpu, label: `${options.boxId}/${gpu.id}` })),
      ...(solveServers?.devices() ?? []).map((slots) => ({ ...slots, label: `${slots.solveServer} on ${options.boxId}` })),
    ]);
    const devices = devicesByKind(config, options.gpus, solveServers);
    const writer = new FencedWriter(options.redis, options.lease.fenceKey, () => options.lease.fence);
    const health = new GpuHealth(ledger, config.scheduler.drainAfterFailures, config.scheduler.drainCooldownS * 1000, () => this.onGpusChanged());
    const core = new SchedulerCore<HeldJob>(ledger, coreOptionsFor(config.scheduler, config.scheduler.policy, devices));
    // This box's pods are its jobs, in the ledger already; every other pod's GPU use is not ours.
    const isOurs = (pod: V1Pod) => pod.metadata?.labels?.[LABELS.box] === options.boxId;
    // A node that joins adds GPUs as those found at the start are kept: labelled by box, with config's headroom.
    const prepare = (spec: GpuSpec) => ({ ...withHeadroom([spec], config)[0]!, label: `${options.boxId}/${spec.id}` });
    this.followCluster = () => options.cluster?.follow({ ledger, health, isOurs, prepare, onChange: () => this.onGpusChanged() });
    const boxStates = new BoxStatesCache(options.redis);
    this.services = {
      boxId: options.boxId,
      config,
      log,
      metrics: options.metrics,
      lease: options.lease,
      core,
      devices,
      queues: new Map(),
      executors: options.executors,
      records: new RunRecords(options.redis, writer, options.boxId, () => options.lease.fence),
      cancels: new CancelListener(options.redis, (jobId) => this.onCancel(jobId), log),
      health,
      monitor: options.smi ? new GpuMonitor(options.smi, ledger, health, config.scheduler.gpuMonitor.intervalMs, log, () => this.onGpusChanged()) : undefined,
      estimator: new VramEstimator(options.redis, config.scheduler.vramEstimates),
      webhooks: new WebhookOutbox(options.connection, config.api.webhooks, log),
      solveServers,
      boxStates,
      requestPlan: () => this.requestPlan(),
      requestPublish: () => this.publisher.request(),
      requestClaim: () => this.claimer.request(),
      announceQueueChanged: (kind) => void options.redis.publish(queueChangedChannel(kind), options.boxId).catch((err) => log.warn({ err }, 'could not announce the queue change')),
      releaseGpu: (jobId) => {
        if (!core.finish(jobId)) return;
        this.requestPlan();
        this.publisher.request();
        this.claimer.request();
      },
    };
    this.drain = new BoxDrain(options.redis, options.boxId, log, () => this.onGpusChanged());
    if (solveServers) drainServersWhileDown(solveServers, health, () => this.onGpusChanged());
    this.dispatcher = new Dispatcher(this.services, (held, end) => this.placeAgain(held, end));
    this.intake = new Intake(this.services, this.dispatcher);
    this.publisher = new InventoryPublisher(
      {
        schedulerId: options.schedulerId,
        boxId: options.boxId,
        ledger,
        monitor: this.services.monitor,
        kinds: () => [...this.services.queues.keys()],
        unavailableKinds: () => Object.fromEntries(this.unavailable),
        heldOf: (kind) => core.window.countOf(kind),
        solveServers,
        kindGpus: Object.fromEntries([...devices].filter(([kind]) => !(kind === 'solve' && solveServers)).map(([kind, ids]) => [kind, [...ids]])),
        modelGpus: Object.fromEntries(Object.entries(config.kinds.inference.models).flatMap(([name, model]) => (model.gpus ? [[name, model.gpus]] : []))),
        drainedReason: () => this.drain.reason,
      },
      writer,
      options.metrics,
      log,
    );
    this.claimer = new Claimer(this.services, {
      boxId: options.boxId,
      boxStates,
      ownInventory: () => this.publisher.snapshot(),
      drainedReason: () => this.drain.reason,
      take: (kind, job, token, claim, reads) => this.intake.take(kind, job, token, claim, reads),
      lookahead: config.scheduler.claimLookahead,
      pollMs: config.scheduler.claimPollMs,
      neverFitsGraceMs: config.scheduler.leaseTtlMs * 3,
    });
    this.signals = new Signals(options.redis, log).on(BOX_CONTROL_CHANNEL, (boxId) => {
      if (boxId === options.boxId) void this.drain.refresh().catch((err) => log.warn({ err }, 'could not read the drain mark'));
    });
    for (const kind of options.executors.keys()) {
      this.services.queues.set(kind, this.kindQueue(kind, options));
      this.signals.on(queueChangedChannel(kind), () => this.claimer.request());
    }
  }

  private kindQueue(kind: string, options: SchedulerOptions): KindQueue {
    return new KindQueue({
      kind,
      connection: options.connection,
      redis: options.redis,
      schedulerId: options.schedulerId,
      lockDurationMs: this.services.config.scheduler.lockDurationMs,
      onLockLost: (ids) => this.onLockLost(ids),
      onStalled: () => this.services.announceQueueChanged(kind),
      log: this.services.log,
    });
  }

  /** Adopts what a previous scheduler of this box left running, then starts taking jobs. */
  async start(): Promise<void> {
    const { services } = this;
    const { queues, log } = services;
    for (const [kind, executor] of services.executors) {
      const reason = await executor.check?.();
      if (!reason) continue;
      log.warn({ kind, reason }, `${kind} jobs will not run on this box`);
      this.unavailable.set(kind, reason);
      await queues.get(kind)?.abandon();
      queues.delete(kind);
    }
    await Promise.all([...queues.values()].map((q) => q.start()));
    await services.estimator.load(queues.keys());
    await services.cancels.start();
    await this.signals.start();
    await this.drain.refresh();
    services.monitor?.start();
    this.followCluster();
    await services.solveServers?.start();
    await adoptActiveJobs(services, {
      hold: (held) => void this.intake.admit(held).catch((err) => log.error({ err, jobId: held.id }, 'could not take over the job')),
      reattach: (held, previous) => this.intake.reattach(held, previous),
      fail: (held, failure) => failAttempt(services, held, failure, log.child({ jobId: held.id })),
    });
    for (const queue of queues.values()) await queue.startStalledCheck();
    services.metrics.isActive.set(1);
    services.metrics.setQueueDepthSource(async () => {
      const depths = await Promise.all([...queues].map(async ([kind, queue]) => [kind, await queue.depth()] as const));
      // Held jobs are queued too (BullMQ counts them active): this box's own, waiting for a GPU.
      return depths.flatMap(([kind, depth]) => [...Object.entries(depth).map(([state, jobs]) => ({ kind, state, jobs })), { kind, state: 'held', jobs: services.core.window.countOf(kind) }]);
    });
    this.requestPlan();
    this.publisher.request();
    this.claimer.start();
    log.info({ boxId: services.boxId, kinds: [...queues.keys()], gpus: this.gpuIds }, 'scheduler started');
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
    const { core, records, solveServers, health, log } = this.services;
    if (solveServers) syncServerSlots(solveServers, core.ledger, health);
    const freed = new Set<string>();
    for (const decision of core.plan(Date.now())) {
      const { job } = decision;
      if (decision.type === 'dispatch') {
        freed.add(job.kind);
        this.dispatcher.dispatch(job, decision.reservation);
      } else if (decision.type === 'never-fits') {
        freed.add(job.kind);
        void failAttempt(this.services, job, new JobFailure('never_fits', decision.reason, false), log.child({ jobId: job.id }));
      } else {
        const ahead = decision.ahead === 1 ? '1 job ahead' : `${decision.ahead} jobs ahead`;
        const reason = `${decision.reason}; ${ahead}`;
        if (job.isHeldRecorded) {
          records.pending(job.id, reason, decision.ahead).catch((err) => log.warn({ err, jobId: job.id }, 'could not record the pending reason'));
        } else {
          // Held and why, in one write; a job placed at once has its running record instead.
          job.isHeldRecorded = true;
          records.held(job.id, job.attempt, job.token, { reason, ahead: decision.ahead }).catch((err) => log.warn({ err, jobId: job.id }, 'could not record the held job'));
        }
      }
    }
    if (freed.size > 0) {
      this.publisher.request();
      this.claimer.request();
    }
  }

  /** An attempt that did not start waits for a GPU again, unless this scheduler is stopping. */
  private placeAgain(held: HeldJob, end: AttemptEnd): void {
    if (this.isStopping) return;
    if (end === 'not-attached') this.services.log.info({ jobId: held.id }, 'the previous attempt is gone from its worker; placing the job anew');
    this.intake.hold(held);
  }

  private onCancel(jobId: string): void {
    const { core, log } = this.services;
    const held = core.drop(jobId);
    if (held) {
      log.info({ jobId }, 'cancelled while waiting for a GPU');
      void failAttempt(this.services, held, cancelledOnRequest(), log.child({ jobId }));
      this.requestPlan();
      this.claimer.request();
      this.publisher.request();
      return;
    }
    if (this.dispatcher.has(jobId)) log.info({ jobId }, 'cancelling the running job');
    this.dispatcher.stopJob(jobId, 'cancel');
  }

  private onLockLost(jobIds: string[]): void {
    for (const id of jobIds) {
      if (this.services.core.drop(id)) {
        this.services.records.forget(id);
        this.services.log.warn({ jobId: id }, 'lost the lock of a held job; dropped it');
        continue;
      }
      this.dispatcher.stopJob(id, 'lock-lost');
    }
    this.requestPlan();
    this.publisher.request();
  }

  private onGpusChanged(): void {
    this.publisher.request();
    this.requestPlan();
    this.claimer.request();
  }

  /**
   * Stops taking jobs and returns held ones to the queue; running ones may finish for `graceMs`,
   * then are handed over still running, for the next active scheduler of this box to re-attach.
   * Idempotent: a second call gets the first call's promise.
   */
  close(graceMs: number): Promise<void> {
    this.closed ??= this.closeNow(graceMs);
    return this.closed;
  }

  private async closeNow(graceMs: number): Promise<void> {
    this.isStopping = true;
    this.claimer.stop();
    for (const queue of this.services.queues.values()) queue.stopTaking();
    await returnHeldJobs(this.services);
    await handOverRunning(this.dispatcher, graceMs, this.services.log);
    await shutDownServices(this.services, true, [['signals', () => this.signals.close()], ['cluster', () => this.cluster?.stop()]]);
  }

  /** After losing the lease: stop at once, touching nothing in Redis; the work keeps running for the new owner. */
  abandon(): Promise<void> {
    this.closed ??= (async () => {
      this.isStopping = true;
      this.claimer.stop();
      this.dispatcher.handOverAll();
      await Promise.allSettled([...this.services.queues.values()].map((q) => q.abandon()));
      await shutDownServices(this.services, false, [['signals', () => this.signals.close()], ['cluster', () => this.cluster?.stop()]]);
    })();
    return this.closed;
  }
}
