// Submits that arrive in the same event-loop turn go to Redis together: their inputs and needs in
// one transaction, each kind's jobs in one addBulk, one message per kind — a few commands for the
// turn instead of six per job. Each submit still answers only once its job is in Redis (a 202 means
// stored); a failure to add a kind's jobs answers the submits of that kind with it (nothing of
// theirs stays), and each may be retried. A submit whose input a body-check thread staged goes on
// its own: moving a staged input can fail (it expired), and that must fail no other submit.
import type { Queue } from 'bullmq';
import type { GpuqConfig, Kind } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';
import { isStagedInput } from './body-checks/checked-job.js';
import { enqueueJobs, KindsNotAdded, type PreparedJob } from './queue-producer.js';

interface Waiting {
  jobs: readonly PreparedJob[];
  settle: (err?: Error) => void;
}

export class SubmitBatcher {
  private waiting: Waiting[] = [];

  constructor(
    private readonly queues: ReadonlyMap<Kind, Queue>,
    private readonly redis: Redis,
    private readonly config: GpuqConfig,
  ) {}

  /** Resolves once `jobs` (one submit's, or one batch's: added all or none) are in Redis. */
  add(jobs: readonly PreparedJob[]): Promise<void> {
    if (jobs.some((job) => isStagedInput(job.input))) return enqueueJobs(this.queues, this.redis, this.config, jobs).catch((err: unknown) => Promise.reject(asError(err instanceof KindsNotAdded ? err.reason : err)));
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => void this.flush());
      this.waiting.push({ jobs, settle: (err) => (err === undefined ? resolve() : reject(err)) });
    });
  }

  private async flush(): Promise<void> {
    const turn = this.waiting;
    this.waiting = [];
    try {
      await enqueueJobs(this.queues, this.redis, this.config, turn.flatMap((w) => w.jobs));
      for (const w of turn) w.settle();
    } catch (err) {
      // Where only some kinds failed, the submits of the other kinds were added: they answer 202.
      for (const w of turn) {
        const isAdded = err instanceof KindsNotAdded && w.jobs.every((job) => !err.kinds.has(job.data.kind));
        w.settle(isAdded ? undefined : asError(err instanceof KindsNotAdded ? err.reason : err));
      }
    }
  }
}

const asError = (reason: unknown): Error => (reason instanceof Error ? reason : new Error(typeof reason === 'string' ? reason : 'the jobs could not be added'));
