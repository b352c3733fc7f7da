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

/** Where an attempt's directory lives: the scheduler writes and reads it under `localDir`; the Job's pod mounts it at `mountPath`. */
export const KubernetesVolumeConfig = z.union([
  z.strictObject({
    /** A PersistentVolumeClaim (ReadWriteMany) mounted in the scheduler's pod at `localDir` and in each Job's pod. */
    claimName: z.string().min(1),
    localDir: z.string().min(1),
    mountPath: z.string().default('/job'),
  }),
  z.strictObject({
    /** A directory on the node: for a one-node cluster and for tests, where the scheduler runs on that node. */
    hostPath: z.string().min(1),
    localDir: z.string().min(1),
    mountPath: z.string().default('/job'),
  }),
]);
export type KubernetesVolumeConfig = z.infer<typeof KubernetesVolumeConfig>;

/**
 * One batch/v1 Job per attempt on a Kubernetes cluster's GPU nodes, from the image config names,
 * pinned to the node of the GPU gpuq chose (docs/contracts/kubernetes.md).
 */
export const KubernetesExecutorConfig = z.strictObject({
  type: z.literal('kubernetes'),
  /** The namespace the Jobs run in (the scheduler's Role grants it only there). */
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS-1123 label').max(63),
  image: z.string().min(1),
  /** The container's command (its entrypoint); the image's own when absent. The kind gives the arguments. */
  command: z.array(z.string().min(1)).min(1).optional(),
  /** The Job's pod runs as this service account; the namespace's default when absent. */
  serviceAccount: z.string().min(1).optional(),
  /** A kubeconfig file; else KUBECONFIG, else the in-cluster service account. */
  kubeconfig: z.string().optional(),
  volume: KubernetesVolumeConfig,
  /**
   * The node each of config's declared GPUs (by id) sits on: the Job gets a node affinity for it.
   * Config's `gpus` entries carry the UUID that `hami` pins to. Not needed for GPUs read from the
   * cluster (config's `cluster`), which know their node.
   */
  gpuNodes: z.record(z.string(), z.string().min(1)).default({}),
  /**
   * `whole`: `nvidia.com/gpu: 1` (NVIDIA's device plugin; it picks which GPU of the node). `hami`:
   * HAMi's `nvidia.com/gpumem` (the job's VRAM in MiB) on the GPU named by its UUID annotation, so
   * jobs share a GPU with their memory enforced.
   */
  gpuSharing: z.enum(['whole', 'hami']).default('whole'),
  /** The container's memory limit (and request): host memory, named when the pod is OOMKilled. */
  memoryMb: z.number().int().positive().default(32_768),
  cpu: z.string().default('4'),
  /** The user the container runs as, never root. */
  runAsUser: z.number().int().positive().default(1000),
  /** Size of the emptyDir at /tmp (HOME), and of the memory-backed one at /dev/shm. */
  tmpSizeMb: z.number().int().positive().default(4_096),
  shmSizeMb: z.number().int().positive().default(8_192),
  /** How long a pod may wait unschedulable before the attempt fails (retried while attempts remain). */
  unschedulableTimeoutMs: z.number().int().positive().default(300_000),
  /** Seconds a finished Job stays for `kubectl` if gpuq's own delete did not happen. */
  ttlSecondsAfterFinished: z.number().int().nonnegative().default(3_600),
  /** Keep a failed attempt's Job and directory, to look at what went wrong. */
  keepOnFailure: z.boolean().default(false),
});
export type KubernetesExecutorConfig = z.infer<typeof KubernetesExecutorConfig>;

export const ExecutorConfig = z.discriminatedUnion('type', [HttpExecutorConfig, ProcessExecutorConfig, DockerExecutorConfig, KubernetesExecutorConfig]);
export type ExecutorConfig = z.infer<typeof ExecutorConfig>;
