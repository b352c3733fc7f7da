// Runs one attempt of one held job on its GPU through the kind's executor, and records how it
// ended: the result, or a failure that BullMQ retries unless retrying cannot help.
import type { StageRecord } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import type { Reservation } from '../core/ledger.js';
import { JobFailure, type ExecutionHooks, type ExecutionRequest } from '../executors/executor.js';
import type { Spent } from '../queue/run-records.js';
import { cancelledOnRequest, countJobEnd, failAttempt, failOutOfMemory } from './attempt-failures.js';
import { markStage } from './dispatch-stages.js';
import type { HeldJob } from './held-job.js';
import { queueOf, type SchedulerServices } from './services.js';

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

/** A CPU solve server's slot holds no GPU. */
const isOnCpu = (attempt: Attempt) => attempt.server !== undefined && attempt.server.gpus.length === 0;

export async function runAttempt(services: SchedulerServices, attempt: Attempt): Promise<AttemptEnd> {
  const { held, reservation } = attempt;
  const { records, monitor, metrics, health, lease } = services;
  const executor = services.executors.get(held.kind)!;
  const log = services.log.child({ jobId: held.id, kind: held.kind, gpu: reservation.gpu, attempt: held.attempt });
  const startedAt = Date.now();
  const request: ExecutionRequest = {
    jobId: held.id,
    kind: held.kind,
    attempt: held.attempt,
    input: held.data.input,
    ...(held.prepared !== undefined ? { prepared: held.prepared } : {}),
    gpu: { id: reservation.gpu, vramMb: reservation.vramMb, totalMb: attempt.gpuTotalMb, ...(attempt.gpuUuid ? { uuid: attempt.gpuUuid } : {}) },
    ...(attempt.fence !== undefined ? { fence: attempt.fence } : {}),
    timeoutMs: held.data.timeoutSeconds * 1000,
  };
  // Incumbents and log text are written in the order they came: each write waits for the one before.
  let outputs: Promise<void> = Promise.resolve();
  const keepInOrder = (write: () => Promise<void>, what: string) => {
    outputs = outputs.then(write).catch((err: unknown) => log.warn({ err }, `could not record the ${what}`));
  };
  const hooks: ExecutionHooks = {
    onHandle: (handle: string) => void records.handle(held.id, handle).catch((err) => log.warn({ err }, 'could not record the handle')),
    onProgress: (progress: unknown) => void records.progress(held.id, progress).catch((err) => log.warn({ err }, 'could not record progress')),
    onPids: (pids: number[]) => monitor?.track(held.id, reservation.gpu, pids),
    onIncumbent: (incumbent) => keepInOrder(() => records.incumbent(held.id, incumbent), 'incumbent'),
    onLog: (text) => keepInOrder(() => records.log(held.id, text), 'solver log'),
  };

  let result: unknown;
  /** When the GPU was let go: the GPU time ends there, before a CPU stage that follows. */
  let gpuEndedAt: number | undefined;
  try {
    if (attempt.reattachHandle) {
      const attached = await executor.attach(attempt.reattachHandle, request, attempt.controller.signal, hooks);
      if (!attached) return 'not-attached';
      result = attached.result;
    } else {
      const notReady = await executor.ready?.(request);
      if (notReady) {
        log.info({ reason: notReady }, 'the worker cannot take it now: back to waiting, no attempt spent');
        return 'not-started';
      }
      const server = attempt.server ? { server: attempt.server.name, serverGpus: attempt.server.gpus.join(',') } : {};
      await records
        .running(held.id, { attempt: held.attempt, gpu: reservation.gpu, vramMb: reservation.vramMb, startedAt, token: held.token, ...server })
        .catch((err) => log.warn({ err }, 'could not record the dispatch'));
      markStage(held.id, 'recorded');
      log.info({ vramMb: reservation.vramMb, estimate: held.estimateSource, waitedMs: startedAt - held.data.submittedAt }, 'dispatched');
      result = await executor.run(request, attempt.controller.signal, hooks);
    }
    if (executor.finish) {
      gpuEndedAt = Date.now();
      result = await finishOnCpu(services, attempt, request, result, startedAt, gpuEndedAt, log);
    }
  } catch (err) {
    const spent: Spent = { seconds: ((gpuEndedAt ?? Date.now()) - startedAt) / 1000, onCpu: isOnCpu(attempt) };
    switch (attempt.stopReason) {
      case 'lock-lost':
      case 'handover':
        log.info({ reason: attempt.stopReason }, 'handed over: the work keeps running for whoever re-attaches');
        return 'handed-over';
      case 'cancel':
        await failAttempt(services, held, cancelledOnRequest(), log, spent);
        return 'finished';
      case 'timeout':
        metrics.timeouts.inc({ kind: held.kind });
        await failAttempt(services, held, new JobFailure('timed_out', `timed out after ${held.data.timeoutSeconds} s`, false), log, spent);
        return 'finished';
      default: {
        const failure = err instanceof JobFailure ? err : new JobFailure('internal', `the executor failed unexpectedly: ${(err as Error).message}`, true);
        // Only failures of different jobs drain the device: one job failing every attempt is about that job.
        if (failure.code === 'worker_error') health.recordOutcome(reservation.gpu, held.id, 'worker_error');
        if (failure.needsMoreVram) {
          await failOutOfMemory(services, held, reservation, failure, log, spent);
          return 'finished';
        }
        await failAttempt(services, held, failure, log, spent);
        return 'finished';
      }
    }
  } finally {
    await outputs;
    await recordPeak(services, held, reservation, log);
  }
  if (attempt.stopReason === 'lock-lost' || attempt.stopReason === 'handover') return 'handed-over';
  if (!lease.isHeld) {
    log.warn('finished after this scheduler lost its lease; leaving the result to the active one');
    return 'handed-over';
  }
  health.recordOutcome(reservation.gpu, held.id, 'succeeded');
  const spent: Spent = { seconds: ((gpuEndedAt ?? Date.now()) - startedAt) / 1000, onCpu: isOnCpu(attempt) };
  const seconds = await records.ended(held.id, { finishedAt: Date.now(), spent }).catch((err: unknown) => void log.warn({ err }, 'could not record the end'));
  const isRecorded = await queueOf(services, held.kind).complete(held.job, held.token, result);
  if (isRecorded) await services.webhooks.jobEnded(held.id, held.data.webhookUrl);
  metrics.runSeconds.observe({ kind: held.kind, outcome: 'succeeded' }, spent.seconds);
  await countJobEnd(services, held, 'succeeded', seconds);
  log.info({ durationMs: Date.now() - startedAt, isRecorded }, 'succeeded');
  return 'finished';
}

/**
 * A pipeline's last stage: the GPU stage is recorded and its reservation released (the GPU takes
 * the next job at once), then the output is finished on the CPU.
 */
async function finishOnCpu(services: SchedulerServices, attempt: Attempt, request: ExecutionRequest, output: unknown, startedAt: number, gpuEndedAt: number, log: Logger): Promise<unknown> {
  const { held, reservation } = attempt;
  const gpuStage: StageRecord = { name: held.kind, device: 'gpu', gpu: reservation.gpu, startedAt, seconds: (gpuEndedAt - startedAt) / 1000 };
  held.stages = [...(held.stages ?? []), gpuStage];
  services.releaseGpu(held.id);
  const finishStartedAt = Date.now();
  try {
    return await services.executors.get(held.kind)!.finish!(request, output);
  } finally {
    const seconds = (Date.now() - finishStartedAt) / 1000;
    held.stages = [...held.stages, { name: 'postprocess', device: 'cpu', startedAt: finishStartedAt, seconds }];
    await services.records.stages(held.id, held.stages, seconds).catch((err) => log.warn({ err }, 'could not record the stages'));
  }
}

/** The attempt's observed VRAM peak teaches the estimate; a peak above the reservation is reported. */
async function recordPeak(services: SchedulerServices, held: HeldJob, reservation: Reservation, log: Logger): Promise<void> {
  const peakMb = services.monitor?.untrack(held.id);
  if (peakMb === undefined) return;
  if (peakMb > reservation.vramMb) {
    services.metrics.estimateOverruns.inc({ kind: held.kind });
    log.warn({ peakMb, reservedMb: reservation.vramMb, estimate: held.estimateSource }, 'the job used more VRAM than it reserved');
  }
  await services.estimator.record(held.kind, held.baseVramMb, peakMb).catch((err) => log.warn({ err }, 'could not record the VRAM peak'));
}
