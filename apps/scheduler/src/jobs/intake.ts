// A job fetched from its kind's queue, until it waits in the window for a GPU: its stored data
// parsed with its input, its cancel mark and run record (the claim read them), re-attached when a previous attempt may still be
// running, and, for a pipeline kind, its CPU stage run first (holding no GPU meanwhile).
import type { Job } from 'bullmq';
import { JobData } from '@gpuq/shared';
import type { Claim } from '../core/claim-choice.js';
import { JobFailure, type Executor } from '../executors/executor.js';
import type { ClaimReads } from '../queue/job-claims.js';
import { withStoredInput } from '../queue/job-inputs.js';
import { runRecordOf } from '../queue/run-records.js';
import { cancelledOnRequest, failAttempt } from './attempt-failures.js';
import type { Dispatcher } from './dispatcher.js';
import type { HeldJob, Reattachment } from './held-job.js';
import { toHeld } from './held-jobs.js';
import { reattachmentOf } from './recovery.js';
import { markStage } from './dispatch-stages.js';
import type { SchedulerServices } from './services.js';

export class Intake {
  constructor(
    private readonly services: SchedulerServices,
    private readonly dispatcher: Dispatcher,
  ) {}

  /** A job claimed from `kind`'s queue and locked with `token`, for the reason it was claimed, with what the claim read of it. */
  async take(kind: string, job: Job, token: string, claim: Pick<Claim, 'reason' | 'why'>, reads: ClaimReads): Promise<void> {
    const { services } = this;
    const parsed = JobData.safeParse(job.data);
    if (claim.reason === 'never-fits') {
      const failing = { id: job.id!, kind, job, token, ...(parsed.success ? { data: parsed.data } : {}) };
      await failAttempt(services, failing, new JobFailure('never_fits', claim.why ?? 'no box can run it', false), services.log);
      return;
    }
    if (!parsed.success || parsed.data.kind !== kind) {
      const message = `the job's stored data is not a valid ${kind} job: ${parsed.error?.issues[0]?.message ?? 'wrong kind'}`;
      await failAttempt(services, { id: job.id!, kind, job, token }, new JobFailure('internal', message, false), services.log);
      return;
    }
    // Read by the claim itself: no round trip between the claim and placement.
    const { isCancelled } = reads;
    const run = runRecordOf(reads.run);
    const read = withStoredInput(parsed.data, reads.inputText);
    if (!read.ok) {
      const failing = { id: job.id!, kind, job, token, data: parsed.data };
      await failAttempt(services, failing, isCancelled ? cancelledOnRequest() : new JobFailure('internal', `the job cannot run: ${read.reason}`, false), services.log);
      return;
    }
    const held = toHeld(services, job, token, read.data, run.minVramMb);
    if (isCancelled) {
      // A queued job that was cancelled never runs.
      await failAttempt(services, held, cancelledOnRequest(), services.log);
      return;
    }
    // A previous attempt whose scheduler died may still be running on its worker: continue it.
    const previous = reattachmentOf(run, (id) => services.core.ledger.spec(id) !== undefined, services.boxId);
    if (previous) {
      this.reattach(held, previous);
      return;
    }
    await this.admit(held);
  }

  /** A pipeline kind's CPU stage runs first, holding no GPU; then the job waits for one. */
  async admit(held: HeldJob): Promise<void> {
    const executor = this.services.executors.get(held.kind);
    if (executor?.prepare && held.prepared === undefined) {
      if (!(await this.prepare(held, executor))) return;
      if (await this.services.cancels.isCancelled(held.id)) {
        await failAttempt(this.services, held, cancelledOnRequest(), this.services.log.child({ jobId: held.id }));
        return;
      }
    }
    this.hold(held);
  }

  /** The job waits in the window for a GPU; its run record says so once a placement pass finds it waiting. */
  hold(held: HeldJob): void {
    held.isHeldRecorded = false;
    markStage(held.id, 'held');
    this.services.core.hold(held);
    this.services.requestPlan();
    // The inventory counts held jobs: the API places queued jobs behind them.
    this.services.requestPublish();
  }

  /** Re-attaches to a previous attempt's work, reserving the VRAM it is using where it runs. */
  reattach(held: HeldJob, previous: Reattachment): void {
    const reservation = this.services.core.ledger.adopt({ jobId: held.id, gpu: previous.gpu, vramMb: previous.vramMb, endsBy: previous.startedAt + held.runBoundMs });
    this.services.log.info({ jobId: held.id, gpu: previous.gpu, handle: previous.handle }, 'found the previous attempt still recorded as running; re-attaching');
    this.dispatcher.dispatch(held, reservation, previous.handle);
  }

  /** Runs the prepare stage; false when it failed the job's attempt. */
  private async prepare(held: HeldJob, executor: Executor): Promise<boolean> {
    const { records } = this.services;
    const log = this.services.log.child({ jobId: held.id, kind: held.kind });
    await records.pending(held.id, 'preprocess: its input is being prepared on the CPU before it waits for a GPU', 0).catch(() => undefined);
    const startedAt = Date.now();
    let failure: JobFailure | undefined;
    try {
      held.prepared = await executor.prepare!({ jobId: held.id, kind: held.kind, input: held.data.input });
    } catch (err) {
      failure = err instanceof JobFailure ? err : new JobFailure('internal', `preprocess: ${(err as Error).message}`, true);
    }
    const seconds = (Date.now() - startedAt) / 1000;
    held.stages = [{ name: 'preprocess', device: 'cpu', startedAt, seconds }];
    await records.stages(held.id, held.stages, seconds).catch((err) => log.warn({ err }, 'could not record the stage'));
    if (!failure) return true;
    await failAttempt(this.services, held, failure, log);
    return false;
  }
}
