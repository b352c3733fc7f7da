// Why a GPU (or a solve server's slots) is drained, by source: the driver (nvidia-smi reports it
// broken or missing), failures of several different jobs in a row on it (drained for a cool-down),
// a solve server that is down, a server whose GPUs are all drained, and a cluster node that is
// cordoned, not Ready or gone (or a GPU HAMi calls unhealthy). The ledger shows the
// reasons joined. A job that fails on every attempt says something about itself, not the device:
// its own failures count once, so one tenant's bad input cannot take a device from the others.
import type { VramLedger } from '../core/ledger.js';

export type DrainSource = 'driver' | 'failures' | 'server' | 'gpus' | 'node';

export class GpuHealth {
  private readonly reasons = new Map<string, Map<DrainSource, string>>();
  /** Per device, the jobs whose attempts failed on it since the last success there. */
  private readonly streaks = new Map<string, Set<string>>();
  private readonly cooldowns = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly ledger: VramLedger,
    private readonly drainAfterFailures: number,
    private readonly cooldownMs: number,
    /** Called when a GPU comes back, so waiting jobs can be placed. */
    private readonly onRestored: () => void,
  ) {}

  setDriverFault(gpu: string, reason: string | undefined): void {
    this.set(gpu, 'driver', reason);
  }

  /**
   * An attempt of job `jobId` ended on `gpu`: a worker failure adds the job to the device's streak
   * (a job already in it adds nothing); a success ends the streak. The device is drained once
   * `drainAfterFailures` different jobs failed on it in a row. The reason quotes no failure: those
   * are other tenants' jobs, and every tenant whose job waits for the GPU reads the reason (the
   * scheduler's log has each failure).
   */
  recordOutcome(gpu: string, jobId: string, outcome: 'succeeded' | 'worker_error'): void {
    if (outcome === 'succeeded') {
      this.streaks.delete(gpu);
      return;
    }
    const streak = this.streaks.get(gpu) ?? new Set<string>();
    this.streaks.set(gpu, streak.add(jobId));
    if (streak.size < this.drainAfterFailures || this.reasons.get(gpu)?.has('failures')) return;
    const why = `${streak.size} different jobs failed in a row on it with worker errors; it takes jobs again in ${Math.round(this.cooldownMs / 1000)} s`;
    this.set(gpu, 'failures', why);
    clearTimeout(this.cooldowns.get(gpu));
    this.cooldowns.set(
      gpu,
      setTimeout(() => {
        this.streaks.delete(gpu);
        this.set(gpu, 'failures', undefined);
      }, this.cooldownMs),
    );
  }

  /** Whether the GPU itself is unwell (its driver, or failures on it), whatever else drains it. */
  isUnwell(gpu: string): boolean {
    const reasons = this.reasons.get(gpu);
    return reasons !== undefined && (reasons.has('driver') || reasons.has('failures'));
  }

  reasonsOf(gpu: string): string[] {
    return [...(this.reasons.get(gpu)?.values() ?? [])];
  }

  set(gpu: string, source: DrainSource, reason: string | undefined): void {
    const reasons = this.reasons.get(gpu) ?? new Map<DrainSource, string>();
    this.reasons.set(gpu, reasons);
    const wasDrained = reasons.size > 0;
    if (reason === undefined) reasons.delete(source);
    else reasons.set(source, reason);
    if (reasons.size > 0) this.ledger.drain(gpu, [...reasons.values()].join('; '));
    else {
      this.ledger.undrain(gpu);
      if (wasDrained) this.onRestored();
    }
  }

  /** A GPU that left the ledger (its node left the cluster): nothing of it is kept. */
  forget(gpu: string): void {
    this.reasons.delete(gpu);
    this.streaks.delete(gpu);
    clearTimeout(this.cooldowns.get(gpu));
    this.cooldowns.delete(gpu);
  }

  close(): void {
    for (const timer of this.cooldowns.values()) clearTimeout(timer);
  }
}
