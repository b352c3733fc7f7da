// Every Redis key, channel and queue name gpuq uses, in one place. Apps never build key strings themselves.

/** Prefix of the BullMQ queues: a queue for kind `solve` lives under `gpuq:q:solve:*`. */
export const BULLMQ_PREFIX = 'gpuq:q';

/** The BullMQ queue that holds jobs of one kind. */
export function queueName(kind: string): string {
  return kind;
}

/** A BullMQ key of a kind's queue (`prioritized`, `wait`, …), for reads BullMQ has no call for. */
export function bullmqKey(kind: string, suffix: string): string {
  return `${BULLMQ_PREFIX}:${queueName(kind)}:${suffix}`;
}

/** Pub/sub channel on which API replicas announce cancelled job ids to every scheduler. */
export const CANCEL_CHANNEL = 'gpuq:cancel';

export const keys = {
  /** Hash the scheduler writes while it holds a job: placement, pending reason, executor handle, last error. */
  jobRun: (jobId: string): string => `gpuq:job:${jobId}:run`,
  /** Set when a job is cancelled; the scheduler checks it before running the job, the channel tells it at once. */
  jobCancel: (jobId: string): string => `gpuq:job:${jobId}:cancel`,
  /** JSON snapshot of one box's GPU inventory, written by its active scheduler on every change. */
  inventory: (boxId: string): string => `gpuq:box:${boxId}:inventory`,
  /** The active scheduler's lease for one GPU box: its id, with a TTL it keeps renewing. */
  schedulerLease: (boxId: string): string => `gpuq:box:${boxId}:lease`,
  /** A counter bumped on every takeover: the fencing token every state change of that box checks. */
  schedulerFence: (boxId: string): string => `gpuq:box:${boxId}:fence`,
  /** Hash of scheduler id → JSON heartbeat (role, box, time): who runs which box, for the API. */
  schedulers: 'gpuq:schedulers',
  /** Recent observed VRAM peaks of a kind, relative to their estimates, newest first. */
  vramPeaks: (kind: string): string => `gpuq:vram-peaks:${kind}`,
} as const;
