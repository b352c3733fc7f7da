// Builds the job view from the BullMQ job and the scheduler's run record. Pure, so every rule
// about what a client sees (status, pending reason, error) is in one place and tested.
import { DEFAULT_COSTS } from './config.js';
import { CANCELLED_ON_REQUEST, type JobError } from './errors.js';
import type { Cost, JobData, JobStatus, JobView, WebhookDelivery } from './job.js';
import type { RunRecord } from './run-record.js';

/** The BullMQ job's fields the view needs (BullMQ's state names). */
export interface QueuedJobFacts {
  id: string;
  state: 'waiting' | 'prioritized' | 'delayed' | 'active' | 'completed' | 'failed' | 'waiting-children' | 'unknown';
  data: JobData;
  attemptsMade: number;
  attemptsStarted: number;
  timestamp: number;
  finishedOn?: number | undefined;
  returnvalue?: unknown;
  failedReason?: string | undefined;
  progress?: unknown;
}

/** Where a job that no scheduler has fetched yet stands. */
export interface QueueStanding {
  /** Jobs of its kind the scheduler holds: they are placed first. */
  heldByScheduler: number;
  /** Jobs queued ahead of it. */
  queuedAhead: number;
  isSchedulerRunning: boolean;
  /** Why no box has taken it yet, across every box (added in 0.3: whyWaitingAcrossBoxes). */
  reason?: string;
}

/** What the API knows beside the job and its run record. */
export interface ViewContext {
  /** For a job no scheduler has fetched yet. */
  standing?: QueueStanding;
  cancelRequestedAt?: number;
  webhookDeliveries?: WebhookDelivery[];
  rates?: { gpuSecondUsd: number; cpuSecondUsd: number };
  now?: number;
}

const STALLED = /stalled more than allowable limit/i;
const NOT_FETCHED = new Set<QueuedJobFacts['state']>(['waiting', 'prioritized', 'delayed', 'waiting-children']);

function statusOf(job: QueuedJobFacts, run: RunRecord, context: ViewContext): JobStatus {
  // A cancelled job no scheduler holds will never run: it is cancelled now, though the scheduler
  // removes it from the queue only when it next fetches it.
  if (context.cancelRequestedAt !== undefined && NOT_FETCHED.has(job.state)) return 'cancelled';
  switch (job.state) {
    case 'completed':
      return 'succeeded';
    case 'failed':
      return run.error?.code === 'cancelled' ? 'cancelled' : 'failed';
    case 'active':
      // 'ended' while BullMQ still has it active: the attempt is being recorded as finished.
      return run.phase !== 'held' && run.phase !== undefined && run.attempt === job.attemptsStarted ? 'running' : 'queued';
    default:
      return 'queued';
  }
}

function errorOf(job: QueuedJobFacts, run: RunRecord, status: JobStatus): JobError {
  if (status === 'cancelled' && job.state !== 'failed') return CANCELLED_ON_REQUEST;
  if (run.error && (job.failedReason === undefined || job.failedReason === run.error.message)) return run.error;
  const message = job.failedReason ?? 'the job failed without a reason';
  return { code: STALLED.test(message) ? 'stalled' : 'internal', message };
}

const isHeldNow = (job: QueuedJobFacts, run: RunRecord) => job.state === 'active' && run.phase === 'held' && run.attempt === job.attemptsStarted;

function pendingReasonOf(job: QueuedJobFacts, run: RunRecord, standing: QueueStanding | undefined): string {
  if (isHeldNow(job, run) && run.pendingReason) return run.pendingReason;
  if (job.state === 'delayed' && run.error) {
    return `retrying after attempt ${run.attempt ?? job.attemptsMade} of ${job.data.maxAttempts} failed: ${run.error.message}`;
  }
  if (job.state === 'active') return 'the scheduler is placing it';
  if (!standing) return 'waiting in the queue for the scheduler';
  if (!standing.isSchedulerRunning) return `no scheduler is running ${job.data.kind} jobs; it waits in the queue until one starts`;
  const ahead = standing.heldByScheduler + standing.queuedAhead;
  const jobsAhead = `${ahead} ${ahead === 1 ? 'job' : 'jobs'} ahead`;
  if (standing.reason !== undefined) return `${standing.reason}; ${jobsAhead}`;
  return `waiting for the scheduler to take it: ${jobsAhead} (${standing.heldByScheduler} held by the scheduler, ${standing.queuedAhead} queued)`;
}

function positionOf(job: QueuedJobFacts, run: RunRecord, standing: QueueStanding | undefined): number | null {
  if (isHeldNow(job, run)) return run.ahead ?? null;
  if (standing && job.state !== 'active' && job.state !== 'delayed') return standing.heldByScheduler + standing.queuedAhead;
  return null;
}

function placementOf(run: RunRecord): JobView['placement'] {
  if (!run.gpu || run.vramMb === undefined) return null;
  const box = run.box !== undefined ? { box: run.box } : {};
  if (run.server === undefined) return { gpu: run.gpu, vramMb: run.vramMb, ...box };
  const gpus = run.serverGpus ? run.serverGpus.split(',') : [];
  return { gpu: gpus.length === 1 ? gpus[0]! : null, vramMb: 0, server: run.server, ...box };
}

/** Dollars to the billionth: what is meant, without float noise (0.20500000000000002). */
const toNanoUsd = (usd: number) => Math.round(usd * 1e9) / 1e9;

function costOf(run: RunRecord, status: JobStatus, context: ViewContext): Cost {
  const rates = context.rates ?? DEFAULT_COSTS;
  // The attempt that is running now counts up to this moment.
  const running = status === 'running' && run.startedAt !== undefined ? Math.max(0, ((context.now ?? Date.now()) - run.startedAt) / 1000) : 0;
  const isRunningOnCpu = run.server !== undefined && !run.serverGpus;
  const gpuSeconds = (run.gpuSeconds ?? 0) + (isRunningOnCpu ? 0 : running);
  const cpuSeconds = (run.cpuSeconds ?? 0) + (isRunningOnCpu ? running : 0);
  const stages = (run.stages ?? []).map((stage) => {
    const onGpu = stage.device === 'gpu';
    return {
      name: stage.name,
      device: stage.device,
      gpu: stage.gpu ?? null,
      startedAt: stage.startedAt,
      seconds: stage.seconds,
      gpuSeconds: onGpu ? stage.seconds : 0,
      cpuSeconds: onGpu ? 0 : stage.seconds,
      usd: toNanoUsd(stage.seconds * (onGpu ? rates.gpuSecondUsd : rates.cpuSecondUsd)),
    };
  });
  return { gpuSeconds, cpuSeconds, usd: toNanoUsd(gpuSeconds * rates.gpuSecondUsd + cpuSeconds * rates.cpuSecondUsd), stages };
}

export function toJobView(job: QueuedJobFacts, run: RunRecord, context: ViewContext = {}): JobView {
  const { standing } = context;
  const status = statusOf(job, run, context);
  const isFinished = status === 'succeeded' || status === 'failed' || status === 'cancelled';
  const cancelledBeforeFetch = status === 'cancelled' && job.state !== 'failed';
  return {
    id: job.id,
    kind: job.data.kind,
    tenant: job.data.tenant,
    status,
    priority: job.data.priority,
    labels: job.data.labels,
    resources: { vramMb: job.data.requestedVramMb ?? null },
    timeoutSeconds: job.data.timeoutSeconds,
    // BullMQ counts attempts once they end: the one running now is made too.
    attempts: { made: job.attemptsMade + (status === 'running' ? 1 : 0), max: job.data.maxAttempts },
    createdAt: job.data.submittedAt,
    startedAt: run.startedAt ?? null,
    finishedAt: isFinished ? (cancelledBeforeFetch ? (context.cancelRequestedAt ?? null) : (job.finishedOn ?? run.finishedAt ?? null)) : null,
    placement: placementOf(run),
    pendingReason: status === 'queued' ? pendingReasonOf(job, run, standing) : null,
    queuePosition: status === 'queued' ? positionOf(job, run, standing) : null,
    progress: run.progress ?? null,
    result: status === 'succeeded' ? (job.returnvalue ?? null) : null,
    error: status === 'failed' || status === 'cancelled' ? errorOf(job, run, status) : null,
    cost: costOf(run, status, context),
    batchId: job.data.batchId ?? null,
    cancelRequestedAt: context.cancelRequestedAt ?? null,
    webhook: job.data.webhookUrl ? { url: job.data.webhookUrl, deliveries: context.webhookDeliveries ?? [] } : null,
  };
}
