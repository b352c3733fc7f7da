// Runs nvidia-smi (or the fake a test names) and parses what it prints.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseComputeApps, parseMigList, parseQueryGpu, type ComputeApp, type GpuReading, type MigDevice } from './nvidia-smi-output.js';

const run = promisify(execFile);

export const QUERY_GPU_ARGS = [
  '--query-gpu=index,uuid,name,memory.total,memory.used,memory.free,utilization.gpu,temperature.gpu',
  '--format=csv,noheader,nounits',
];
export const QUERY_COMPUTE_APPS_ARGS = ['--query-compute-apps=gpu_uuid,pid,used_memory', '--format=csv,noheader,nounits'];

export class NvidiaSmiMissingError extends Error {
  constructor(command: string) {
    super(`${command} was not found`);
    this.name = 'NvidiaSmiMissingError';
  }
}

export class NvidiaSmi {
  constructor(
    readonly command: string = 'nvidia-smi',
    private readonly timeoutMs = 10_000,
  ) {}

  private async call(args: string[]): Promise<string> {
    try {
      const { stdout } = await run(this.command, args, { timeout: this.timeoutMs });
      return stdout;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NvidiaSmiMissingError(this.command);
      const stderr = (err as { stderr?: string }).stderr?.trim();
      throw new Error(`${this.command} failed: ${stderr || (err as Error).message}`);
    }
  }

  async gpus(): Promise<GpuReading[]> {
    return parseQueryGpu(await this.call(QUERY_GPU_ARGS));
  }

  async computeApps(): Promise<ComputeApp[]> {
    return parseComputeApps(await this.call(QUERY_COMPUTE_APPS_ARGS));
  }

  async migDevices(): Promise<MigDevice[]> {
    return parseMigList(await this.call(['-L']));
  }
}
