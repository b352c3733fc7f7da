// How much VRAM to reserve for a job that declares none: the kind's estimate (from its input,
// or the kind's default), corrected by what finished jobs of the kind really used. Each finished
// job's observed peak is kept as a ratio to its estimate; once a kind has enough of them, the
// estimate is scaled by their high percentile plus a margin.
import { keys, type SchedulerConfig } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';

const KEPT_SAMPLES = 500;

/** `slot`: the job takes a solve server's slot, not VRAM. */
export type EstimateSource = 'declared' | 'learned' | 'estimated' | 'slot';

export interface Estimate {
  vramMb: number;
  source: EstimateSource;
}

export class VramEstimator {
  private readonly ratios = new Map<string, number[]>();

  constructor(
    private readonly redis: Redis,
    private readonly settings: SchedulerConfig['vramEstimates'],
  ) {}

  /** Loads the samples kept in Redis, so a restarted scheduler keeps what it learned. */
  async load(kinds: Iterable<string>): Promise<void> {
    for (const kind of kinds) {
      const stored = await this.redis.lrange(keys.vramPeaks(kind), 0, KEPT_SAMPLES - 1);
      this.ratios.set(kind, stored.map(Number).filter((r) => Number.isFinite(r) && r > 0));
    }
  }

  /** The correction learned for a kind, or undefined while it has too few samples. */
  learnedFactor(kind: string): number | undefined {
    const ratios = this.ratios.get(kind) ?? [];
    if (ratios.length < this.settings.minSamples) return undefined;
    const sorted = [...ratios].sort((a, b) => a - b);
    const index = Math.min(sorted.length - 1, Math.ceil((this.settings.percentile / 100) * sorted.length) - 1);
    return sorted[index]! * (1 + this.settings.margin);
  }

  estimate(kind: string, declaredMb: number | undefined, baseMb: number): Estimate {
    if (declaredMb !== undefined) return { vramMb: declaredMb, source: 'declared' };
    const factor = this.learnedFactor(kind);
    if (factor === undefined) return { vramMb: baseMb, source: 'estimated' };
    return { vramMb: Math.max(1, Math.ceil(baseMb * factor)), source: 'learned' };
  }

  /** A finished job's peak, against the estimate it was placed with (not the learned reservation). */
  async record(kind: string, baseMb: number, peakMb: number): Promise<void> {
    const ratio = peakMb / baseMb;
    const ratios = this.ratios.get(kind) ?? [];
    ratios.unshift(ratio);
    ratios.length = Math.min(ratios.length, KEPT_SAMPLES);
    this.ratios.set(kind, ratios);
    await this.redis.multi().lpush(keys.vramPeaks(kind), String(ratio)).ltrim(keys.vramPeaks(kind), 0, KEPT_SAMPLES - 1).exec();
  }
}
