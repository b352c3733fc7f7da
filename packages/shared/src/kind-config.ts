// Each kind's section of the config file (kinds.solve, kinds.fold, kinds.inference): its defaults,
// limits and where its work runs. Part of the config file (config.ts).
import { z } from 'zod';
import { Identifier } from './config-identifier.js';
import { ExecutorConfig } from './executor-config.js';

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
    /**
     * Submit with `solver_logs=true` and keep the solver's log as the job's log (polled from
     * `GET /cuopt/log/{id}`). A server without that route is asked once per attempt.
     */
    solverLogs: z.boolean().default(true),
    /**
     * Where this machine sees the server's CUOPT_RESULT_DIR (a shared volume). With it set, cuOpt
     * writes results of CUOPT_MAX_RESULT KB and more there instead of replying with them, and only
     * the file's name comes back: gpuq reads it from here. Without it such a result fails the job.
     */
    resultDir: z.string().min(1).optional(),
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
