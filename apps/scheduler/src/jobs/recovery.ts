// Picking up where a previous scheduler of this box left off. After a takeover, the jobs BullMQ has
// as active that this box held or ran (their run record names the box) and whose lock can still be
// adopted (its token is in the run record) are taken over at once: held ones back to the window,
// running ones re-attached where they run. The rest return through BullMQ's stalled check; a job
// taken again that way is re-attached too if this box's attempt of it may still be running.
import { JobData, type RunRecord } from '@gpuq/shared';
import { JobFailure } from '../executors/executor.js';
import type { FailingJob } from './attempt-failures.js';
import type { HeldJob, Reattachment } from './held-job.js';
import { toHeld } from './held-jobs.js';
import type { SchedulerServices } from './services.js';

/**
 * The previous attempt's work to re-attach to, when the run record says this box dispatched it to
 * a worker (with the worker's handle) on a device it still has; undefined otherwise. A GPU id like
 * `gpu0` is on every box: another box's attempt is never this box's to continue. (A record with no
 * box was written before boxes shared a queue, by this box.)
 */
export function reattachmentOf(run: RunRecord, hasDevice: (id: string) => boolean, boxId: string): Reattachment | undefined {
  if (run.box !== undefined && run.box !== boxId) return undefined;
  if (run.phase !== 'running' || !run.handle || !run.gpu || run.vramMb === undefined || !hasDevice(run.gpu)) return undefined;
  return { handle: run.handle, gpu: run.gpu, vramMb: run.vramMb, startedAt: run.startedAt ?? Date.now() };
}

export interface Adoption {
  /** A job the previous scheduler held: it waits for a GPU again. */
  hold: (job: HeldJob) => void;
  /** A job whose work may still run on its worker: continue it there. */
  reattach: (job: HeldJob, previous: Reattachment) => void;
  /** A job dispatched but never confirmed by its worker: its attempt failed (retried). */
  fail: (job: FailingJob, failure: JobFailure) => Promise<void>;
}

export async function adoptActiveJobs(services: SchedulerServices, adoption: Adoption): Promise<void> {
  const hasDevice = (id: string) => services.core.ledger.spec(id) !== undefined;
  for (const [kind, queue] of services.queues) {
    for (const job of await queue.activeJobs()) {
      const data = JobData.safeParse(job.data);
      const run = await services.records.read(job.id!);
      // Another box's job: its own standby adopts it, or the stalled check returns it to the queue.
      if (run.box !== undefined && run.box !== services.boxId) continue;
      if (!data.success || data.data.kind !== kind || !run.token || run.attempt !== job.attemptsStarted) continue;
      if (!(await queue.adopt(job, run.token))) continue;
      const read = await queue.withInput(job.id!, data.data);
      if (!read.ok) {
        await adoption.fail({ id: job.id!, kind, job, token: run.token, data: data.data }, new JobFailure('internal', `the job cannot run: ${read.reason}`, false));
        continue;
      }
      const held = toHeld(services, job, run.token, read.data, run.minVramMb);
      const log = services.log.child({ jobId: held.id, kind });
      const previous = reattachmentOf(run, hasDevice, services.boxId);
      if (run.phase === 'held') {
        log.info('took over a job the previous scheduler held');
        adoption.hold(held);
      } else if (previous) {
        adoption.reattach(held, previous);
      } else {
        // Dispatched, but the worker never confirmed it (or the result was never saved): run it again.
        await adoption.fail(held, new JobFailure('worker_unavailable', 'the scheduler stopped before the worker confirmed this attempt', true));
      }
    }
  }
}
