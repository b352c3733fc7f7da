// What the scheduler asks of every executor: run one attempt of one job on the GPU it was
// placed on, stop when the signal aborts, and fail with a JobFailure that says whether retrying
// could help.
import type { cuopt, JobErrorCode } from '@gpuq/shared';

export interface ExecutionRequest {
  jobId: string;
  kind: string;
  attempt: number;
  input: unknown;
  /** The GPU it runs on: the VRAM reserved for it, and the GPU's whole memory. */
  gpu: { id: string; uuid?: string; vramMb: number; totalMb: number };
  /** The box's fencing token when the attempt started: labels the work, for recovery. */
  fence?: number;
  /** What the executor's prepare stage made of the input, for kinds that have one. */
  prepared?: unknown;
  /** The job's time limit: the scheduler stops the attempt then; an executor may also hand it to the worker. */
  timeoutMs?: number;
}

export interface ExecutionHooks {
  /** The worker's own handle for this attempt (a cuOpt reqId, a container id), for recovery and logs. */
  onHandle(handle: string): void;
  onProgress(progress: unknown): void;
  /** Processes of this attempt on this machine, whose GPU memory is the job's own. */
  onPids?(pids: number[]): void;
  /** Each MILP incumbent the solve server hands out, once and in order, as the server sent it (cuOpt's shape). */
  onIncumbent?(incumbent: cuopt.Incumbent): void;
  /** The worker's log (the solver's own), as text in the order written; pieces may end mid-line. */
  onLog?(text: string): void;
}

export interface Executor {
  run(request: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks): Promise<unknown>;
  /**
   * Continues an attempt that a previous scheduler started (found by its handle after a crash).
   * Resolves undefined at once when the worker no longer has it, so it can be run anew.
   */
  attach(handle: string, request: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks): Promise<{ result: unknown } | undefined>;
  /** Why this executor cannot run jobs on this machine (no Docker engine, no image), if it cannot. */
  check?(): Promise<string | undefined>;
  /**
   * A CPU stage before the job is placed (it holds no GPU meanwhile); what it returns reaches run()
   * as `request.prepared`. Throws JobFailure, named after the stage.
   */
  prepare?(request: Pick<ExecutionRequest, 'jobId' | 'kind' | 'input'>): Promise<unknown>;
  /** A CPU stage after the GPU is released: turns run()'s output into the job's result. */
  finish?(request: ExecutionRequest, output: unknown): Promise<unknown>;
  /**
   * Why the worker cannot take this attempt right now (its server is down), checked just before it
   * starts: the job goes back to waiting without spending an attempt.
   */
  ready?(request: ExecutionRequest): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * The abort reason when the scheduler hands a running attempt over (shutting down, or no longer
 * owning the job): the executor stops watching but leaves the work running, for whoever re-attaches.
 */
export class HandedOver extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'HandedOver';
  }
}

export function isHandedOver(signal: AbortSignal): boolean {
  return signal.reason instanceof HandedOver;
}

export class JobFailure extends Error {
  constructor(
    readonly code: JobErrorCode,
    message: string,
    /** False when the same input would fail the same way again. */
    readonly isRetryable: boolean,
    /** True when only a GPU with more memory could run it: retried there, if there is one. */
    readonly needsMoreVram = false,
  ) {
    super(message);
    this.name = 'JobFailure';
  }
}
