// What the scheduler asks of every executor: run one attempt of one job on the GPU it was
// placed on, stop when the signal aborts, and fail with a JobFailure that says whether retrying
// could help.
import type { JobErrorCode } from '@gpuq/shared';

export interface ExecutionRequest {
  jobId: string;
  kind: string;
  attempt: number;
  input: unknown;
  gpu: { id: string; uuid?: string; vramMb: number };
}

export interface ExecutionHooks {
  /** The worker's own handle for this attempt (a cuOpt reqId, a container id), for recovery and logs. */
  onHandle(handle: string): void;
  onProgress(progress: unknown): void;
}

export interface Executor {
  run(request: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks): Promise<unknown>;
  close(): Promise<void>;
}

export class JobFailure extends Error {
  constructor(
    readonly code: JobErrorCode,
    message: string,
    /** False when the same input would fail the same way again. */
    readonly isRetryable: boolean,
  ) {
    super(message);
    this.name = 'JobFailure';
  }
}
