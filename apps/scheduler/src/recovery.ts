// After a takeover: the jobs BullMQ still has as active were held or run by the previous
// scheduler of this box. Those whose lock can still be adopted (its token is in the run record)
// are taken over at once: held ones go back to the window, running ones are re-attached where
// they run. The rest return through BullMQ's stalled check and are re-attached when fetched.
import type { Job } from 'bullmq';
import { JobData } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import { JobFailure } from './executors/index.js';
import type { HeldJob, Reattachment } from './held-job.js';
import type { KindQueue } from './kind-queue.js';
import type { RunRecords } from './run-records.js';

export interface RecoveryContext {
  queues: ReadonlyMap<string, KindQueue>;
  records: RunRecords;
  log: Logger;
  toHeld: (kind: string, job: Job, token: string, data: JobData, minVramMb?: number) => HeldJob;
  hold: (job: HeldJob) => void;
  reattach: (job: HeldJob, previous: Reattachment) => void;
  /** Whether this box still has the GPU (or solve server) a running attempt was placed on. */
  hasDevice: (id: string) => boolean;
  fail: (kind: string, job: HeldJob, failure: JobFailure) => Promise<void>;
}

export async function adoptActiveJobs(ctx: RecoveryContext): Promise<void> {
  for (const [kind, queue] of ctx.queues) {
    for (const job of await queue.activeJobs()) {
      const data = JobData.safeParse(job.data);
      const run = await ctx.records.read(job.id!);
      if (!data.success || !run.token || run.attempt !== job.attemptsStarted) continue;
      if (!(await queue.adopt(job, run.token))) continue;
      const held = ctx.toHeld(kind, job, run.token, data.data, run.minVramMb);
      const log = ctx.log.child({ jobId: held.id, kind });
      if (run.phase === 'held') {
        log.info('took over a job the previous scheduler held');
        ctx.hold(held);
      } else if (run.phase === 'running' && run.handle && run.gpu && run.vramMb !== undefined && ctx.hasDevice(run.gpu)) {
        ctx.reattach(held, { handle: run.handle, gpu: run.gpu, vramMb: run.vramMb, startedAt: run.startedAt ?? Date.now() });
      } else {
        // Dispatched, but the worker never confirmed it (or the result was never saved): run it again.
        await ctx.fail(kind, held, new JobFailure('worker_unavailable', 'the scheduler stopped before the worker confirmed this attempt', true));
      }
    }
  }
}
