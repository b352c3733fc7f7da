// How an attempt ends when it does not succeed: recorded with its code and reason, retried by
// BullMQ with backoff while attempts remain and retrying can help, counted, and announced.
import { UnrecoverableError } from 'bullmq';
import { canEverRunOn, CANCELLED_ON_REQUEST, placementNeedOf } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import type { Reservation } from '../core/ledger.js';
import { JobFailure } from '../executors/executor.js';
import type { JobSeconds, Spent } from '../queue/run-records.js';
import type { HeldJob } from './held-job.js';
import { queueOf, type SchedulerServices } from './services.js';

/** The job fields a failure needs; `data` is absent when the job's data could not be read. */
export type FailingJob = Pick<HeldJob, 'id' | 'kind' | 'job' | 'token'> & { data?: Pick<HeldJob['data'], 'webhookUrl'> };

type FailureServices = Pick<SchedulerServices, 'queues' | 'records' | 'metrics' | 'webhooks' | 'config' | 'announceQueueChanged'>;

/** A user's cancel, as every place that ends a job for it words it. */
export const cancelledOnRequest = () => new JobFailure(CANCELLED_ON_REQUEST.code, CANCELLED_ON_REQUEST.message, false);

/** Ends an attempt as failed; BullMQ retries it with backoff unless retrying cannot help. */
export async function failAttempt(services: FailureServices, held: FailingJob, failure: JobFailure, log: Logger, spent?: Spent): Promise<void> {
  const { job } = held;
  const { records, metrics, webhooks } = services;
  const willRetry = failure.isRetryable && (job.opts.attempts ?? 1) - job.attemptsMade - 1 > 0;
  const seconds = await records
    .ended(held.id, { finishedAt: Date.now(), error: { code: failure.code, message: failure.message }, ...(spent ? { spent } : {}) })
    .catch((err: unknown) => void log.warn({ err }, 'could not record the failure'));
  const error = failure.isRetryable ? new Error(failure.message) : new UnrecoverableError(failure.message);
  // BullMQ keeps the error's stack with the job (bull-board shows it): this function's frames say
  // nothing of the job, and to a user whose input was refused they read as a crash. The code and
  // message instead; a bug's own stack is in the scheduler's log.
  error.stack = `${failure.code}: ${failure.message}`;
  const isRecorded = await queueOf(services, held.kind).fail(job, held.token, error, willRetry);
  if (isRecorded && !willRetry) await webhooks.jobEnded(held.id, held.data?.webhookUrl);
  if (willRetry) {
    metrics.retries.inc({ kind: held.kind });
    // Back in the queue (now, or after its backoff): any box may take it.
    services.announceQueueChanged(held.kind);
  } else {
    metrics.failures.inc({ kind: held.kind, code: failure.code });
    await countJobEnd(services, held, failure.code === 'cancelled' ? 'cancelled' : 'failed', seconds);
  }
  if (spent !== undefined) {
    metrics.runSeconds.observe({ kind: held.kind, outcome: failure.code === 'cancelled' || failure.code === 'timed_out' ? failure.code : 'failed' }, spent.seconds);
  }
  log.warn({ code: failure.code, reason: failure.message, willRetry }, willRetry ? 'attempt failed; will retry' : 'failed');
}

/** A job that ended for good: counted by outcome, with its cost over every attempt, as its view shows it. */
export async function countJobEnd(
  services: Pick<SchedulerServices, 'records' | 'metrics' | 'config'>,
  held: Pick<HeldJob, 'id' | 'kind'>,
  outcome: 'succeeded' | 'failed' | 'cancelled',
  /** The totals the end's write read back; read again only when that write failed. */
  seconds: JobSeconds | undefined,
): Promise<void> {
  const { records, metrics, config } = services;
  // The run record sums the seconds of all attempts, also those a previous scheduler ran.
  const run = seconds ?? (await records.read(held.id).catch(() => ({ gpuSeconds: 0, cpuSeconds: 0 })));
  // Both counters move together, after the read: a scrape never sees the job counted without its cost.
  metrics.jobsFinished.inc({ kind: held.kind, outcome });
  metrics.jobCostUsd.inc({ kind: held.kind }, (run.gpuSeconds ?? 0) * config.costs.gpuSecondUsd + (run.cpuSeconds ?? 0) * config.costs.cpuSecondUsd);
}

/**
 * Out of GPU memory: the next attempt needs more than this GPU can ever give, so it goes to a
 * larger one, on this box or another (the queue's need says so to every box); with none on any
 * box, retrying cannot help.
 */
export async function failOutOfMemory(services: SchedulerServices, held: HeldJob, reservation: Reservation, failure: JobFailure, log: Logger, spent: Spent): Promise<void> {
  const { core, devices, records } = services;
  const minVramMb = core.ledger.largestCapacityMb(new Set([reservation.gpu])) + 1;
  const largestHere = core.ledger.largestCapacityMb(held.devices ?? devices.get(held.kind));
  const where = largestHere >= minVramMb ? 'here' : await largerGpuElsewhere(services, held, minVramMb);
  if (where === undefined) {
    await failAttempt(services, held, new JobFailure('gpu_out_of_memory', `${failure.message}; no GPU on any box has more memory`, false), log, spent);
    return;
  }
  await records.needsAtLeast(held.id, minVramMb).catch((err) => log.warn({ err }, 'could not record the VRAM the retry needs'));
  const on = where === 'here' ? '' : ` (${where} has one)`;
  await failAttempt(services, held, new JobFailure('gpu_out_of_memory', `${failure.message}; retrying on a GPU with more memory${on}`, true), log, spent);
}

/** Another box that is up with a GPU of at least `minVramMb` the job may use, if there is one. */
async function largerGpuElsewhere(services: SchedulerServices, held: HeldJob, minVramMb: number): Promise<string | undefined> {
  const kindNeed = placementNeedOf(held.data.kind, { input: held.data.input }, services.config);
  const need = { type: 'vram', vramMb: minVramMb, estimateMb: minVramMb, source: 'declared', ...(kindNeed.type === 'vram' && kindNeed.model !== undefined ? { model: kindNeed.model } : {}) } as const;
  const states = await services.boxStates.get().catch(() => undefined);
  return states?.inventories.find((box) => box.boxId !== services.boxId && canEverRunOn(box, held.kind, need))?.boxId;
}
