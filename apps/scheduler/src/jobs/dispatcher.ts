// The attempts running on this box: each dispatched to its executor with its reservation, stopped
// at its timeout, on a cancel or when the job is handed over, and, once it ends, its VRAM freed
// and placement woken. An attempt that could not start (its worker is down, or the work it was to
// re-attach to is gone) goes back to waiting without spending an attempt.
import { HandedOver } from '../executors/executor.js';
import type { Reservation } from '../core/ledger.js';
import { runAttempt, type Attempt, type AttemptEnd, type StopReason } from './attempt-runner.js';
import { markStage } from './dispatch-stages.js';
import type { HeldJob } from './held-job.js';
import type { SchedulerServices } from './services.js';

export class Dispatcher {
  private readonly running = new Map<string, Attempt>();

  constructor(
    private readonly services: SchedulerServices,
    /** A job whose attempt did not start (`not-started`, `not-attached`): it waits for a GPU again. */
    private readonly placeAgain: (held: HeldJob, end: AttemptEnd) => void,
  ) {}

  get size(): number {
    return this.running.size;
  }

  has(jobId: string): boolean {
    return this.running.has(jobId);
  }

  /** Runs the job's attempt on its reservation; with `reattachHandle`, continues work a previous scheduler started. */
  dispatch(held: HeldJob, reservation: Reservation, reattachHandle?: string): void {
    const { core, lease, solveServers, metrics, log } = this.services;
    const spec = core.ledger.spec(reservation.gpu);
    const fence = lease.fence;
    const server = solveServers?.server(reservation.gpu);
    const attempt: Attempt = {
      held,
      reservation,
      controller: new AbortController(),
      gpuTotalMb: spec?.totalMb ?? reservation.vramMb,
      ...(fence !== undefined ? { fence } : {}),
      ...(reattachHandle ? { reattachHandle } : {}),
      ...(spec?.uuid ? { gpuUuid: spec.uuid } : {}),
      ...(server ? { server: { name: server.name, gpus: server.gpus ?? [] } } : {}),
    };
    if (!reattachHandle) {
      markStage(held.id, 'placed');
      metrics.placements.inc({ kind: held.kind, gpu: reservation.gpu });
      if (held.job.attemptsMade === 0) metrics.submitToDispatch.observe({ kind: held.kind }, (Date.now() - held.data.submittedAt) / 1000);
    }
    const timer = setTimeout(() => this.stop(attempt, 'timeout'), Math.max(0, reservation.endsBy - Date.now()));
    this.running.set(held.id, attempt);
    attempt.done = runAttempt(this.services, attempt)
      .catch((err) => {
        log.error({ err, jobId: held.id }, 'job bookkeeping failed');
        return 'finished' as const;
      })
      .then((end) => {
        clearTimeout(timer);
        this.running.delete(held.id);
        core.finish(held.id);
        this.afterEnd(held, end);
        return end;
      });
  }

  private afterEnd(held: HeldJob, end: AttemptEnd): void {
    if (end === 'not-attached' || end === 'not-started') this.placeAgain(held, end);
    this.services.requestPublish();
    this.services.requestPlan();
    // Its GPU is free: this box may take another job from the queue.
    this.services.requestClaim();
  }

  /** Stops a running attempt; false when the job does not run here. */
  stopJob(jobId: string, reason: StopReason): boolean {
    const attempt = this.running.get(jobId);
    if (attempt) this.stop(attempt, reason);
    return attempt !== undefined;
  }

  private stop(attempt: Attempt, reason: StopReason): void {
    attempt.stopReason ??= reason;
    const isHandover = attempt.stopReason === 'handover' || attempt.stopReason === 'lock-lost';
    attempt.controller.abort(isHandover ? new HandedOver(attempt.stopReason) : new Error(attempt.stopReason));
  }

  /** Every running attempt, handed over still running: the next active scheduler re-attaches. */
  handOverAll(): void {
    for (const attempt of this.running.values()) this.stop(attempt, 'handover');
  }

  /** Settles when every attempt running now has ended or been handed over. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()].flatMap((a) => (a.done ? [a.done] : [])));
  }
}
