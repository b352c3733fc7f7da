// The VRAM ledger: what each GPU has, what is used by processes that are not ours, and what our
// jobs reserved. Pure and synchronous, so the live scheduler, the simulator and the property
// tests run the same code. It refuses any reservation that would overcommit a GPU.
import type { GpuSpec } from './inventory.js';

export interface Reservation {
  jobId: string;
  gpu: string;
  vramMb: number;
}

/** One GPU as placement sees it. */
export interface GpuCapacity {
  id: string;
  totalMb: number;
  /** total − not ours − headroom: what we may ever hand out on this GPU right now. */
  usableMb: number;
  reservedMb: number;
  freeMb: number;
  jobs: number;
  drainedReason: string | undefined;
}

interface GpuState {
  spec: GpuSpec;
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

  constructor(
    specs: readonly GpuSpec[],
    private readonly headroomMb: number,
  ) {
    for (const spec of specs) {
      this.gpus.set(spec.id, { spec, notOursMb: 0, reservedMb: 0, jobs: new Set(), drainedReason: undefined });
    }
  }

  specs(): GpuSpec[] {
    return [...this.gpus.values()].map((g) => g.spec);
  }

  capacities(): GpuCapacity[] {
    return [...this.gpus.values()].map((g) => {
      const usableMb = Math.max(0, g.spec.totalMb - g.notOursMb - this.headroomMb);
      return {
        id: g.spec.id,
        totalMb: g.spec.totalMb,
        usableMb,
        reservedMb: g.reservedMb,
        freeMb: usableMb - g.reservedMb,
        jobs: g.jobs.size,
        drainedReason: g.drainedReason,
      };
    });
  }

  /** The most any job could ever get on one GPU: total − headroom of the largest. */
  largestCapacityMb(): number {
    let largest = 0;
    for (const g of this.gpus.values()) largest = Math.max(largest, g.spec.totalMb - this.headroomMb);
    return largest;
  }

  reservation(jobId: string): Reservation | undefined {
    return this.reservations.get(jobId);
  }

  allReservations(): Reservation[] {
    return [...this.reservations.values()];
  }

  reserve(jobId: string, gpuId: string, vramMb: number): Reservation {
    const gpu = this.gpus.get(gpuId);
    if (!gpu) throw new OvercommitError(`no GPU ${gpuId}`);
    if (this.reservations.has(jobId)) throw new OvercommitError(`job ${jobId} already holds a reservation`);
    const usable = gpu.spec.totalMb - gpu.notOursMb - this.headroomMb;
    if (gpu.reservedMb + vramMb > usable) {
      throw new OvercommitError(`${vramMb} MiB for ${jobId} does not fit on ${gpuId}: ${usable - gpu.reservedMb} MiB free`);
    }
    const reservation = { jobId, gpu: gpuId, vramMb };
    gpu.reservedMb += vramMb;
    gpu.jobs.add(jobId);
    this.reservations.set(jobId, reservation);
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
    }
    return reservation;
  }

  /** Memory the driver reports in use by processes that are not our jobs. */
  setNotOurs(gpuId: string, mb: number): void {
    const gpu = this.gpus.get(gpuId);
    if (gpu) gpu.notOursMb = Math.max(0, mb);
  }

  drain(gpuId: string, reason: string): void {
    const gpu = this.gpus.get(gpuId);
    if (gpu) gpu.drainedReason = reason;
  }

  undrain(gpuId: string): void {
    const gpu = this.gpus.get(gpuId);
    if (gpu) gpu.drainedReason = undefined;
  }
}
