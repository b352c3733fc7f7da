// The GPUs this scheduler owns: declared in config (simulated), discovered with nvidia-smi, or,
// on a machine with neither, two simulated 24 GiB GPUs so development works anywhere.
import { DEFAULT_SIMULATED_GPUS, type GpuDeclaration } from '@gpuq/shared';

export interface GpuSpec {
  id: string;
  totalMb: number;
  uuid?: string;
  name?: string;
  /** True for GPUs declared in config rather than found on the machine. */
  isSimulated: boolean;
}

export function simulatedGpus(declared: readonly GpuDeclaration[] = DEFAULT_SIMULATED_GPUS): GpuSpec[] {
  return declared.map((gpu) => ({
    id: gpu.id,
    totalMb: gpu.vramMb,
    ...(gpu.uuid ? { uuid: gpu.uuid } : {}),
    ...(gpu.name ? { name: gpu.name } : {}),
    isSimulated: true,
  }));
}

/**
 * Parses `nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.used,memory.free,...
 * --format=csv,noheader,nounits`: one line per GPU, memory in MiB.
 */
export function parseQueryGpu(csv: string): Array<GpuSpec & { usedMb: number }> {
  return csv
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line, lineNo) => {
      const fields = line.split(',').map((f) => f.trim());
      const [index, uuid, name, total, used] = fields;
      const totalMb = Number(total);
      if (fields.length < 5 || !index || !uuid || !Number.isFinite(totalMb)) {
        throw new Error(`nvidia-smi line ${lineNo + 1} is not index,uuid,name,memory.total,memory.used,...: "${line}"`);
      }
      return {
        id: `gpu${index}`,
        uuid,
        ...(name ? { name } : {}),
        totalMb,
        usedMb: Number(used) || 0,
        isSimulated: false,
      };
    });
}
