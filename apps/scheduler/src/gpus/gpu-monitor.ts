// Polls nvidia-smi: memory in use by processes that are not our jobs (subtracted from what we
// hand out), each running job's own use (its peak teaches the VRAM estimates), and GPUs the driver
// reports broken, lost or failing (drained, each with its reason). When nvidia-smi itself fails,
// that is the monitor's problem, shown in the inventory: no GPU is drained for it.
import type { Logger } from '@gpuq/runtime';
import { driverFaultsOf } from './driver-faults.js';
import type { GpuHealth } from './gpu-health.js';
import type { ComputeApp, RemappedRows } from './nvidia-smi-output.js';
import type { VramLedger } from '../core/ledger.js';
import type { GpuListing, NvidiaSmi } from './nvidia-smi.js';
import { descendants, parentsByPid } from './process-tree.js';

interface TrackedJob {
  gpu: string;
  pids: Set<number>;
  peakMb: number;
}

export interface GpuReadout {
  usedByUsMb: number;
  utilizationPercent: number | null;
  temperatureC: number | null;
}

/** How polling fares: why it fails, since when and how many polls in a row; nulls and 0 while nvidia-smi answers. */
export interface GpuMonitorStatus {
  problem: string | null;
  failingSince: number | null;
  failedPolls: number;
}

/** How often pending row remappings are asked for (they wait for a reset, and change rarely). */
const REMAP_INTERVAL_MS = 30_000;

export class GpuMonitor {
  private readonly jobs = new Map<string, TrackedJob>();
  private readonly readouts = new Map<string, GpuReadout>();
  /** Each GPU's PCI address as last read: nvidia-smi names a GPU it lost by it. */
  private readonly busIds = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private isPolling = false;
  private problem: { message: string; since: number; polls: number } | undefined;
  private isRemapQueryFailing = false;
  private remapped: { rows: Map<string, RemappedRows>; at: number } | undefined;

  constructor(
    private readonly smi: NvidiaSmi,
    private readonly ledger: VramLedger,
    private readonly health: GpuHealth,
    private readonly intervalMs: number,
    private readonly log: Logger,
    /** Called after a poll that freed memory or otherwise changed what can be placed, or how polling fares. */
    private readonly onChange: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    void this.poll();
  }

  /** The processes of a running job (its own, or its container's); their children count too. */
  track(jobId: string, gpu: string, pids: number[]): void {
    const tracked = this.jobs.get(jobId) ?? { gpu, pids: new Set<number>(), peakMb: 0 };
    for (const pid of pids) tracked.pids.add(pid);
    this.jobs.set(jobId, tracked);
  }

  /** Stops tracking a job; its peak use in MiB, if any process of it ever used the GPU. */
  untrack(jobId: string): number | undefined {
    const tracked = this.jobs.get(jobId);
    this.jobs.delete(jobId);
    return tracked && tracked.peakMb > 0 ? tracked.peakMb : undefined;
  }

  readout(gpu: string): GpuReadout | undefined {
    return this.readouts.get(gpu);
  }

  status(): GpuMonitorStatus {
    return { problem: this.problem?.message ?? null, failingSince: this.problem?.since ?? null, failedPolls: this.problem?.polls ?? 0 };
  }

  async poll(): Promise<void> {
    if (this.isPolling) return;
    this.isPolling = true;
    try {
      let listing: GpuListing;
      let apps: ComputeApp[];
      let remapped: Map<string, RemappedRows>;
      try {
        [listing, apps, remapped] = await Promise.all([this.smi.gpus(), this.smi.computeApps(), this.remappedRows()]);
      } catch (err) {
        this.fail((err as Error).message, err);
        return;
      }
      // Exit 0 with no GPU at all is no answer either (every GPU gone is not one GPU gone).
      if (listing.readings.length === 0 && listing.unreadable.length === 0) {
        this.fail(`${this.smi.command} lists no GPUs`);
        return;
      }
      this.recover();
      const parents = this.jobs.size > 0 ? await parentsByPid() : new Map<number, number>();
      this.apply(listing, apps, remapped, parents);
    } catch (err) {
      // A bug of ours, not nvidia-smi's: the next poll tries again.
      this.log.error({ err }, 'could not apply the readings of nvidia-smi');
    } finally {
      this.isPolling = false;
    }
  }

  /**
   * Pending row remappings, asked at most every REMAP_INTERVAL_MS: they change rarely, and a poll
   * is one nvidia-smi process fewer without them. None known where the query does not answer (no
   * row remapper, an old driver).
   */
  private async remappedRows(): Promise<Map<string, RemappedRows>> {
    if (this.remapped && this.now() - this.remapped.at < REMAP_INTERVAL_MS) return this.remapped.rows;
    let rows = new Map<string, RemappedRows>();
    try {
      rows = await this.smi.remappedRows();
      this.isRemapQueryFailing = false;
    } catch (err) {
      if (!this.isRemapQueryFailing) this.log.info({ err }, 'nvidia-smi --query-remapped-rows does not answer: pending row remappings are not checked');
      this.isRemapQueryFailing = true;
    }
    this.remapped = { rows, at: this.now() };
    return rows;
  }

  private fail(message: string, err?: unknown): void {
    const isNew = this.problem?.message !== message;
    this.problem = { message, since: this.problem?.since ?? this.now(), polls: (this.problem?.polls ?? 0) + 1 };
    if (isNew) this.log.warn({ err, problem: message }, 'nvidia-smi fails: GPUs keep their last readings and drains until it answers');
    this.onChange();
  }

  private recover(): void {
    if (!this.problem) return;
    this.log.info({ failedForMs: this.now() - this.problem.since }, 'nvidia-smi answers again');
    this.problem = undefined;
    this.onChange();
  }

  private apply(listing: GpuListing, apps: ComputeApp[], remapped: Map<string, RemappedRows>, parents: Map<number, number>): void {
    const { readings, unreadable } = listing;
    const byUuid = new Map(readings.map((r) => [r.uuid, r]));
    const trees = new Map([...this.jobs].map(([jobId, job]) => [jobId, descendants(job.pids, parents)]));
    const ourPids = new Set([...trees.values()].flatMap((tree) => [...tree]));
    const knownBusIds = new Set(this.busIds.values());
    // Lines for GPUs nvidia-smi could not open, whose address no GPU of ours had when last read.
    const strays = unreadable.filter((u) => u.busId === null || !knownBusIds.has(u.busId));
    let changed = false;
    for (const spec of this.ledger.gpuSpecs()) {
      const isMig = spec.uuid?.startsWith('MIG-') ?? false;
      // A MIG instance is read through its parent GPU, whose id prefixes the instance's.
      const reading = isMig ? readings.find((r) => spec.id.startsWith(`gpu${r.index}-`)) : spec.uuid ? byUuid.get(spec.uuid) : readings.find((r) => `gpu${r.index}` === spec.id);
      const before = this.ledger.capacity(spec.id)!;
      if (!reading) {
        this.readouts.delete(spec.id);
        this.health.setDriverFault(spec.id, this.whyMissing(spec.id, unreadable, strays));
      } else {
        if (reading.busId) this.busIds.set(spec.id, reading.busId);
        const faults = driverFaultsOf(reading, remapped.get(reading.uuid), { isWholeGpu: !isMig });
        this.health.setDriverFault(spec.id, faults.length > 0 ? faults.join('; ') : undefined);
        const onThisGpu = apps.filter((a) => a.gpuUuid === spec.uuid);
        const usedByUsMb = onThisGpu.filter((a) => ourPids.has(a.pid)).reduce((sum, a) => sum + a.usedMb, 0);
        // MIG partitions memory in hardware: nothing outside the instance can use it.
        if (!isMig) this.ledger.setNotOurs(spec.id, reading.usedMb - usedByUsMb);
        this.readouts.set(spec.id, { usedByUsMb, utilizationPercent: reading.utilizationPercent, temperatureC: reading.temperatureC });
      }
      const after = this.ledger.capacity(spec.id)!;
      if (after.usableMb !== before.usableMb || after.drainedReason !== before.drainedReason) changed = true;
    }
    for (const [jobId, tree] of trees) {
      const job = this.jobs.get(jobId)!;
      const uuid = this.ledger.spec(job.gpu)?.uuid;
      const usedMb = apps.filter((a) => tree.has(a.pid) && (!uuid || a.gpuUuid === uuid || uuid.startsWith('MIG-'))).reduce((sum, a) => sum + a.usedMb, 0);
      job.peakMb = Math.max(job.peakMb, usedMb);
    }
    if (changed) this.onChange();
  }

  /** A GPU missing from an answer that lists others: the driver's line for it, when nvidia-smi printed one. */
  private whyMissing(gpu: string, unreadable: readonly { busId: string | null; message: string }[], strays: readonly { busId: string | null; message: string }[]): string {
    const busId = this.busIds.get(gpu);
    const own = busId ? unreadable.find((u) => u.busId === busId) : undefined;
    if (own) return `nvidia-smi cannot read it: ${own.message}`;
    const others = strays.map((s) => `${s.busId ?? 'a GPU'}: ${s.message}`);
    return others.length > 0 ? `nvidia-smi no longer lists it (it cannot read ${others.join('; ')})` : 'nvidia-smi no longer lists it';
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
