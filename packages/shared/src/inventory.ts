// The GPU inventory a scheduler publishes to Redis (keys.inventory) on every change, for the
// API's GET /v1/gpus and its admission checks.
import { z } from 'zod';

export const GpuState = z.object({
  id: z.string(),
  uuid: z.string().optional(),
  name: z.string().optional(),
  isSimulated: z.boolean(),
  totalMb: z.number().int(),
  headroomMb: z.number().int(),
  /** In use by processes that are not our jobs, as the driver last reported. */
  notOursMb: z.number().int(),
  /** In use by our jobs' processes, as the driver last reported (0 where it cannot tell). */
  usedByUsMb: z.number().int(),
  /** total − not ours − headroom. */
  usableMb: z.number().int(),
  reservedMb: z.number().int(),
  freeMb: z.number().int(),
  jobs: z.number().int(),
  drainedReason: z.string().nullable(),
  /** Utilisation and temperature from nvidia-smi, when it is polled. */
  utilizationPercent: z.number().nullable(),
  temperatureC: z.number().nullable(),
  /** Added in 0.3: when the jobs running on it now end at the latest (their timeouts), epoch ms; null while it runs none. */
  busyUntil: z.number().int().nullable().default(null),
});
export type GpuState = z.infer<typeof GpuState>;

/** A solve server as its scheduler sees it: what it takes, how busy it is, and whether it answers. */
export const SolveServerState = z.object({
  name: z.string(),
  url: z.string(),
  /** The GPUs it solves on; none for a CPU server. */
  gpus: z.array(z.string()),
  problems: z.array(z.string()),
  /** Solves at a time (one per healthy GPU for a cuOpt server). */
  slots: z.number().int(),
  /** Jobs it is solving now. */
  running: z.number().int(),
  /** Why it takes no jobs now (down, or its GPUs drained), or null. */
  unavailableReason: z.string().nullable(),
});
export type SolveServerState = z.infer<typeof SolveServerState>;

/** How the scheduler's nvidia-smi polling fares. */
export const GpuMonitorState = z.object({
  /** Why nvidia-smi fails (its own words: not found, a timeout, the driver not loaded), or null while it answers. */
  problem: z.string().nullable(),
  /** When it began failing, epoch ms; null while it answers. */
  failingSince: z.number().int().nullable(),
  /** Polls that failed in a row; 0 while it answers. */
  failedPolls: z.number().int(),
});
export type GpuMonitorState = z.infer<typeof GpuMonitorState>;

export const Inventory = z.object({
  schedulerId: z.string(),
  updatedAt: z.number().int(),
  boxId: z.string(),
  /** Kinds this scheduler runs. */
  kinds: z.array(z.string()),
  /** Kinds it would run but cannot, and why (no Docker engine, no image). */
  unavailableKinds: z.record(z.string(), z.string()).default({}),
  /** Jobs the scheduler holds, waiting for a GPU, by kind. */
  heldByKind: z.record(z.string(), z.number().int()),
  gpus: z.array(GpuState),
  /** Where solve jobs go, when config lists solve servers. */
  solveServers: z.array(SolveServerState).default([]),
  /** Added in 0.3: the GPUs each kind may use on this box, for kinds config narrows (others may use any). */
  kindGpus: z.record(z.string(), z.array(z.string())).default({}),
  /** Added in 0.3: the GPUs an inference model's server runs on here, for models config pins. */
  modelGpus: z.record(z.string(), z.array(z.string())).default({}),
  /** Added in 0.3: why an admin drained the box (it finishes what it runs and takes nothing new), or null. */
  drainedReason: z.string().nullable().default(null),
  /**
   * Added after 0.3: the scheduler's nvidia-smi polling, or null where it polls none (simulated
   * GPUs). While it fails, the GPUs keep their last readings and drains: a failing command says
   * nothing about any one GPU.
   */
  gpuMonitor: GpuMonitorState.nullable().default(null),
});
export type Inventory = z.infer<typeof Inventory>;

export const SchedulerRole = z.enum(['starting', 'standby', 'active']);
export type SchedulerRole = z.infer<typeof SchedulerRole>;

/** What each scheduler writes to keys.schedulers, under its id, every few seconds. */
export const SchedulerHeartbeat = z.object({
  boxId: z.string(),
  role: SchedulerRole,
  heartbeatAt: z.number().int(),
  pid: z.number().int(),
});
export type SchedulerHeartbeat = z.infer<typeof SchedulerHeartbeat>;
