// The process executor: one local program per attempt. Input JSON on stdin; the last line of
// stdout is the result (earlier `{"progress": …}` lines are progress); stderr is the job's log, and its end goes in the
// failure message. The program runs in its own process group on the job's GPU
// (CUDA_VISIBLE_DEVICES), and that whole group is stopped on abort.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { ProcessExecutorConfig } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import { JobFailure, type ExecutionHooks, type ExecutionRequest, type Executor } from './executor.js';

/** sysexits' EX_DATAERR: the program says its input is wrong; retrying cannot help. */
export const EXIT_INVALID_INPUT = 65;
const STDERR_KEPT = 4_000;

/** A process's start time (clock ticks since boot), so a reused pid is never mistaken for ours. */
async function startTimeOf(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function killGroup(child: ChildProcess | number, signal: NodeJS.Signals): void {
  const pid = typeof child === 'number' ? child : child.pid;
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export class ProcessExecutor implements Executor {
  private readonly children = new Set<ChildProcess>();

  constructor(
    private readonly config: ProcessExecutorConfig,
    private readonly log: Logger,
  ) {}

  async run(job: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks): Promise<unknown> {
    signal.throwIfAborted();
    const [command, ...args] = this.config.command as [string, ...string[]];
    const child = spawn(command, args, {
      ...(this.config.cwd ? { cwd: this.config.cwd } : {}),
      env: {
        ...process.env,
        ...this.config.env,
        CUDA_VISIBLE_DEVICES: job.gpu.uuid ?? job.gpu.id.replace(/^gpu/, ''),
        NVIDIA_VISIBLE_DEVICES: job.gpu.uuid ?? job.gpu.id.replace(/^gpu/, ''),
        GPUQ_JOB_ID: job.jobId,
        GPUQ_ATTEMPT: String(job.attempt),
        GPUQ_GPU_ID: job.gpu.id,
        GPUQ_VRAM_MB: String(job.gpu.vramMb),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so an abort stops everything it started.
      detached: true,
    });
    this.children.add(child);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('close', (code, sig) => resolve({ code, signal: sig }));
    });
    let lastLine = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.trim() === '') return;
      try {
        const parsed = JSON.parse(line) as unknown;
        if (typeof parsed === 'object' && parsed !== null && 'progress' in parsed && Object.keys(parsed).length === 1) {
          hooks.onProgress((parsed).progress);
          return;
        }
      } catch {
        // Not JSON: only the last line has to be.
      }
      lastLine = line;
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr = (stderr + text).slice(-STDERR_KEPT);
      // The program's stderr is its log (stdout carries progress and the result).
      hooks.onLog?.(text);
    });
    child.stdin.on('error', () => undefined); // a program that does not read its input
    child.stdin.end(JSON.stringify(job.input));
    // Only once its output is listened to: a program that ends at once must not lose its last words.
    if (child.pid) {
      hooks.onPids?.([child.pid]);
      hooks.onHandle(`pid:${child.pid}:${(await startTimeOf(child.pid)) ?? '?'}`);
    }

    const onAbort = () => {
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), this.config.killGraceMs).unref();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const end = await exited;
      signal.throwIfAborted();
      const detail = stderr.trim().split('\n').slice(-5).join(' | ');
      if (end.error) throw new JobFailure('worker_unavailable', `could not start ${command}: ${end.error.message}`, true);
      if (end.code === EXIT_INVALID_INPUT) throw new JobFailure('invalid_input', `the program rejected the input: ${detail || 'no message'}`, false);
      if (end.code !== 0) {
        const how = end.signal ? `was killed by ${end.signal}` : `exited with code ${end.code}`;
        throw new JobFailure('worker_error', `${command} ${how}${detail ? `: ${detail}` : ''}`, true);
      }
      try {
        return JSON.parse(lastLine) as unknown;
      } catch {
        throw new JobFailure('worker_error', `${command} exited 0 but its last line of output is not JSON: "${lastLine.slice(0, 200)}"`, true);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.children.delete(child);
    }
  }

  /**
   * A process outlives the scheduler that read its output, but its output cannot be read again:
   * if it still runs, it is stopped, and the job runs anew.
   */
  async attach(handle: string): Promise<undefined> {
    const match = /^pid:(\d+):(\S+)$/.exec(handle);
    if (!match) return undefined;
    const pid = Number(match[1]);
    if ((await startTimeOf(pid)) === match[2]) {
      this.log.warn({ pid }, 'stopping a job process a previous scheduler started: its output is lost, the job runs again');
      killGroup(pid, 'SIGKILL');
    }
    return undefined;
  }

  async close(): Promise<void> {
    for (const child of this.children) killGroup(child, 'SIGKILL');
  }
}
