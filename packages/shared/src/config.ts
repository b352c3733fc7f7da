// The configuration file (`GPUQ_CONFIG`, YAML or JSON) shared by the API and the scheduler.
// Every field has a default, so an empty file, or none, runs the local development setup.
import { z } from 'zod';

const Identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'letters, digits, "_", "." and "-", at most 63 characters');

/** A GPU declared in config instead of discovered with nvidia-smi: simulated, for machines without one and for tests. */
export const GpuDeclaration = z.strictObject({
  id: Identifier,
  vramMb: z.number().int().positive(),
  /** Overrides scheduler.headroomMb for this GPU. */
  headroomMb: z.number().int().nonnegative().optional(),
  uuid: z.string().optional(),
  name: z.string().optional(),
});
export type GpuDeclaration = z.infer<typeof GpuDeclaration>;

/** Where a kind's work runs. */
export const HttpExecutorConfig = z.strictObject({
  type: z.literal('http'),
  /** Base URL of a server that speaks the cuOpt REST protocol (the cuOpt server or solver-cpu). */
  url: z.url({ protocol: /^https?$/ }),
  /** First poll after submit; doubles up to `maxPollIntervalMs`. */
  pollIntervalMs: z.number().int().positive().default(10),
  maxPollIntervalMs: z.number().int().positive().default(500),
  /** Per-request timeout for one HTTP call to the server (not the job's timeout). */
  requestTimeoutMs: z.number().int().positive().default(10_000),
});
export type HttpExecutorConfig = z.infer<typeof HttpExecutorConfig>;

/**
 * A local program per job (a dev box, bare metal): the job's input as JSON on stdin, its result as
 * the last line of stdout (a JSON document), its GPU in CUDA_VISIBLE_DEVICES. The command comes
 * from config only, never from a request. Exit code 65 (EX_DATAERR) means the input is invalid.
 */
export const ProcessExecutorConfig = z.strictObject({
  type: z.literal('process'),
  command: z.array(z.string().min(1)).min(1),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  /** After SIGTERM, how long the process has before SIGKILL. */
  killGraceMs: z.number().int().nonnegative().default(5_000),
});
export type ProcessExecutorConfig = z.infer<typeof ProcessExecutorConfig>;

/**
 * One container per attempt through the Docker engine, from the image config names (never one a
 * request names), with the job's directory mounted and its GPU attached.
 */
export const DockerExecutorConfig = z.strictObject({
  type: z.literal('docker'),
  image: z.string().min(1),
  socketPath: z.string().default('/var/run/docker.sock'),
  /**
   * How a container gets its GPU: `device-request` asks the NVIDIA runtime for the GPU by its UUID
   * (`--gpus device=<uuid>`); `env` only sets CUDA_VISIBLE_DEVICES and NVIDIA_VISIBLE_DEVICES, for
   * engines without the NVIDIA runtime, and for tests.
   */
  gpuMode: z.enum(['device-request', 'env']).default('device-request'),
  /** Where each attempt's directory is made (input written, output read). */
  jobsDir: z.string().default('.data/jobs'),
  /** The same directory as the Docker engine sees it, when the scheduler runs in a container; jobsDir otherwise. */
  hostJobsDir: z.string().optional(),
  memoryMb: z.number().int().positive().default(32_768),
  pidsLimit: z.number().int().positive().default(4_096),
  /** The user the container runs as (`uid:gid`); the image's own when absent. */
  user: z.string().regex(/^\d+(:\d+)?$/, 'uid or uid:gid').optional(),
  /** The network of a container allowed out (a job that uses the MSA server); all others have none. */
  networkForMsaServer: z.string().default('bridge'),
  /** Keep a failed attempt's container and directory, to look at what went wrong. */
  keepOnFailure: z.boolean().default(false),
  /** After a stop signal, seconds before the container is killed. */
  stopGraceS: z.number().int().nonnegative().default(10),
});
export type DockerExecutorConfig = z.infer<typeof DockerExecutorConfig>;

export const ExecutorConfig = z.discriminatedUnion('type', [HttpExecutorConfig, ProcessExecutorConfig, DockerExecutorConfig]);
export type ExecutorConfig = z.infer<typeof ExecutorConfig>;

/** The settings every kind has, with that kind's own defaults. */
interface KindDefaults {
  defaultVramMb: number;
  defaultTimeoutSeconds: number;
  maxTimeoutSeconds: number;
  maxAttempts: number;
}

function kindShape(defaults: KindDefaults) {
  return {
    /** VRAM reserved for a job that declares none. */
    defaultVramMb: z.number().int().positive().default(defaults.defaultVramMb),
    defaultTimeoutSeconds: z.number().int().positive().default(defaults.defaultTimeoutSeconds),
    /** Submits asking for more are refused with 422. */
    maxTimeoutSeconds: z.number().int().positive().default(defaults.maxTimeoutSeconds),
    /** Attempts for a job that does not say; failures that retrying cannot fix are never retried. */
    maxAttempts: z.number().int().min(1).max(20).default(defaults.maxAttempts),
    /** First retry delay; doubles each attempt. */
    backoffMs: z.number().int().nonnegative().default(2_000),
    /** GPUs this kind may use (ids); all when absent, but those a solve server owns. */
    gpus: z.array(Identifier).min(1).optional(),
  };
}

const timeoutsAgree = {
  check: (k: { defaultTimeoutSeconds: number; maxTimeoutSeconds: number }) => k.defaultTimeoutSeconds <= k.maxTimeoutSeconds,
  message: { message: 'defaultTimeoutSeconds must not be above maxTimeoutSeconds', path: ['defaultTimeoutSeconds'] },
};

export const SOLVE_PROBLEMS = ['lp', 'milp', 'vrp'] as const;
export const SolveProblem = z.enum(SOLVE_PROBLEMS);
export type SolveProblem = z.infer<typeof SolveProblem>;

/**
 * A server that speaks the cuOpt REST protocol, for solve jobs. With `gpus` it is a cuOpt server:
 * it solves one request at a time on each of its GPUs and owns them. Without, it is a CPU server
 * (solver-cpu) that solves `slots` requests at a time. Jobs wait in gpuq's queue, never in the
 * server's, so a waiting job says why.
 */
export const SolveServerConfig = z
  .strictObject({
    name: Identifier,
    url: z.url({ protocol: /^https?$/ }),
    gpus: z.array(Identifier).min(1).optional(),
    /** Solves at a time on a CPU server; a cuOpt server solves one per GPU. */
    slots: z.number().int().min(1).optional(),
    /** The problems it takes. Default: all for a cuOpt server; lp and milp for a CPU server (VRP needs cuOpt). */
    problems: z.array(SolveProblem).min(1).optional(),
    /** Let other kinds use this server's GPUs too (the operator leaves room for them). */
    sharesGpus: z.boolean().default(false),
    /** How often its health is checked (and before each dispatch). */
    healthIntervalMs: z.number().int().min(100).default(2_000),
    pollIntervalMs: z.number().int().positive().default(10),
    maxPollIntervalMs: z.number().int().positive().default(500),
    requestTimeoutMs: z.number().int().positive().default(10_000),
  })
  .refine((s) => !(s.gpus && s.slots), { message: 'a cuOpt server (with gpus) solves one request per GPU; slots is for CPU servers', path: ['slots'] })
  .transform((s) => ({
    ...s,
    slots: s.gpus ? s.gpus.length : (s.slots ?? 1),
    problems: s.problems ?? (s.gpus ? [...SOLVE_PROBLEMS] : (['lp', 'milp'] as SolveProblem[])),
  }));
export type SolveServerConfig = z.infer<typeof SolveServerConfig>;

/** solver-cpu on this machine: what `npm start` runs. */
export const DEFAULT_SOLVE_SERVER = { name: 'solver-cpu', url: 'http://127.0.0.1:5000' } as const;

/**
 * `solve` jobs go to solve servers (by problem type, in the listed order of preference), or, when
 * config gives an `executor` instead, through that executor onto GPUs by VRAM like other kinds
 * (a solver run as a process per job, say).
 */
export const SolveKindConfig = z
  .strictObject({
    ...kindShape({ defaultVramMb: 2_048, defaultTimeoutSeconds: 600, maxTimeoutSeconds: 86_400, maxAttempts: 3 }),
    servers: z
      .array(SolveServerConfig)
      .min(1)
      .refine((servers) => new Set(servers.map((s) => s.name)).size === servers.length, 'server names must be unique')
      .optional(),
    executor: ExecutorConfig.optional(),
  })
  .refine(timeoutsAgree.check, timeoutsAgree.message)
  .refine((k) => !(k.servers && k.executor), { message: 'give servers or an executor, not both', path: ['executor'] })
  .transform((k) => (k.servers || k.executor ? k : { ...k, servers: [SolveServerConfig.parse(DEFAULT_SOLVE_SERVER)] }));
export type SolveKindConfig = z.infer<typeof SolveKindConfig>;

/** A kind's settings, and the executor its jobs run through. */
function kindConfigSchema<Extra extends z.ZodRawShape>(defaults: KindDefaults & { executor: z.input<typeof ExecutorConfig> }, extra: Extra) {
  return z
    .strictObject({ ...kindShape(defaults), executor: ExecutorConfig.prefault(defaults.executor), ...extra })
    .refine((k) => timeoutsAgree.check(k as unknown as { defaultTimeoutSeconds: number; maxTimeoutSeconds: number }), timeoutsAgree.message);
}

export const FoldKindConfig = kindConfigSchema(
  {
    defaultVramMb: 24_576,
    defaultTimeoutSeconds: 3_600,
    maxTimeoutSeconds: 6 * 3_600,
    maxAttempts: 2,
    executor: { type: 'docker', image: 'gpuq/boltz2:2.2.0' },
  },
  {
    /** Predictions with more tokens are refused at submit: they would not fit any GPU anyway. */
    maxTokens: z.number().int().positive().default(3_000),
  },
);
export type FoldKindConfig = z.infer<typeof FoldKindConfig>;

/** A model server for inference jobs, speaking docs/inference-protocol.md (the GPU container, or model-cpu). */
export const InferenceModelConfig = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** The model's name at that server; the key in `models` when absent. */
  serverModel: z.string().min(1).optional(),
  /** VRAM held during one job's GPU stage (its batch's activations); the kind's defaultVramMb when absent. */
  vramMb: z.number().int().positive().optional(),
  /** The GPUs its server runs on: the GPU stage is placed there. Absent: any GPU inference jobs may use. */
  gpus: z.array(Identifier).min(1).optional(),
});
export type InferenceModelConfig = z.infer<typeof InferenceModelConfig>;

/** model-cpu on this machine: what `npm start` runs. */
export const DEFAULT_MODEL_SERVER_URL = 'http://127.0.0.1:5100';

/**
 * `inference` jobs run as a pipeline: a CPU stage that cleans and counts the texts, a GPU stage on
 * the model's server (only this stage holds a GPU reservation), and a CPU stage that formats and
 * sums up the predictions. Each stage has its own timeout.
 */
export const InferenceKindConfig = z
  .strictObject({
    ...kindShape({ defaultVramMb: 2_048, defaultTimeoutSeconds: 300, maxTimeoutSeconds: 3_600, maxAttempts: 3 }),
    models: z
      .record(Identifier, InferenceModelConfig)
      .refine((models) => Object.keys(models).length > 0, 'at least one model')
      .default({ default: { url: DEFAULT_MODEL_SERVER_URL } }),
    /** Texts per job, and characters per text; larger jobs are refused at submit. */
    maxTexts: z.number().int().min(1).max(1_024).default(256),
    maxTextChars: z.number().int().min(1).max(100_000).default(10_000),
    stageTimeouts: z
      .strictObject({
        preprocessS: z.number().positive().default(10),
        inferenceS: z.number().positive().default(120),
        postprocessS: z.number().positive().default(10),
      })
      .prefault({}),
    /** Predictions less sure than this are counted as low confidence in the summary. */
    lowConfidenceBelow: z.number().min(0).max(1).default(0.6),
  })
  .refine(timeoutsAgree.check, timeoutsAgree.message);
export type InferenceKindConfig = z.infer<typeof InferenceKindConfig>;

export const SchedulerConfig = z.strictObject({
  /** Fetched jobs held per kind, so a smaller job can be placed while a larger one waits. */
  windowPerKind: z.number().int().min(1).max(10_000).default(32),
  /**
   * Packing: `best-fit` fills the GPU with the least free VRAM that fits (keeping large holes for
   * large jobs); `spread` the one with the most; `first-fit` the first in order.
   */
  policy: z.enum(['best-fit', 'spread', 'first-fit']).default('best-fit'),
  /** Concurrent jobs per GPU, whatever their VRAM. */
  maxJobsPerGpu: z.number().int().min(1).default(16),
  /** VRAM per GPU never handed out, for the driver and fragmentation. */
  headroomMb: z.number().int().nonnegative().default(0),
  /** Per-GPU overrides of headroomMb, by GPU id (for GPUs found with nvidia-smi). */
  gpuHeadroomMb: z.record(Identifier, z.number().int().nonnegative()).default({}),
  /** A job waiting this long gets a reservation on the GPU where it fits soonest; smaller jobs no longer delay it. */
  starvationAfterS: z.number().nonnegative().default(300),
  /** How long a fetched job stays locked without renewal before BullMQ returns it to the queue. */
  lockDurationMs: z.number().int().min(1_000).default(30_000),
  /** Schedulers with the same box id share one lease: one is active, the others wait as standby. Default: the host name. */
  boxId: Identifier.optional(),
  /** How long the active scheduler's lease lasts without renewal; a standby takes over after it lapses. */
  leaseTtlMs: z.number().int().min(1_000).default(10_000),
  /** Failures in a row on one GPU (of the worker, not of the input) after which it is drained. */
  drainAfterFailures: z.number().int().min(1).default(3),
  /** A GPU drained for failures takes jobs again after this long. */
  drainCooldownS: z.number().min(0).default(300),
  gpuMonitor: z
    .strictObject({
      /**
       * The nvidia-smi to poll for memory in use and GPU health. Default: `nvidia-smi` when the
       * GPUs were found with it; none for GPUs declared in config (a test can name a fake).
       */
      command: z.string().nullable().optional(),
      intervalMs: z.number().int().min(100).default(2_000),
    })
    .prefault({}),
  vramEstimates: z
    .strictObject({
      /** Finished jobs of a kind with a measured peak before the learned estimate is used. */
      minSamples: z.number().int().min(1).default(20),
      /** The percentile of observed peak / estimate that the learned estimate uses. */
      percentile: z.number().min(50).max(100).default(95),
      /** Added on top of the percentile, as a fraction. */
      margin: z.number().min(0).default(0.1),
    })
    .prefault({}),
});
export type SchedulerConfig = z.infer<typeof SchedulerConfig>;

export const ApiKey = z.strictObject({
  tenant: Identifier,
  /** The SHA-256 of the key, in hex: keys themselves are never stored (`printf %s "$KEY" | sha256sum`). */
  keySha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex'),
  isAdmin: z.boolean().default(false),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const ApiConfig = z.strictObject({
  /** API keys; GPUQ_API_KEYS and GPUQ_ADMIN_KEYS add more. With none, the API only serves loopback. */
  keys: z.array(ApiKey).default([]),
  /** Per-tenant settings; the webhook secret is better given in GPUQ_WEBHOOK_SECRETS. */
  tenants: z
    .record(Identifier, z.strictObject({ rateLimitPerMinute: z.number().int().positive().optional(), webhookSecret: z.string().min(16).optional() }))
    .default({}),
  /** Requests per minute per tenant, across all API replicas. */
  rateLimitPerMinute: z.number().int().positive().default(1_200),
  maxBatchSize: z.number().int().min(1).max(10_000).default(100),
  /** How long an Idempotency-Key is remembered. */
  idempotencyTtlS: z.number().int().positive().default(86_400),
  webhooks: z
    .strictObject({
      /** Hosts a webhook may point at (exact names, or `*.example.com`). None: webhooks are refused. */
      allowedHosts: z.array(z.string().min(1)).default([]),
      timeoutMs: z.number().int().positive().default(5_000),
      maxAttempts: z.number().int().min(1).max(30).default(8),
      /** First retry delay; doubles each attempt. */
      backoffMs: z.number().int().nonnegative().default(1_000),
    })
    .prefault({}),
});
export type ApiConfig = z.infer<typeof ApiConfig>;

export const GpuqConfig = z.strictObject({
  /** Simulated GPUs. When absent, the scheduler asks nvidia-smi, and without it simulates two 24 GiB GPUs. */
  gpus: z
    .array(GpuDeclaration)
    .min(1)
    .refine((gpus) => new Set(gpus.map((g) => g.id)).size === gpus.length, 'GPU ids must be unique')
    .optional(),
  scheduler: SchedulerConfig.prefault({}),
  kinds: z
    .strictObject({
      solve: SolveKindConfig.prefault({}),
      fold: FoldKindConfig.prefault({}),
      inference: InferenceKindConfig.prefault({}),
    })
    .prefault({}),
  api: ApiConfig.prefault({}),
  /** What a second costs, for each job's cost (the seeds' serverless prices by default). */
  costs: z
    .strictObject({
      gpuSecondUsd: z.number().nonnegative().default(0.0015),
      cpuSecondUsd: z.number().nonnegative().default(0.0002),
    })
    .prefault({}),
  /** Where jobs' files (structures, logs) are kept, read by the API's artifacts route. */
  artifactsDir: z.string().default('.data/artifacts'),
});
export type GpuqConfig = z.infer<typeof GpuqConfig>;

/** The GPUs simulated when nothing is declared and no nvidia-smi is found. */
export const DEFAULT_SIMULATED_GPUS: readonly GpuDeclaration[] = [
  { id: 'gpu0', vramMb: 24_576 },
  { id: 'gpu1', vramMb: 24_576 },
];
