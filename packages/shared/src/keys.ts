// Every Redis key and queue name gpuq uses, in one place. Apps never build key strings themselves.

/** Prefix of the BullMQ queues: a queue for kind `solve` lives under `gpuq:q:solve:*`. */
export const BULLMQ_PREFIX = 'gpuq:q';

/** The BullMQ queue that holds jobs of one kind. */
export function queueName(kind: string): string {
  return kind;
}

export const keys = {
  /** Hash the scheduler writes while it holds a job: placement, pending reason, executor handle, last error. */
  jobRun: (jobId: string): string => `gpuq:job:${jobId}:run`,
  /** JSON snapshot of the GPU inventory, written by the scheduler on every change. */
  inventory: 'gpuq:inventory',
} as const;
