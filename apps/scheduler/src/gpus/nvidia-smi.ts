// Runs nvidia-smi (or the fake a test names) and parses what it prints. A GPU nvidia-smi cannot
// open is a line of its own while the others still answer, whatever the exit code; the command
// has failed only when it answers for no GPU (driver not loaded, a timeout, a message instead).
import { execFile, type ExecFileException } from 'node:child_process';
import { parseMigList, parseMigMemory, sizeMigDevices, type MigDevice, type MigMemory } from './mig.js';
import {
  parseComputeAppsListing,
  parseGpuListing,
  parseRemappedRowsListing,
  QUERY_GPU_FIELDS,
  QUERY_REMAPPED_ROWS_FIELDS,
  type ComputeApp,
  type GpuReading,
  type Listing,
  type RemappedRows,
  type UnreadableGpu,
} from './nvidia-smi-output.js';

export const QUERY_GPU_ARGS = [`--query-gpu=${QUERY_GPU_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
export const QUERY_COMPUTE_APPS_ARGS = ['--query-compute-apps=gpu_uuid,pid,used_memory', '--format=csv,noheader,nounits'];
export const QUERY_REMAPPED_ROWS_ARGS = [`--query-remapped-rows=${QUERY_REMAPPED_ROWS_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
/** Every attribute of every GPU, MIG devices' memory among them: slow on a full box, so read once at start-up. */
const QUERY_XML_ARGS = ['-q', '-x'];
const QUERY_XML_TIMEOUT_MS = 60_000;

export class NvidiaSmiMissingError extends Error {
  constructor(command: string) {
    super(`${command} was not found`);
    this.name = 'NvidiaSmiMissingError';
  }
}

/** nvidia-smi ran and answered for no GPU: what it said and its exit code, or that it did not finish. */
export class NvidiaSmiFailedError extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`${command} ${args[0] ?? ''} ${exitCode === null ? output : `exited with ${exitCode}: ${output || '(no output)'}`}`);
    this.name = 'NvidiaSmiFailedError';
  }
}

/** A `--query-gpu` answer: the GPUs read, and the ones nvidia-smi printed a line for instead. */
export interface GpuListing {
  readings: GpuReading[];
  unreadable: UnreadableGpu[];
}

interface Ran {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Its first lines are what a person needs; a page of them helps no one in a drain reason. */
const summary = (text: string) => text.trim().split('\n').slice(0, 3).join(' ').slice(0, 400);

export class NvidiaSmi {
  constructor(
    readonly command: string = 'nvidia-smi',
    private readonly timeoutMs = 10_000,
  ) {}

  private run(args: readonly string[], timeoutMs = this.timeoutMs): Promise<Ran> {
    const late = () => new NvidiaSmiFailedError(this.command, args, null, `did not answer within ${timeoutMs / 1000} s`);
    return new Promise((resolve, reject) => {
      const child = execFile(this.command, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err: ExecFileException | null, stdout, stderr) => {
        clearTimeout(watchdog);
        if (!err) return resolve({ stdout, stderr, exitCode: 0 });
        if (err.code === 'ENOENT') return reject(new NvidiaSmiMissingError(this.command));
        if (typeof err.code === 'number') return resolve({ stdout, stderr, exitCode: err.code });
        reject(err.killed ? late() : new NvidiaSmiFailedError(this.command, args, null, err.signal ? `was killed by ${err.signal}` : err.message));
      });
      // nvidia-smi stuck in the driver (a GPU falling off the bus) may outlive even SIGKILL for a
      // while: the poll gives up on it rather than wait for it to exit.
      const watchdog = setTimeout(() => {
        child.kill('SIGKILL');
        reject(late());
      }, timeoutMs + 1_000);
    });
  }

  /**
   * The answer; after a non-zero exit, the lines it did print when they are all answers or lines
   * for GPUs it could not read (a GPU lost makes nvidia-smi exit non-zero, answering for the rest).
   */
  private async listing<T>(args: readonly string[], parse: (text: string) => Listing<T>): Promise<Listing<T>> {
    const ran = await this.run(args);
    const result = parse(`${ran.stdout}\n${ran.stderr}`);
    const isPartial = (result.rows.length > 0 || result.unreadable.length > 0) && result.otherLines.length === 0;
    if (ran.exitCode === 0 || isPartial) return result;
    throw new NvidiaSmiFailedError(this.command, args, ran.exitCode, summary(ran.stderr) || summary(ran.stdout));
  }

  async gpus(): Promise<GpuListing> {
    const { rows, unreadable } = await this.listing(QUERY_GPU_ARGS, parseGpuListing);
    return { readings: rows, unreadable };
  }

  async computeApps(): Promise<ComputeApp[]> {
    return (await this.listing(QUERY_COMPUTE_APPS_ARGS, parseComputeAppsListing)).rows;
  }

  /** By GPU UUID. */
  async remappedRows(): Promise<Map<string, RemappedRows>> {
    const { rows } = await this.listing(QUERY_REMAPPED_ROWS_ARGS, parseRemappedRowsListing);
    return new Map(rows.map(({ gpuUuid, ...remapped }) => [gpuUuid, remapped]));
  }

  /**
   * MIG devices from `-L`, sized from `-q -x` (`--query-gpu` has no MIG devices); from their
   * profile names when `-q -x` does not answer (see sizeMigDevices).
   */
  async migDevices(): Promise<MigDevice[]> {
    const listed = parseMigList((await this.run(['-L'])).stdout);
    if (listed.length === 0) return [];
    let memory = new Map<string, MigMemory>();
    try {
      memory = parseMigMemory((await this.run(QUERY_XML_ARGS, QUERY_XML_TIMEOUT_MS)).stdout);
    } catch {
      // Sized from the names; the caller says so.
    }
    return sizeMigDevices(listed, memory);
  }
}
