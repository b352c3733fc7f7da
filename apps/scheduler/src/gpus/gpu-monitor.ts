// Polls nvidia-smi: memory in use by processes that are not our jobs (subtracted from what we
// hand out), each running job's own use (its peak teaches the VRAM estimates), and GPUs the driver
// reports broken or no longer lists (drained).
import type { Logger } from '@gpuq/runtime';
import type { GpuHealth } from './gpu-health.js';
import type { GpuReading } from './nvidia-smi-output.js';
import type { VramLedger } from '../core/ledger.js';
import type { NvidiaSmi } from './nvidia-smi.js';
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

const FAILURES_BEFORE_DRAIN = 3;

export class GpuMonitor {
  private readonly jobs = new Map<string, TrackedJob>();
  private readonly readouts = new Map<string, GpuReadout>();
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private isPolling = false;

  constructor(
    private readonly smi: NvidiaSmi,
    private readonly ledger: VramLedger,
    private readonly health: GpuHealth,
    private readonly intervalMs: number,
    private readonly log: Logger,
    /** Called after a poll that freed memory or otherwise changed what can be placed. */
    private readonly onChange: () => void,
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

  async poll(): Promise<void> {
    if (this.isPolling) return;
    this.isPolling = true;
    try {
      const [readings, apps] = await Promise.all([this.smi.gpus(), this.smi.computeApps()]);
      const parents = this.jobs.size > 0 ? await parentsByPid() : new Map<number, number>();
      this.apply(readings, apps, parents);
      if (this.failures >= FAILURES_BEFORE_DRAIN) this.log.info('nvidia-smi answers again');
      this.failures = 0;
    } catch (err) {
      this.failures++;
      this.log.warn({ err, failures: this.failures }, 'polling nvidia-smi failed');
      if (this.failures === FAILURES_BEFORE_DRAIN) {
        for (const gpu of this.ledger.gpuSpecs()) this.health.setDriverFault(gpu.id, `nvidia-smi fails: ${(err as Error).message}`);
        this.onChange();
      }
    } finally {
      this.isPolling = false;
    }
  }

  private apply(readings: GpuReading[], apps: Array<{ gpuUuid: string; pid: number; usedMb: number }>, parents: Map<number, number>): void {
    const byUuid = new Map(readings.map((r) => [r.uuid, r]));
    const trees = new Map([...this.jobs].map(([jobId, job]) => [jobId, descendants(job.pids, parents)]));
    const ourPids = new Set([...trees.values()].flatMap((tree) => [...tree]));
    let changed = false;
    for (const spec of this.ledger.gpuSpecs()) {
      const isMig = spec.uuid?.startsWith('MIG-') ?? false;
      // A MIG instance is read through its parent GPU, whose id prefixes the instance's.
      const reading = isMig ? readings.find((r) => spec.id.startsWith(`gpu${r.index}-`)) : spec.uuid ? byUuid.get(spec.uuid) : readings.find((r) => `gpu${r.index}` === spec.id);
      const before = this.ledger.capacity(spec.id)!;
      if (!reading) {
        this.health.setDriverFault(spec.id, 'nvidia-smi no longer lists it');
        continue;
      }
      this.health.setDriverFault(spec.id, reading.fault ? `the driver reports ${reading.fault}` : undefined);
      const onThisGpu = apps.filter((a) => a.gpuUuid === spec.uuid);
      const usedByUsMb = onThisGpu.filter((a) => ourPids.has(a.pid)).reduce((sum, a) => sum + a.usedMb, 0);
      // MIG partitions memory in hardware: nothing outside the instance can use it.
      if (!isMig) this.ledger.setNotOurs(spec.id, reading.usedMb - usedByUsMb);
      this.readouts.set(spec.id, { usedByUsMb, utilizationPercent: reading.utilizationPercent, temperatureC: reading.temperatureC });
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

  stop(): void {
    clearInterval(this.timer);
  }
}
