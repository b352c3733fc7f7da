// Builds the job view from the BullMQ job and the scheduler's run record. Pure, so every rule
// about what a client sees (status, pending reason, error) is in one place and tested.
import type { JobError } from './errors.js';
import type { JobData, JobStatus, JobView } from './job.js';
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

const STALLED = /stalled more than allowable limit/i;

function statusOf(job: QueuedJobFacts, run: RunRecord): JobStatus {
  switch (job.state) {
    case 'completed':
      return 'succeeded';
    case 'failed':
      return run.error?.code === 'cancelled' ? 'cancelled' : 'failed';
    case 'active':
      return run.phase === 'running' && run.attempt === job.attemptsStarted ? 'running' : 'queued';
    default:
      return 'queued';
  }
}

function errorOf(job: QueuedJobFacts, run: RunRecord): JobError {
  if (run.error && (job.failedReason === undefined || job.failedReason === run.error.message)) return run.error;
  const message = job.failedReason ?? 'the job failed without a reason';
  return { code: STALLED.test(message) ? 'stalled' : 'internal', message };
}

function pendingReasonOf(job: QueuedJobFacts, run: RunRecord): string {
  if (job.state === 'active' && run.phase === 'held' && run.attempt === job.attemptsStarted && run.pendingReason) {
    return run.pendingReason;
  }
  if (job.state === 'delayed' && run.error) {
    return `retrying after attempt ${job.attemptsMade} of ${job.data.maxAttempts} failed: ${run.error.message}`;
  }
  if (job.state === 'active') return 'the scheduler is placing it';
  return 'waiting in the queue for the scheduler';
}

export function toJobView(job: QueuedJobFacts, run: RunRecord): JobView {
  const status = statusOf(job, run);
  const isFinished = status === 'succeeded' || status === 'failed' || status === 'cancelled';
  return {
    id: job.id,
    kind: job.data.kind,
    status,
    priority: job.data.priority,
    labels: job.data.labels,
    resources: { vramMb: job.data.requestedVramMb ?? null },
    timeoutSeconds: job.data.timeoutSeconds,
    attempts: { made: job.attemptsMade, max: job.data.maxAttempts },
    createdAt: job.data.submittedAt,
    startedAt: run.startedAt ?? null,
    finishedAt: isFinished ? (job.finishedOn ?? run.finishedAt ?? null) : null,
    placement: run.gpu && run.vramMb ? { gpu: run.gpu, vramMb: run.vramMb } : null,
    pendingReason: status === 'queued' ? pendingReasonOf(job, run) : null,
    progress: run.progress ?? null,
    result: status === 'succeeded' ? (job.returnvalue ?? null) : null,
    error: status === 'failed' || status === 'cancelled' ? errorOf(job, run) : null,
  };
}
