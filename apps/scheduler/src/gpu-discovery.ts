// Finds the GPUs to schedule: declared in config, else nvidia-smi, else two simulated 24 GiB GPUs.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { GpuqConfig } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import { parseQueryGpu, simulatedGpus, type GpuSpec } from './inventory.js';

const run = promisify(execFile);

export const QUERY_GPU_ARGS = [
  '--query-gpu=index,uuid,name,memory.total,memory.used,memory.free,utilization.gpu,temperature.gpu',
  '--format=csv,noheader,nounits',
];

/** nvidia-smi's GPUs, or undefined when there is no nvidia-smi on this machine. */
export async function queryNvidiaSmi(binary = 'nvidia-smi'): Promise<GpuSpec[] | undefined> {
  try {
    const { stdout } = await run(binary, QUERY_GPU_ARGS, { timeout: 10_000 });
    return parseQueryGpu(stdout).map(({ usedMb: _usedMb, ...spec }) => spec);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`nvidia-smi failed: ${(err as Error).message}`);
  }
}

export async function discoverGpus(config: GpuqConfig, log: Logger): Promise<GpuSpec[]> {
  if (config.gpus) {
    log.info({ gpus: config.gpus.map((g) => `${g.id}:${g.vramMb}MiB`) }, 'using the simulated GPUs declared in config');
    return simulatedGpus(config.gpus);
  }
  const found = await queryNvidiaSmi();
  if (found && found.length > 0) {
    log.info({ gpus: found.map((g) => `${g.id}:${g.name}:${g.totalMb}MiB`) }, 'found GPUs with nvidia-smi');
    return found;
  }
  const gpus = simulatedGpus();
  log.warn({ gpus: gpus.map((g) => `${g.id}:${g.totalMb}MiB`) }, 'no GPUs declared in config and no nvidia-smi: simulating two 24 GiB GPUs');
  return gpus;
}
