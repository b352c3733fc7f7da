// Runs one attempt of one held job on its GPU through the kind's executor, and records how it
// ended: the result, or a failure that BullMQ retries unless retrying cannot help.
import { UnrecoverableError } from 'bullmq';
import type { GpuqConfig, StageRecord } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import { JobFailure, type Executor, type ExecutionRequest } from './executors/index.js';
import type { GpuHealth } from './gpu-health.js';
import type { GpuMonitor } from './gpu-monitor.js';
import type { HeldJob } from './held-job.js';
import type { KindQueue } from './kind-queue.js';
import type { Lease } from './lease.js';
import type { Reservation } from './ledger.js';
import type { SchedulerMetrics } from './metrics.js';
import type { JobSeconds, RunRecords, Spent } from './run-records.js';
import type { VramEstimator } from './vram-estimator.js';
import type { WebhookOutbox } from './webhook-outbox.js';

/** Why the scheduler stopped an attempt before it ended by itself. */
export type StopReason = 'timeout' | 'cancel' | 'lock-lost' | 'handover';

export interface Attempt {
  held: HeldJob;
  reservation: Reservation;
  controller: AbortController;
  stopReason?: StopReason;
  /** Re-attach to this handle (work a previous scheduler started) instead of starting anew. */
  reattachHandle?: string;
  gpuUuid?: string;
  /** The GPU's whole memory, for messages such as "out of memory on a 24 GiB GPU". */
  gpuTotalMb: number;
  /** Set when the job was placed on a solve server's slot: its name and GPUs (none for a CPU server). */
  server?: { name: string; gpus: string[] };
  fence?: number;
  /** Set when the attempt ended (or was handed over). */
  done?: Promise<AttemptEnd>;
}

/**
 * `not-attached`: the previous work is gone; `not-started`: the worker could not take it (its
 * server is down). Either way the job should be placed anew, without spending an attempt.
 */
export type AttemptEnd = 'finished' | 'handed-over' | 'not-attached' | 'not-started';


export interface RunnerContext {
  queue: KindQueue;
  executor: Executor;
  records: RunRecords;
  lease: Lease;
  health: GpuHealth;
  monitor: GpuMonitor | undefined;
  estimator: VramEstimator;
  metrics: SchedulerMetrics;
  webhooks: WebhookOutbox;
  /** What a GPU and a CPU second cost: a job that ends adds its cost to the metrics. */
  costs: GpuqConfig['costs'];
  /** What one GPU can ever hand out (total − headroom), and the most any GPU a kind may use can. */
  capacityOf: (gpu: string) => number;
  largestCapacityFor: (kind: string) => number;
  /** Frees a job's GPU reservation before its attempt ends (a pipeline's last stage runs on the CPU). */
  releaseGpu: (jobId: string) => void;
  log: Logger;
}

/** The job fields a failure needs; `data` is absent when the job's data could not be read. */
export type FailingJob = Pick<HeldJob, 'id' | 'kind' | 'job' | 'token'> & { data?: Pick<HeldJob['data'], 'webhookUrl'> };

/** A CPU solve server's slot holds no GPU. */
const isOnCpu = (attempt: Attempt) => attempt.server !== undefined && attempt.server.gpus.length === 0;

export async function runAttempt(ctx: RunnerContext, attempt: Attempt): Promise<AttemptEnd> {
  const { held, reservation } = attempt;
  const log = ctx.log.child({ jobId: held.id, kind: held.kind, gpu: reservation.gpu, attempt: held.attempt });
  const startedAt = Date.now();
  const request: ExecutionRequest = {
    jobId: held.id,
    kind: held.kind,
    attempt: held.attempt,
    input: held.data.input,
    ...(held.prepared !== undefined ? { prepared: held.prepared } : {}),
    gpu: { id: reservation.gpu, vramMb: reservation.vramMb, totalMb: attempt.gpuTotalMb, ...(attempt.gpuUuid ? { uuid: attempt.gpuUuid } : {}) },
    ...(attempt.fence !== undefined ? { fence: attempt.fence } : {}),
  };
  const hooks = {
    onHandle: (handle: string) => void ctx.records.handle(held.id, handle).catch((err) => log.warn({ err }, 'could not record the handle')),
    onProgress: (progress: unknown) => void ctx.records.progress(held.id, progress).catch((err) => log.warn({ err }, 'could not record progress')),
    onPids: (pids: number[]) => ctx.monitor?.track(held.id, reservation.gpu, pids),
  };

  let result: unknown;
  /** When the GPU was let go: the GPU time ends there, before a CPU stage that follows. */
  let gpuEndedAt: number | undefined;
  try {
    if (attempt.reattachHandle) {
      const attached = await ctx.executor.attach(attempt.reattachHandle, request, attempt.controller.signal, hooks);
      if (!attached) return 'not-attached';
      result = attached.result;
    } else {
      const notReady = await ctx.executor.ready?.(request);
      if (notReady) {
        log.info({ reason: notReady }, 'the worker cannot take it now: back to waiting, no attempt spent');
        return 'not-started';
      }
      const server = attempt.server ? { server: attempt.server.name, serverGpus: attempt.server.gpus.join(',') } : {};
      await ctx.records
        .running(held.id, { attempt: held.attempt, gpu: reservation.gpu, vramMb: reservation.vramMb, startedAt, token: held.token, ...server })
        .catch((err) => log.warn({ err }, 'could not record the dispatch'));
      log.info({ vramMb: reservation.vramMb, estimate: held.estimateSource, waitedMs: startedAt - held.data.submittedAt }, 'dispatched');
      result = await ctx.executor.run(request, attempt.controller.signal, hooks);
    }
    if (ctx.executor.finish) {
      gpuEndedAt = Date.now();
      result = await finishOnCpu(ctx, attempt, request, result, startedAt, gpuEndedAt, log);
    }
  } catch (err) {
    const spent: Spent = { seconds: ((gpuEndedAt ?? Date.now()) - startedAt) / 1000, onCpu: isOnCpu(attempt) };
    switch (attempt.stopReason) {
      case 'lock-lost':
      case 'handover':
        log.info({ reason: attempt.stopReason }, 'handed over: the work keeps running for whoever re-attaches');
        return 'handed-over';
      case 'cancel':
        await failAttempt(ctx, held, new JobFailure('cancelled', 'cancelled on request', false), log, spent);
        return 'finished';
      case 'timeout':
        ctx.metrics.timeouts.inc({ kind: held.kind });
        await failAttempt(ctx, held, new JobFailure('timed_out', `timed out after ${held.data.timeoutSeconds} s`, false), log, spent);
        return 'finished';
      default: {
        const failure = err instanceof JobFailure ? err : new JobFailure('internal', `the executor failed unexpectedly: ${(err as Error).message}`, true);
        if (failure.code === 'worker_error') ctx.health.recordOutcome(reservation.gpu, failure.message);
        if (failure.needsMoreVram) {
          await failOutOfMemory(ctx, held, reservation, failure, log, spent);
          return 'finished';
        }
        await failAttempt(ctx, held, failure, log, spent);
        return 'finished';
      }
    }
  } finally {
    await recordPeak(ctx, held, reservation, log);
  }
  if (attempt.stopReason === 'lock-lost' || attempt.stopReason === 'handover') return 'handed-over';
  if (!ctx.lease.isHeld) {
    log.warn('finished after this scheduler lost its lease; leaving the result to the active one');
    return 'handed-over';
  }
  ctx.health.recordOutcome(reservation.gpu, undefined);
  const spent: Spent = { seconds: ((gpuEndedAt ?? Date.now()) - startedAt) / 1000, onCpu: isOnCpu(attempt) };
  const seconds = await ctx.records.ended(held.id, { finishedAt: Date.now(), spent }).catch((err: unknown) => void log.warn({ err }, 'could not record the end'));
  const isRecorded = await ctx.queue.complete(held.job, held.token, result);
  await ctx.records.notify(held.id).catch(() => undefined);
  if (isRecorded) await ctx.webhooks.jobEnded(held.id, held.data.webhookUrl);
  ctx.metrics.runSeconds.observe({ kind: held.kind, outcome: 'succeeded' }, spent.seconds);
  await countJobEnd(ctx, held, 'succeeded', seconds);
  log.info({ durationMs: Date.now() - startedAt, isRecorded }, 'succeeded');
  return 'finished';
}

/**
 * A pipeline's last stage: the GPU stage is recorded and its reservation released (the GPU takes
 * the next job at once), then the output is finished on the CPU.
 */
async function finishOnCpu(ctx: RunnerContext, attempt: Attempt, request: ExecutionRequest, output: unknown, startedAt: number, gpuEndedAt: number, log: Logger): Promise<unknown> {
  const { held, reservation } = attempt;
  const gpuStage: StageRecord = { name: held.kind, device: 'gpu', gpu: reservation.gpu, startedAt, seconds: (gpuEndedAt - startedAt) / 1000 };
  held.stages = [...(held.stages ?? []), gpuStage];
  ctx.releaseGpu(held.id);
  const finishStartedAt = Date.now();
  try {
    return await ctx.executor.finish!(request, output);
  } finally {
    const seconds = (Date.now() - finishStartedAt) / 1000;
    held.stages = [...held.stages, { name: 'postprocess', device: 'cpu', startedAt: finishStartedAt, seconds }];
    await ctx.records.stages(held.id, held.stages, seconds).catch((err) => log.warn({ err }, 'could not record the stages'));
  }
}

/** Ends an attempt as failed; BullMQ retries it with backoff unless retrying cannot help. */
export async function failAttempt(
  ctx: Pick<RunnerContext, 'queue' | 'records' | 'metrics' | 'webhooks' | 'costs'>,
  held: FailingJob,
  failure: JobFailure,
  log: Logger,
  spent?: Spent,
): Promise<void> {
  const { job } = held;
  const willRetry = failure.isRetryable && (job.opts.attempts ?? 1) - job.attemptsMade - 1 > 0;
  const seconds = await ctx.records
    .ended(held.id, { finishedAt: Date.now(), error: { code: failure.code, message: failure.message }, ...(spent ? { spent } : {}) })
    .catch((err: unknown) => void log.warn({ err }, 'could not record the failure'));
  const error = failure.isRetryable ? new Error(failure.message) : new UnrecoverableError(failure.message);
  const isRecorded = await ctx.queue.fail(job, held.token, error);
  await ctx.records.notify(held.id).catch(() => undefined);
  if (isRecorded && !willRetry) await ctx.webhooks.jobEnded(held.id, held.data?.webhookUrl);
  if (willRetry) ctx.metrics.retries.inc({ kind: held.kind });
  else {
    ctx.metrics.failures.inc({ kind: held.kind, code: failure.code });
    await countJobEnd(ctx, held, failure.code === 'cancelled' ? 'cancelled' : 'failed', seconds);
  }
  if (spent !== undefined) {
    ctx.metrics.runSeconds.observe({ kind: held.kind, outcome: failure.code === 'cancelled' || failure.code === 'timed_out' ? failure.code : 'failed' }, spent.seconds);
  }
  log.warn({ code: failure.code, reason: failure.message, willRetry }, willRetry ? 'attempt failed; will retry' : 'failed');
}

/** A job that ended for good: counted by outcome, with its cost over every attempt, as its view shows it. */
async function countJobEnd(
  ctx: Pick<RunnerContext, 'records' | 'metrics' | 'costs'>,
  held: Pick<HeldJob, 'id' | 'kind'>,
  outcome: 'succeeded' | 'failed' | 'cancelled',
  /** The totals the end's write read back; read again only when that write failed. */
  seconds: JobSeconds | undefined,
): Promise<void> {
  // The run record sums the seconds of all attempts, also those a previous scheduler ran.
  const run = seconds ?? (await ctx.records.read(held.id).catch(() => ({ gpuSeconds: 0, cpuSeconds: 0 })));
  // Both counters move together, after the read: a scrape never sees the job counted without its cost.
  ctx.metrics.jobsFinished.inc({ kind: held.kind, outcome });
  ctx.metrics.jobCostUsd.inc({ kind: held.kind }, (run.gpuSeconds ?? 0) * ctx.costs.gpuSecondUsd + (run.cpuSeconds ?? 0) * ctx.costs.cpuSecondUsd);
}

/**
 * Out of GPU memory: the next attempt needs more than this GPU can ever give, so it goes to a
 * larger one; with none on this box, retrying cannot help.
 */
async function failOutOfMemory(ctx: RunnerContext, held: HeldJob, reservation: Reservation, failure: JobFailure, log: Logger, spent: Spent): Promise<void> {
  const minVramMb = ctx.capacityOf(reservation.gpu) + 1;
  const largest = ctx.largestCapacityFor(held.kind);
  if (largest < minVramMb) {
    await failAttempt(ctx, held, new JobFailure('gpu_out_of_memory', `${failure.message}; no GPU here has more memory`, false), log, spent);
    return;
  }
  await ctx.records.needsAtLeast(held.id, minVramMb).catch((err) => log.warn({ err }, 'could not record the VRAM the retry needs'));
  await failAttempt(ctx, held, new JobFailure('gpu_out_of_memory', `${failure.message}; retrying on a GPU with more memory`, true), log, spent);
}

/** The attempt's observed VRAM peak teaches the estimate; a peak above the reservation is reported. */
async function recordPeak(ctx: RunnerContext, held: HeldJob, reservation: Reservation, log: Logger): Promise<void> {
  const peakMb = ctx.monitor?.untrack(held.id);
  if (peakMb === undefined) return;
  if (peakMb > reservation.vramMb) {
    ctx.metrics.estimateOverruns.inc({ kind: held.kind });
    log.warn({ peakMb, reservedMb: reservation.vramMb, estimate: held.estimateSource }, 'the job used more VRAM than it reserved');
  }
  await ctx.estimator.record(held.kind, held.baseVramMb, peakMb).catch((err) => log.warn({ err }, 'could not record the VRAM peak'));
}
