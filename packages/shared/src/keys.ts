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

/** Pub/sub channel per kind: its queue may have a job a box can take now (added, released, retried, a box drained). */
export function queueChangedChannel(kind: string): string {
  return `gpuq:queue:${kind}:changed`;
}

/** Pub/sub channel on which admins' drain and undrain of a box reach its scheduler at once. */
export const BOX_CONTROL_CHANNEL = 'gpuq:box-control';

/** The BullMQ queue of webhook deliveries, worked by the API replicas. */
export const WEBHOOK_QUEUE = 'webhooks';

export const keys = {
  /** Hash the scheduler writes while it holds a job: placement, pending reason, executor handle, last error. */
  jobRun: (jobId: string): string => `gpuq:job:${jobId}:run`,
  /** Set when a job is cancelled; the scheduler checks it before running the job, the channel tells it at once. */
  jobCancel: (jobId: string): string => `gpuq:job:${jobId}:cancel`,
  /** JSON snapshot of one box's GPU inventory, written by its active scheduler on every change. */
  inventory: (boxId: string): string => `gpuq:box:${boxId}:inventory`,
  /** Set by an admin: the box finishes what it runs and takes nothing new (JSON: when, who, why). */
  boxDrain: (boxId: string): string => `gpuq:box:${boxId}:drain`,
  /** What each job waiting in a kind's queue needs (job id → JSON), as the first box to read it worked out. */
  queueNeeds: (kind: string): string => `gpuq:queue:${kind}:needs`,
  /** The active scheduler's lease for one GPU box: its id, with a TTL it keeps renewing. */
  schedulerLease: (boxId: string): string => `gpuq:box:${boxId}:lease`,
  /** A counter bumped on every takeover: the fencing token every state change of that box checks. */
  schedulerFence: (boxId: string): string => `gpuq:box:${boxId}:fence`,
  /** Hash of scheduler id → JSON heartbeat (role, box, time): who runs which box, for the API. */
  schedulers: 'gpuq:schedulers',
  /** A channel per job: something about it changed (its run record, or its state). */
  jobEvents: (jobId: string): string => `gpuq:job:${jobId}:events`,
  /**
   * List of a solve job's MILP incumbents as the solve server gave them (JSON, cuOpt's own shape),
   * oldest first, for gpuq's cuOpt-compatible API to hand out each once.
   */
  jobIncumbents: (jobId: string): string => `gpuq:job:${jobId}:incumbents`,
  /** The latest (best) incumbent of a job, kept for the job's retention however the job ends; the list above is handed out and emptied. */
  jobBestIncumbent: (jobId: string): string => `gpuq:job:${jobId}:best-incumbent`,
  /** A job's finished attempts, oldest first (AttemptRecord JSON), kept as long as the job. */
  jobAttempts: (jobId: string): string => `gpuq:job:${jobId}:attempts`,
  /** A job's worker log (the solver's log lines, a container's or a process's output), as text appended in order. */
  jobLog: (jobId: string): string => `gpuq:job:${jobId}:log`,
  /**
   * A version 2 job's input, as the JSON its submit checked: written before the job is added, read
   * by the scheduler that takes it, deleted when the job ends (a retry reads it again).
   */
  jobInput: (jobId: string): string => `gpuq:job:${jobId}:input`,
  /**
   * An input a body-check thread wrote before its job had an id (the request's thread never
   * copies it): renamed to jobInput when the job is added; it expires if the job never is.
   */
  stagedInput: (token: string): string => `gpuq:input:staged:${token}`,
  /** List of the job's webhook delivery attempts (JSON), oldest first. */
  jobWebhook: (jobId: string): string => `gpuq:job:${jobId}:webhook`,
  /** A tenant's jobs by creation time, for listing. */
  tenantJobs: (tenant: string): string => `gpuq:tenant:${tenant}:jobs`,
  /** Every tenant that ever submitted, for admins' listings across tenants. */
  tenants: 'gpuq:tenants',
  /** A short-lived union of all tenants' job indexes, for one admin listing. */
  allJobsView: (nonce: string): string => `gpuq:jobs-view:${nonce}`,
  /** An Idempotency-Key (hashed) of a tenant → the job it created and its body's hash. */
  idempotency: (tenant: string, keyHash: string): string => `gpuq:idem:${tenant}:${keyHash}`,
  /** A request to gpuq's cuOpt-compatible API (its reqId, a UUID): its tenant and gpuq jobs, or a cached problem. */
  cuoptRequest: (reqId: string): string => `gpuq:cuopt:${reqId}`,
  /** A problem kept by cuOpt's `cache=true` (its JSON), solved later by its reqId; as long as its request. */
  cuoptCachedProblem: (reqId: string): string => `gpuq:cuopt:${reqId}:problem`,
  /** A batch: its tenant, creation time and job ids. */
  batch: (batchId: string): string => `gpuq:batch:${batchId}`,
  /** Requests of a tenant in one rate-limit window. */
  rateWindow: (tenant: string, window: number): string => `gpuq:rate:${tenant}:${window}`,
  /** Recent observed VRAM peaks of a kind, relative to their estimates, newest first. */
  vramPeaks: (kind: string): string => `gpuq:vram-peaks:${kind}`,
} as const;
