// The executor the bench's scheduler runs for every kind: it does no work and resolves at once, so
// what is measured is gpuq's own path from the queue to an executor and back to a completed job.
import type { ExecutionRequest, Executor } from '@gpuq/scheduler/dist/executors/executor.js';
import { epochMs } from './measure.js';

export class NoopExecutor implements Executor {
  constructor(private readonly onStart: (jobId: string, atMs: number) => void) {}

  async run(request: ExecutionRequest): Promise<unknown> {
    this.onStart(request.jobId, epochMs());
    return { ok: true };
  }

  /** Nothing of a previous scheduler's survives: the job is run anew. */
  async attach(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {}
}
