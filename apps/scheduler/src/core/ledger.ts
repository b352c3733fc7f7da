// The VRAM ledger: what each GPU has, what processes that are not ours use on it, and what our
// jobs reserved, each reservation with its latest end. Pure and synchronous, so the live
// scheduler, the simulator and the property tests run the same code. It refuses any
// reservation that would overcommit a GPU.
import type { GpuSpec } from './gpu-spec.js';

export interface Reservation {
  jobId: string;
  gpu: string;
  vramMb: number;
  /** The latest the job can end (its dispatch plus its timeout), for reservations of starving jobs. */
  endsBy: number;
}

/** One GPU as placement sees it. */
export interface GpuCapacity {
  id: string;
  /** How people know it: `box-a/gpu0` where boxes share a queue; the id otherwise. */
  label: string;
  totalMb: number;
  headroomMb: number;
  notOursMb: number;
  /** total − not ours − headroom: what we may hand out on this GPU right now. */
  usableMb: number;
  reservedMb: number;
  /** usable − reserved; negative when others grew into memory we had reserved. */
  freeMb: number;
  jobs: number;
  /** Jobs at a time; the scheduler's maxJobsPerGpu when absent. */
  maxJobs: number | undefined;
  /** Set when this is a solve server's slots rather than a GPU. */
  solveServer: string | undefined;
  drainedReason: string | undefined;
}

interface GpuState {
  spec: GpuSpec;
  /** toCapacity's answer, kept until this GPU changes: a pass reads every GPU, often many times a second. */
  capacity?: GpuCapacity | undefined;
  notOursMb: number;
  reservedMb: number;
  jobs: Set<string>;
  drainedReason: string | undefined;
}

export class OvercommitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OvercommitError';
  }
}

export class VramLedger {
  private readonly gpus = new Map<string, GpuState>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly listeners: Array<(gpuId: string) => void> = [];
  /** largestCapacityMb, asked per job per pass; it changes only when a GPU's spec does. */
  private largestBySet = new WeakMap<ReadonlySet<string>, number>();
  private largestOfAll: number | undefined;

  private forgetLargest(): void {
    this.largestBySet = new WeakMap();
    this.largestOfAll = undefined;
  }

  constructor(specs: readonly GpuSpec[]) {
    for (const spec of specs) this.addGpu(spec);
  }

  /** Calls `listener` with a GPU's id each time its capacity changes, a GPU added or removed included (the core's room index follows it). */
  onChange(listener: (gpuId: string) => void): void {
    this.listeners.push(listener);
  }

  /** Every change of a GPU's capacity goes through here. */
  private changed(gpu: GpuState): void {
    gpu.capacity = undefined;
    this.notify(gpu.spec.id);
  }

  private notify(gpuId: string): void {
    for (const listener of this.listeners) listener(gpuId);
  }

  addGpu(spec: GpuSpec): void {
    this.forgetLargest();
    const existing = this.gpus.get(spec.id);
    if (existing) existing.spec = spec;
    else this.gpus.set(spec.id, { spec, notOursMb: 0, reservedMb: 0, jobs: new Set(), drainedReason: undefined });
    this.changed(this.gpus.get(spec.id)!);
  }

  /**
   * Takes a GPU out of the ledger (its node left the cluster); refused, false, while it holds a
   * reservation: a job's memory is accounted for until the job ends.
   */
  removeGpu(id: string): boolean {
    const gpu = this.gpus.get(id);
    if (!gpu || gpu.jobs.size > 0) return false;
    this.forgetLargest();
    this.gpus.delete(id);
    this.notify(id);
    return true;
  }

  specs(): GpuSpec[] {
    return [...this.gpus.values()].map((g) => g.spec);
  }

  /** The GPUs alone, without solve servers' slots. */
  gpuSpecs(): GpuSpec[] {
    return this.specs().filter((spec) => spec.solveServer === undefined);
  }

  /** Changes how many jobs a device takes at a time (a cuOpt server with fewer healthy GPUs). */
  setMaxJobs(id: string, maxJobs: number): void {
    this.forgetLargest();
    const g = this.gpus.get(id);
    if (g) {
      g.spec = { ...g.spec, maxJobs };
      this.changed(g);
    }
  }

  spec(gpuId: string): GpuSpec | undefined {
    return this.gpus.get(gpuId)?.spec;
  }

  capacity(gpuId: string): GpuCapacity | undefined {
    const g = this.gpus.get(gpuId);
    return g ? this.toCapacity(g) : undefined;
  }

  capacities(): GpuCapacity[] {
    return [...this.gpus.values()].map((g) => this.toCapacity(g));
  }

  /** Frozen: shared by every reader until the GPU changes. */
  private toCapacity(g: GpuState): GpuCapacity {
    g.capacity ??= Object.freeze(this.computeCapacity(g));
    return g.capacity;
  }

  private computeCapacity(g: GpuState): GpuCapacity {
    const headroomMb = g.spec.headroomMb ?? 0;
    const usableMb = Math.max(0, g.spec.totalMb - g.notOursMb - headroomMb);
    return {
      id: g.spec.id,
      label: g.spec.label ?? g.spec.solveServer ?? g.spec.id,
      totalMb: g.spec.totalMb,
      headroomMb,
      notOursMb: g.notOursMb,
      usableMb,
      reservedMb: g.reservedMb,
      freeMb: usableMb - g.reservedMb,
      jobs: g.jobs.size,
      maxJobs: g.spec.maxJobs,
      solveServer: g.spec.solveServer,
      drainedReason: g.drainedReason,
    };
  }

  /** The most a job could ever get on one of these GPUs: total − headroom. Remembered per set until a GPU changes. */
  largestCapacityMb(gpuIds?: ReadonlySet<string>): number {
    const remembered = gpuIds ? this.largestBySet.get(gpuIds) : this.largestOfAll;
    if (remembered !== undefined) return remembered;
    const largest = this.computeLargestMb(gpuIds);
    if (gpuIds) this.largestBySet.set(gpuIds, largest);
    else this.largestOfAll = largest;
    return largest;
  }

  private computeLargestMb(gpuIds?: ReadonlySet<string>): number {
    let largest = 0;
    for (const g of this.gpus.values()) {
      if (gpuIds && !gpuIds.has(g.spec.id)) continue;
      largest = Math.max(largest, g.spec.totalMb - (g.spec.headroomMb ?? 0));
    }
    return largest;
  }

  reservation(jobId: string): Reservation | undefined {
    return this.reservations.get(jobId);
  }

  allReservations(): Reservation[] {
    return [...this.reservations.values()];
  }

  /** When the jobs reserved on the GPU now end at the latest; undefined while it holds none. */
  busyUntil(gpuId: string): number | undefined {
    let until: number | undefined;
    for (const jobId of this.gpus.get(gpuId)?.jobs ?? []) until = Math.max(until ?? 0, this.reservations.get(jobId)!.endsBy);
    return until;
  }

  reservationsOn(gpuId: string): Reservation[] {
    const gpu = this.gpus.get(gpuId);
    return gpu ? [...gpu.jobs].map((jobId) => this.reservations.get(jobId)!) : [];
  }

  reserve(jobId: string, gpuId: string, vramMb: number, endsBy: number): Reservation {
    const gpu = this.gpus.get(gpuId);
    if (!gpu) throw new OvercommitError(`no GPU ${gpuId}`);
    if (this.reservations.has(jobId)) throw new OvercommitError(`job ${jobId} already holds a reservation`);
    const { freeMb } = this.toCapacity(gpu);
    if (vramMb > freeMb) throw new OvercommitError(`${vramMb} MiB for ${jobId} does not fit on ${gpuId}: ${freeMb} MiB free`);
    return this.record({ jobId, gpu: gpuId, vramMb, endsBy });
  }

  /**
   * Records a reservation that already exists in the world (a job found running after a
   * restart), even if it no longer fits: the memory is in use either way.
   */
  adopt(reservation: Reservation): Reservation {
    if (!this.gpus.has(reservation.gpu)) throw new OvercommitError(`no GPU ${reservation.gpu}`);
    if (this.reservations.has(reservation.jobId)) throw new OvercommitError(`job ${reservation.jobId} already holds a reservation`);
    return this.record(reservation);
  }

  private record(reservation: Reservation): Reservation {
    const gpu = this.gpus.get(reservation.gpu)!;
    gpu.reservedMb += reservation.vramMb;
    gpu.jobs.add(reservation.jobId);
    this.reservations.set(reservation.jobId, reservation);
    this.changed(gpu);
    return reservation;
  }

  release(jobId: string): Reservation | undefined {
    const reservation = this.reservations.get(jobId);
    if (!reservation) return undefined;
    this.reservations.delete(jobId);
    const gpu = this.gpus.get(reservation.gpu);
    if (gpu) {
      gpu.reservedMb -= reservation.vramMb;
      gpu.jobs.delete(jobId);
      this.changed(gpu);
    }
    return reservation;
  }

  // The GPU monitor and the cluster reader set these on every poll, mostly to what they were: only
  // a change is one (the core's room index re-reads each GPU it is told of).

  /** Memory the driver reports in use by processes that are not our jobs. */
  setNotOurs(gpuId: string, mb: number): void {
    const gpu = this.gpus.get(gpuId);
    const notOursMb = Math.max(0, Math.round(mb));
    if (gpu && gpu.notOursMb !== notOursMb) {
      gpu.notOursMb = notOursMb;
      this.changed(gpu);
    }
  }

  drain(gpuId: string, reason: string): void {
    this.setDrained(gpuId, reason);
  }

  undrain(gpuId: string): void {
    this.setDrained(gpuId, undefined);
  }

  private setDrained(gpuId: string, reason: string | undefined): void {
    const gpu = this.gpus.get(gpuId);
    if (gpu && gpu.drainedReason !== reason) {
      gpu.drainedReason = reason;
      this.changed(gpu);
    }
  }
}
