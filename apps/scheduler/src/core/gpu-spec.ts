// A GPU as the scheduler schedules on it: declared in config (simulated), or discovered with
// nvidia-smi (gpus/), or a solve server's slots. Pure data, shared by the core and the probes.
import { DEFAULT_SIMULATED_GPUS, type GpuDeclaration } from '@gpuq/shared';

export interface GpuSpec {
  id: string;
  /** How people know it, in reasons and logs: the live scheduler names it `box/id`. */
  label?: string;
  totalMb: number;
  uuid?: string;
  name?: string;
  /** VRAM never handed out on this GPU, for the driver and fragmentation. */
  headroomMb?: number;
  /** True for GPUs declared in config rather than found on the machine. */
  isSimulated: boolean;
  /** Jobs at a time on it; the scheduler's maxJobsPerGpu when absent. */
  maxJobs?: number;
  /**
   * Set on a solve server's slots, which the ledger keeps like a GPU with no memory of its own (the
   * server's memory is its own, on GPUs it owns): jobs take a slot, and wait for one.
   */
  solveServer?: string;
}

export function simulatedGpus(declared: readonly GpuDeclaration[] = DEFAULT_SIMULATED_GPUS): GpuSpec[] {
  return declared.map((gpu) => ({
    id: gpu.id,
    totalMb: gpu.vramMb,
    ...(gpu.uuid ? { uuid: gpu.uuid } : {}),
    ...(gpu.name ? { name: gpu.name } : {}),
    ...(gpu.headroomMb !== undefined ? { headroomMb: gpu.headroomMb } : {}),
    isSimulated: true,
  }));
}
