// Where a kind's work runs, as config says: an HTTP server (the cuOpt protocol), a local program
// per job, or a container per job. Part of the config file (config.ts).
import { z } from 'zod';

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
  /**
   * The user the container runs as (`uid` or `uid:gid`), never root. Not the image's own: most
   * images run as root, and a root container leaves files in the attempt's directory that the
   * scheduler cannot remove. deploy/images/boltz2 makes uid 1000 its user.
   */
  user: z
    .string()
    .regex(/^\d+(:\d+)?$/, 'uid or uid:gid')
    .refine((user) => !/^0+(:|$)/.test(user), 'a container never runs as root (uid 0)')
    .default('1000:1000'),
  /**
   * Size of the container's /dev/shm. PyTorch's data-loader workers (Boltz runs 2) hand each
   * batch over through it; Docker's own 64 MiB fails a large complex with a bus error.
   */
  shmSizeMb: z.number().int().positive().default(8_192),
  /** The container's root file system read-only; it writes only to /job (the attempt's directory) and /tmp. */
  readOnlyRootFs: z.boolean().default(true),
  /**
   * Size of the tmpfs at /tmp (HOME points there): kernel caches of Triton, numba and
   * cuEquivariance. Executable, since Triton loads the kernels it compiles from it; its pages
   * count against memoryMb.
   */
  tmpSizeMb: z.number().int().positive().default(4_096),
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
