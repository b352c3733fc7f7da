// The placement loop with no I/O: hold jobs, and on each pass place what fits, in priority
// order, reserving VRAM in the ledger. The adapters act on the decisions it returns.
import { type VramLedger, type Reservation } from './ledger.js';
import { place, type PlacementPolicy } from './placement.js';
import { JobWindow, type WindowJob } from './window.js';

export interface CoreOptions {
  policy: PlacementPolicy;
  maxJobsPerGpu: number;
  /** Kinds restricted to some GPUs; a kind absent here may use any. */
  gpusByKind?: ReadonlyMap<string, ReadonlySet<string>>;
}

export type Decision<T extends WindowJob> =
  | { type: 'dispatch'; job: T; reservation: Reservation }
  | { type: 'wait'; job: T; reason: string; ahead: number }
  | { type: 'never-fits'; job: T; reason: string };

export class SchedulerCore<T extends WindowJob = WindowJob> {
  readonly window = new JobWindow<T>();

  constructor(
    readonly ledger: VramLedger,
    private readonly options: CoreOptions,
  ) {}

  /** A job fetched from the queue, now waiting for a GPU. */
  hold(job: T): void {
    this.window.add(job);
  }

  /** A held job that left without running (cancelled, or its lock was lost). */
  drop(jobId: string): T | undefined {
    return this.window.remove(jobId);
  }

  /** A dispatched job ended: its VRAM is free again. */
  finish(jobId: string): Reservation | undefined {
    return this.ledger.release(jobId);
  }

  /** One placement pass over the window. Reserves VRAM for every job it dispatches. */
  plan(): Decision<T>[] {
    const decisions: Decision<T>[] = [];
    const largestMb = this.ledger.largestCapacityMb();
    let waiting = 0;
    for (const job of this.window.ordered()) {
      if (job.vramMb > largestMb) {
        this.window.remove(job.id);
        decisions.push({
          type: 'never-fits',
          job,
          reason: `needs ${job.vramMb} MiB but the largest GPU offers ${largestMb} MiB; it can never run here`,
        });
        continue;
      }
      const allowedGpus = this.options.gpusByKind?.get(job.kind);
      const result = place(this.ledger.capacities(), job.vramMb, {
        policy: this.options.policy,
        maxJobsPerGpu: this.options.maxJobsPerGpu,
        ...(allowedGpus ? { allowedGpus } : {}),
      });
      if (result.ok) {
        const reservation = this.ledger.reserve(job.id, result.gpu, job.vramMb);
        this.window.remove(job.id);
        decisions.push({ type: 'dispatch', job, reservation });
      } else {
        decisions.push({ type: 'wait', job, reason: result.reason, ahead: waiting });
        waiting++;
      }
    }
    return decisions;
  }
}
