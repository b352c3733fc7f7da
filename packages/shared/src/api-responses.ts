// The API's answers that are more than a job view: one definition each, for the routes that send
// them (and the OpenAPI document made from them) and for the client that reads them.
import { z } from 'zod';
import { GpuState, SchedulerRole, SolveServerState } from './inventory.js';
import { JobStatus, JobView } from './job.js';

/** One page of GET /v1/jobs. */
export const JobPage = z.object({ jobs: z.array(JobView), nextCursor: z.string().nullable() });
export type JobPage = z.infer<typeof JobPage>;

/** A solve server in GET /v1/gpus: its URL is the operator's, shown to admins only. */
export const SolveServerView = SolveServerState.extend({
  url: z.string().optional().describe('Where the scheduler reaches it; admins only.'),
});
export type SolveServerView = z.infer<typeof SolveServerView>;

/** A box in GET /v1/gpus: its published inventory, less what only the scheduler needs. */
export const GpuBox = z.object({
  boxId: z.string(),
  schedulerId: z.string(),
  updatedAt: z.number().int(),
  kinds: z.array(z.string()),
  gpus: z.array(GpuState),
  solveServers: z.array(SolveServerView).describe("The box's solve servers: what each takes, its slots, its load, and why it takes no jobs, if it does not."),
  drainedReason: z.string().nullable().default(null).describe('Why an admin drained the box (it finishes what it runs and takes nothing new), or null (added in 0.3).'),
});
export type GpuBox = z.infer<typeof GpuBox>;

/** GET /v1/gpus. */
export const GpusView = z.object({ boxes: z.array(GpuBox) });
export type GpusView = z.infer<typeof GpusView>;

/** GET /v1/system/status (admins). */
export const SystemStatus = z.object({
  version: z.string(),
  schedulers: z.array(z.object({ id: z.string(), boxId: z.string(), role: SchedulerRole, heartbeatAt: z.number().int(), isAlive: z.boolean() })),
  /**
   * Per kind, jobs by the states the API shows: queued (waiting for a box, or held by one while it
   * waits for a GPU), running, retrying later, succeeded, failed. `waiting` and `active` are
   * BullMQ's own counts (BullMQ's active is held + running), kept for 0.3's readers.
   */
  queues: z.record(
    z.string(),
    z.object({
      queued: z.number().int().describe('waiting for a box, plus held by one (waiting for a GPU): the jobs whose status is queued'),
      held: z.number().int().describe('of the queued, those a box has taken, waiting there for a GPU (as the boxes last published)'),
      running: z.number().int(),
      waiting: z.number().int().describe("BullMQ's waiting: no box has them yet"),
      active: z.number().int().describe("BullMQ's active: held and running"),
      delayed: z.number().int().describe('failed an attempt, retried after a backoff'),
      completed: z.number().int(),
      failed: z.number().int(),
    }),
  ),
});
export type SystemStatus = z.infer<typeof SystemStatus>;

/** GET /v1/system/queue (admins): what the status page lists, each list bounded by the API. */
export const QueueOverview = z.object({
  running: z.array(JobView).describe('Jobs running now, oldest first. Results are left out.'),
  queued: z.array(JobView).describe('The next jobs of each kind to be placed, in the order they will be, each with its pending reason.'),
  recentFailures: z.array(JobView).describe('The last jobs that failed or were cancelled, newest first (each with its status).'),
});
export type QueueOverview = z.infer<typeof QueueOverview>;

/** The data of the `end` event that closes a job's event stream. */
export const JobEndData = z.object({ id: z.string(), status: JobStatus });
export type JobEndData = z.infer<typeof JobEndData>;

/** POST /v1/boxes/{boxId}/drain (admins): why, for the people who look at the box. */
export const BoxDrainRequest = z.strictObject({
  reason: z.string().min(1).max(500).default('maintenance').describe('Why the box is drained, shown wherever it is.'),
});
export type BoxDrainRequest = z.infer<typeof BoxDrainRequest>;

/** A box's drain state, as the drain and undrain routes answer. */
export const BoxDrainState = z.object({
  boxId: z.string(),
  drainedReason: z.string().nullable().describe('Why it takes no new jobs; null when it takes them.'),
});
export type BoxDrainState = z.infer<typeof BoxDrainState>;

/** GET /v1/system/failures (admins): the failed and cancelled jobs the status page filters. */
export const FailureList = z.object({
  failures: z.array(JobView).describe('Failed and cancelled jobs of every kind, newest first, without their results.'),
  readPerKind: z.number().int().describe("At most this many of each kind's failed set, the newest, are read: a bound, so a long history costs the same."),
});
export type FailureList = z.infer<typeof FailureList>;
