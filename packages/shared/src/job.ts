// The job as clients send it (JobRequest), as it is stored in its BullMQ job (JobData), and as the
// API shows it (JobView). Payload fields are only ever added, as optional: old jobs stay in queues.
import { z } from 'zod';
import { JobError } from './errors.js';
import { FoldInput } from './kinds/fold.js';
import { InferenceInput } from './kinds/inference.js';
import { QueuedNeed } from './kinds/queued-need.js';
import { SolveInput } from './kinds/solve/solve-input.js';

export const KINDS = ['solve', 'fold', 'inference'] as const;
export const Kind = z.enum(KINDS);
export type Kind = z.infer<typeof Kind>;

export const JobStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatus>;

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export const MAX_VRAM_MB = 4 * 1024 * 1024;
export const DEFAULT_PRIORITY = 50;

export const Labels = z
  .record(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$/, 'label keys are 1-63 letters, digits, "_", ".", "/" or "-"'),
    z.string().max(256, 'label values are at most 256 characters'),
  )
  .refine((labels) => Object.keys(labels).length <= 32, 'at most 32 labels');
export type Labels = z.infer<typeof Labels>;

export const Resources = z.strictObject({
  vramMb: z
    .number()
    .int()
    .positive()
    .max(MAX_VRAM_MB)
    .optional()
    .describe("VRAM to reserve, in MiB. Without it the kind's default (or its estimate from the input) is used."),
});

const envelope = {
  resources: Resources.optional(),
  priority: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(DEFAULT_PRIORITY)
    .describe('0 to 100; higher runs first. Jobs of equal priority run oldest first.'),
  timeoutSeconds: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Wall-clock limit for one attempt; the kind's default when absent."),
  maxAttempts: z.number().int().min(1).max(20).optional().describe("Attempts before the job fails; the kind's default when absent."),
  labels: Labels.optional(),
  webhook: z
    .strictObject({
      url: z.url({ protocol: /^https?$/ }).max(2_048).describe('Called with a signed POST when the job ends. Its host and port must be allowed in config (api.webhooks.allowedHosts; no port there: 443 and 80 only), and a name must resolve to public addresses.'),
    })
    .optional(),
};

export const SolveJobRequest = z.strictObject({ kind: z.literal('solve'), input: SolveInput, ...envelope });
export const FoldJobRequest = z.strictObject({ kind: z.literal('fold'), input: FoldInput, ...envelope });
export const InferenceJobRequest = z.strictObject({ kind: z.literal('inference'), input: InferenceInput, ...envelope });

export const JobRequest = z.discriminatedUnion('kind', [SolveJobRequest, FoldJobRequest, InferenceJobRequest], {
  error: (issue) => (issue.code === 'invalid_union' ? `kind must be one of: ${KINDS.join(', ')}` : undefined),
});
export type JobRequest = z.infer<typeof JobRequest>;

/** POST /v1/batches: many jobs at once, all stored or none. */
export const BatchRequest = z.strictObject({ jobs: z.array(JobRequest).min(1) });
export type BatchRequest = z.infer<typeof BatchRequest>;

const jobDataFields = {
  kind: Kind,
  tenant: z.string(),
  /** VRAM the request declared; absent means the scheduler decides from the kind. */
  requestedVramMb: z.number().int().positive().optional(),
  priority: z.number().int(),
  timeoutSeconds: z.number().int().positive(),
  maxAttempts: z.number().int().positive(),
  labels: Labels,
  submittedAt: z.number().int(),
  /** Added in 0.2: the webhook to call when the job ends. */
  webhookUrl: z.string().optional(),
  /** Added in 0.2: the batch the job was submitted in. */
  batchId: z.string().optional(),
};

/**
 * What the API stores as the BullMQ job's data (docs/adr/0003). Version 1 carries the parsed input;
 * version 2 (0.4) keeps it apart, at keys.jobInput, so reading a job back (views, listings, the
 * queue's heads) never loads an input of megabytes, and a finished job's input can go at once.
 */
export const JobData = z.discriminatedUnion('v', [
  z.object({ v: z.literal(1), input: z.unknown(), ...jobDataFields }),
  z.object({
    v: z.literal(2),
    /** The size of the input's JSON at keys.jobInput. */
    inputBytes: z.number().int().nonnegative(),
    /** What the job needed when it was admitted: read back without the input. */
    need: QueuedNeed,
    ...jobDataFields,
  }),
]);
export type JobData = z.infer<typeof JobData>;

/** A job's data with its input at hand, as a scheduler holds it (read from keys.jobInput for v2). */
export type JobDataWithInput = JobData & { input: unknown };

/** The request's settings as stored, without its input: the submit adds the input (inline or apart). */
export type JobSettings = Omit<Extract<JobData, { v: 1 }>, 'v' | 'input'>;

/**
 * What a submit stores for a parsed request, less its input: its own settings, else its kind's
 * defaults. The API checks the request first; the benchmarks enqueue through this too, so both
 * store the same.
 */
export function jobSettingsOf(
  request: Omit<JobRequest, 'input'>,
  tenant: string,
  kindDefaults: { defaultTimeoutSeconds: number; maxAttempts: number },
  submittedAt: number,
  batchId?: string,
): JobSettings {
  return {
    kind: request.kind,
    tenant,
    ...(request.resources?.vramMb ? { requestedVramMb: request.resources.vramMb } : {}),
    priority: request.priority,
    timeoutSeconds: request.timeoutSeconds ?? kindDefaults.defaultTimeoutSeconds,
    maxAttempts: request.maxAttempts ?? kindDefaults.maxAttempts,
    labels: request.labels ?? {},
    submittedAt,
    ...(request.webhook ? { webhookUrl: request.webhook.url } : {}),
    ...(batchId ? { batchId } : {}),
  };
}

/** Version 2 data: the settings, and what the input stored apart weighs and needs. */
export function jobDataV2(settings: JobSettings, inputBytes: number, need: QueuedNeed): JobData {
  return { v: 2, ...settings, inputBytes, need };
}

export const Placement = z.object({
  gpu: z.string().nullable().describe('The GPU it runs on; null on a CPU solve server, or a cuOpt server with several GPUs (it picks one).'),
  vramMb: z.number().int().nonnegative().describe('VRAM reserved for it; 0 on a solve server, whose memory is its own.'),
  server: z.string().optional().describe('The solve server it was sent to.'),
  box: z.string().optional().describe('The box whose scheduler placed it (added in 0.3): `gpu` is that box’s GPU.'),
});
export type Placement = z.infer<typeof Placement>;

export const WebhookDelivery = z.object({
  at: z.number().int(),
  attempt: z.number().int(),
  /** The HTTP status the webhook answered, or null when it could not be reached. */
  status: z.number().int().nullable(),
  error: z.string().optional(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const CostStage = z.object({
  name: z.string().describe('preprocess, inference or postprocess'),
  device: z.enum(['cpu', 'gpu']),
  gpu: z.string().nullable(),
  startedAt: z.number().int().describe('Epoch milliseconds.'),
  seconds: z.number(),
  gpuSeconds: z.number(),
  cpuSeconds: z.number(),
  usd: z.number(),
});

export const Cost = z.object({
  gpuSeconds: z.number().describe('Seconds the job held a GPU, over all attempts.'),
  cpuSeconds: z.number().describe('Seconds of CPU-only stages.'),
  usd: z.number().describe('Those seconds times the configured rates.'),
  stages: z.array(CostStage).describe("A pipeline job's stages in its last attempt, each timed and costed at its own rate."),
});
export type Cost = z.infer<typeof Cost>;

export const JobView = z.object({
  id: z.string(),
  kind: Kind,
  tenant: z.string(),
  status: JobStatus,
  priority: z.number().int(),
  labels: Labels,
  resources: z.object({ vramMb: z.number().int().nullable() }),
  timeoutSeconds: z.number().int(),
  attempts: z.object({ made: z.number().int(), max: z.number().int() }),
  createdAt: z.number().int().describe('Epoch milliseconds.'),
  startedAt: z.number().int().nullable().describe('When the current or last attempt was dispatched, epoch ms.'),
  finishedAt: z.number().int().nullable(),
  placement: Placement.nullable(),
  pendingReason: z
    .string()
    .nullable()
    .describe("While queued: why the job is not running yet, in plain words. It says what blocks (VRAM, a drained GPU, a server that is down, a job that has waited longer) and how many jobs are ahead, of every tenant, as a number only: never another tenant's job, its id or its failure."),
  queuePosition: z.number().int().nullable().describe('While queued: how many jobs will be placed before it (0: it is next).'),
  progress: z.unknown().nullable(),
  result: z.unknown().nullable(),
  error: JobError.nullable(),
  cost: Cost,
  batchId: z.string().nullable(),
  cancelRequestedAt: z.number().int().nullable().describe('When a cancel was asked for; a running job stops within a second.'),
  webhook: z.object({ url: z.string(), deliveries: z.array(WebhookDelivery) }).nullable(),
});
export type JobView = z.infer<typeof JobView>;
