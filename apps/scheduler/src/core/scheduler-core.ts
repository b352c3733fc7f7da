// The placement loop with no I/O: hold jobs, and on each pass place what fits, in priority order,
// reserving VRAM in the ledger. A job that has waited past the starvation bound gets a
// reservation on the GPU where it will fit soonest; other jobs start there only if they cannot
// delay it. The adapters act on the decisions it returns.
import type { GpuCapacity, Reservation, VramLedger } from './ledger.js';
import { maxJobsOn, place, type PackingPolicy } from './placement.js';
import { RoomIndex } from './room-index.js';
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
  /** The ledger's GPUs in the policy's order, built on the first pass and then told only what changed. */
  private rooms: RoomIndex | undefined;
  private readonly changedGpus = new Set<string>();

  constructor(
    readonly ledger: VramLedger,
    private readonly options: CoreOptions,
  ) {
    ledger.onChange((gpuId) => this.changedGpus.add(gpuId));
  }

  /** The room index, brought up to date with the ledger; built again when a GPU left it (rare: a node left its cluster). */
  private currentRooms(): RoomIndex {
    const rooms = this.rooms;
    if (rooms) {
      for (const gpuId of this.changedGpus) {
        const room = this.ledger.capacity(gpuId);
        if (!room) {
          this.rooms = undefined;
          break;
        }
        rooms.set(room);
      }
    }
    this.rooms ??= new RoomIndex(this.ledger.capacities(), this.options.packing, this.options);
    this.changedGpus.clear();
    return this.rooms;
  }

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

  private labelOf(gpuId: string): string {
    return this.ledger.capacity(gpuId)?.label ?? gpuId;
  }

  isStarving(job: T, now: number): boolean {
    return now - job.submittedAt >= this.options.starvationAfterMs;
  }

  /** One placement pass over the window at time `now`. Reserves VRAM for every job it dispatches. */
  plan(now: number): Decision<T>[] {
    if (this.window.size === 0) return [];
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

  private decide(job: T, now: number, timelines: GpuTimelines, isStarving: boolean, isLineBlocked: boolean): Decision<T> {
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
    const placement = isLineBlocked
      ? ({ ok: false, reason: 'waits its turn: jobs are placed strictly in order and one ahead does not fit' } as const)
      : this.placeWithoutDelay(job, candidate, allowed, timelines);
    if (placement.ok) {
      const reservation = this.ledger.reserve(job.id, placement.gpu, job.vramMb, candidate.end);
      timelines.get(placement.gpu)!.intervals.push(candidate);
      this.window.remove(job.id);
      return { type: 'dispatch', job, reservation };
    }
    // Waiting, the reason may look at every GPU the job may use: a job that waits costs GPUs, one placed does not.
    const capacities = () => this.ledger.capacities().filter((g) => !allowed || allowed.has(g.id));
    let reason = isLineBlocked ? placement.reason : this.whyWaiting(job, allowed, capacities);
    let reservedFor: FutureReservation | undefined;
    if (isStarving) {
      reservedFor = this.reserveFuture(job, capacities().filter((g) => g.drainedReason === undefined).map((g) => g.id), timelines, now);
      if (reservedFor) {
        reason += `; waiting ${minutes(now - job.submittedAt)}, so ${this.labelOf(reservedFor.gpu)} is reserved for it: new jobs start there only if they cannot delay it (it starts by ${minutes(reservedFor.startsAt - now)} from now at the latest)`;
      }
    }
    return { type: 'wait', job, reason, ahead: 0, ...(reservedFor ? { reservedFor } : {}) };
  }

  /**
   * The policy's pick among the GPUs where the job fits now and cannot delay a starving job's
   * reservation. Room now is necessary for that, so it is tested first (the room index); the
   * timeline is consulted only for the policy's pick, and the next pick tried when it does not fit
   * over time (rare: only around reservations). On a thousand free GPUs that is one timeline, not a thousand.
   */
  private placeWithoutDelay(job: T, candidate: Interval, allowed: ReadonlySet<string> | undefined, timelines: GpuTimelines) {
    let passedOver: Set<string> | undefined;
    for (;;) {
      const pick = this.currentRooms().pick(job.vramMb, allowed, passedOver && ((g) => passedOver!.has(g.id)));
      // Not placed: the caller says why (whyWaiting), from every GPU the job may use.
      if (!pick) return { ok: false, reason: 'no GPU has room for it without delaying a reserved job' } as const;
      const timeline = timelines.get(pick.id)!;
      if (fitsOverTime(timeline.intervals, candidate, timeline.limits)) return { ok: true, gpu: pick.id } as const;
      (passedOver ??= new Set()).add(pick.id);
    }
  }

  /**
   * When only a reservation is in the way, that (the room index's pick is the scan's); otherwise the
   * reason from VRAM, limits and draining, which reads every GPU the job may use.
   */
  private whyWaiting(job: T, allowed: ReadonlySet<string> | undefined, capacities: () => GpuCapacity[]): string {
    let fits = this.currentRooms().pick(job.vramMb, allowed)?.id;
    if (fits === undefined) {
      const ignoringReservations = place(capacities(), job.vramMb, { policy: this.options.packing, maxJobsPerGpu: this.options.maxJobsPerGpu });
      if (!ignoringReservations.ok) return ignoringReservations.reason;
      fits = ignoringReservations.gpu;
    }
    // Never the holder's id: it may be another tenant's job, and this reason is shown to this job's tenant.
    return `fits on ${this.labelOf(fits)}, but it is reserved for a job that has waited longer and this job (up to ${minutes(job.runBoundMs)}) could delay it`;
  }

  private reserveFuture(job: T, gpuIds: string[], timelines: GpuTimelines, now: number): FutureReservation | undefined {
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

  /** Each GPU's running jobs as intervals until their end bounds; built for a GPU when a pass first looks at it. */
  private timelines(now: number): GpuTimelines {
    return new GpuTimelines((gpuId) => {
      const gpu = this.ledger.capacity(gpuId);
      if (!gpu) return undefined;
      // A job past its bound is being stopped; count it as ending a moment from now.
      const intervals = this.ledger.reservationsOn(gpuId).map((r) => ({ start: now, end: Math.max(r.endsBy, now + 1), vramMb: r.vramMb }));
      return { limits: { usableMb: gpu.usableMb, maxJobs: maxJobsOn(gpu, this.options) }, intervals };
    });
  }
}

/** A map of GPU timelines that builds each on first use: on a box of a thousand GPUs a pass looks at few. */
class GpuTimelines {
  private readonly built = new Map<string, GpuTimeline>();

  constructor(private readonly build: (gpuId: string) => GpuTimeline | undefined) {}

  get(gpuId: string): GpuTimeline | undefined {
    let timeline = this.built.get(gpuId);
    if (!timeline) {
      timeline = this.build(gpuId);
      if (timeline) this.built.set(gpuId, timeline);
    }
    return timeline;
  }
}
