// The placement loop with no I/O: hold jobs, and on each pass place what fits, in priority order,
// reserving VRAM in the ledger. A job that has waited past the starvation bound gets a
// reservation on the GPU where it will fit soonest; other jobs start there only if they cannot
// delay it. The adapters act on the decisions it returns.
import type { Reservation, VramLedger } from './ledger.js';
import { maxJobsOn, place, type PackingPolicy } from './placement.js';
import { earliestStart, fitsOverTime, type Interval, type Limits } from './timeline.js';
import { JobWindow, type WindowJob } from './window.js';

export interface CoreJob extends WindowJob {
  /** The longest the job can run (its timeout): a starving job's reservation is computed with it. */
  runBoundMs: number;
  /** Where this job may run, when it is narrower than its kind's GPUs (a solve job: the servers that take its problem). */
  devices?: ReadonlySet<string>;
  /** Why `devices` is empty, when it is: the job can never run here. */
  noDeviceReason?: string;
}

export interface CoreOptions {
  packing: PackingPolicy;
  maxJobsPerGpu: number;
  /** A job waiting this long gets a reservation. */
  starvationAfterMs: number;
  /** Place strictly in order: a job that does not fit blocks every job behind it (FIFO, for comparison). */
  isHeadOfLine?: boolean;
  /** Kinds restricted to some GPUs; a kind absent here may use any. */
  gpusByKind?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Where and from when a starving job is promised a GPU. */
export interface FutureReservation {
  jobId: string;
  gpu: string;
  startsAt: number;
}

export type Decision<T extends CoreJob> =
  | { type: 'dispatch'; job: T; reservation: Reservation }
  | { type: 'wait'; job: T; reason: string; ahead: number; reservedFor?: FutureReservation }
  | { type: 'never-fits'; job: T; reason: string };

interface GpuTimeline {
  limits: Limits;
  intervals: Array<Interval & { reservedFor?: string }>;
}

const minutes = (ms: number) => (ms < 90_000 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${Math.round(ms / 60_000)} min`);

export class SchedulerCore<T extends CoreJob = CoreJob> {
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

  isStarving(job: T, now: number): boolean {
    return now - job.submittedAt >= this.options.starvationAfterMs;
  }

  /** One placement pass over the window at time `now`. Reserves VRAM for every job it dispatches. */
  plan(now: number): Decision<T>[] {
    const timelines = this.timelines(now);
    const ordered = this.window.ordered();
    // Starving jobs first, so their reservations exist before anything else is placed.
    const starving = new Set(ordered.filter((job) => this.isStarving(job, now)));
    const rest = ordered.filter((job) => !starving.has(job));
    const decisions: Decision<T>[] = [];
    let waiting = 0;
    let isLineBlocked = false;
    for (const job of [...starving, ...rest]) {
      const decision = this.decide(job, now, timelines, starving.has(job), isLineBlocked);
      if (decision.type === 'wait') {
        decisions.push({ ...decision, ahead: waiting });
        waiting++;
        if (this.options.isHeadOfLine) isLineBlocked = true;
      } else {
        decisions.push(decision);
      }
    }
    return decisions;
  }

  private decide(job: T, now: number, timelines: Map<string, GpuTimeline>, isStarving: boolean, isLineBlocked: boolean): Decision<T> {
    const allowed = job.devices ?? this.options.gpusByKind?.get(job.kind);
    if (allowed?.size === 0) {
      this.window.remove(job.id);
      return { type: 'never-fits', job, reason: job.noDeviceReason ?? `no GPU on this box may run ${job.kind} jobs` };
    }
    const largestMb = this.ledger.largestCapacityMb(allowed);
    if (job.vramMb > largestMb) {
      this.window.remove(job.id);
      const where = allowed ? `the largest GPU ${job.kind} jobs may use offers` : 'the largest GPU offers';
      return { type: 'never-fits', job, reason: `needs ${job.vramMb} MiB but ${where} ${largestMb} MiB; it can never run here` };
    }
    const candidate: Interval = { start: now, end: now + job.runBoundMs, vramMb: job.vramMb };
    const capacities = this.ledger.capacities().filter((g) => !allowed || allowed.has(g.id));
    const withoutDelay = capacities.filter((g) => {
      const timeline = timelines.get(g.id)!;
      return fitsOverTime(timeline.intervals, candidate, timeline.limits);
    });
    const placement = isLineBlocked
      ? ({ ok: false, reason: 'waits its turn: jobs are placed strictly in order and one ahead does not fit' } as const)
      : place(withoutDelay, job.vramMb, { policy: this.options.packing, maxJobsPerGpu: this.options.maxJobsPerGpu });
    if (placement.ok) {
      const reservation = this.ledger.reserve(job.id, placement.gpu, job.vramMb, candidate.end);
      timelines.get(placement.gpu)!.intervals.push(candidate);
      this.window.remove(job.id);
      return { type: 'dispatch', job, reservation };
    }
    let reason = isLineBlocked ? placement.reason : this.whyWaiting(job, capacities, timelines, now);
    let reservedFor: FutureReservation | undefined;
    if (isStarving) {
      reservedFor = this.reserveFuture(job, capacities.filter((g) => g.drainedReason === undefined).map((g) => g.id), timelines, now);
      if (reservedFor) {
        reason += `; waiting ${minutes(now - job.submittedAt)}, so ${reservedFor.gpu} is reserved for it: new jobs start there only if they cannot delay it (it starts by ${minutes(reservedFor.startsAt - now)} from now at the latest)`;
      }
    }
    return { type: 'wait', job, reason, ahead: 0, ...(reservedFor ? { reservedFor } : {}) };
  }

  /** The reason from VRAM, limits and draining; or, when only a reservation is in the way, that. */
  private whyWaiting(job: T, capacities: ReturnType<VramLedger['capacities']>, timelines: Map<string, GpuTimeline>, now: number): string {
    const ignoringReservations = place(capacities, job.vramMb, { policy: this.options.packing, maxJobsPerGpu: this.options.maxJobsPerGpu });
    if (!ignoringReservations.ok) return ignoringReservations.reason;
    const holder = timelines.get(ignoringReservations.gpu)!.intervals.find((iv) => iv.reservedFor && iv.start >= now)?.reservedFor;
    return `fits on ${ignoringReservations.gpu}, but it is reserved for ${holder ?? 'a job that has waited longer'} and this job (up to ${minutes(job.runBoundMs)}) could delay it`;
  }

  private reserveFuture(job: T, gpuIds: string[], timelines: Map<string, GpuTimeline>, now: number): FutureReservation | undefined {
    let best: { gpu: string; startsAt: number } | undefined;
    for (const gpu of gpuIds) {
      const timeline = timelines.get(gpu)!;
      const startsAt = earliestStart(timeline.intervals, job.vramMb, job.runBoundMs, now, timeline.limits);
      if (startsAt !== undefined && (!best || startsAt < best.startsAt)) best = { gpu, startsAt };
    }
    if (!best) return undefined;
    timelines.get(best.gpu)!.intervals.push({ start: best.startsAt, end: best.startsAt + job.runBoundMs, vramMb: job.vramMb, reservedFor: job.id });
    return { jobId: job.id, ...best };
  }

  /** Each GPU's running jobs as intervals until their end bounds. */
  private timelines(now: number): Map<string, GpuTimeline> {
    const timelines = new Map<string, GpuTimeline>();
    for (const gpu of this.ledger.capacities()) {
      timelines.set(gpu.id, { limits: { usableMb: gpu.usableMb, maxJobs: maxJobsOn(gpu, this.options) }, intervals: [] });
    }
    for (const r of this.ledger.allReservations()) {
      // A job past its bound is being stopped; count it as ending a moment from now.
      timelines.get(r.gpu)?.intervals.push({ start: now, end: Math.max(r.endsBy, now + 1), vramMb: r.vramMb });
    }
    return timelines;
  }
}
