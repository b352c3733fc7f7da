// Runs the scheduler's own placement core on a simulated clock over a trace of jobs: no Redis, no
// executors. Jobs wait in a backlog ordered as BullMQ orders them, enter each kind's window as it
// has room, and run for their traced duration. It is how policies are compared and capacity
// planned.
import { z } from 'zod';
import type { GpuSpec } from './gpu-spec.js';
import { VramLedger } from './ledger.js';
import { SchedulerCore, type CoreJob, type CoreOptions } from './scheduler-core.js';
import { compareForPlacement } from './window.js';

export const TraceJob = z.object({
  id: z.string(),
  /** Seconds from the start of the trace. */
  submitAt: z.number().nonnegative(),
  kind: z.string(),
  vramMb: z.number().int().positive(),
  durationS: z.number().positive(),
  priority: z.number().int().min(0).max(100).default(50),
  /** The job's timeout; the scheduler only knows this bound, not the duration. Defaults to the duration. */
  timeoutS: z.number().positive().optional(),
});
export type TraceJob = z.infer<typeof TraceJob>;

export interface SimulationOptions {
  gpus: GpuSpec[];
  core: CoreOptions;
  windowPerKind: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

export interface SimulationReport {
  jobs: number;
  completed: number;
  neverFit: number;
  /** Jobs left waiting when nothing else could happen (should be 0). */
  stuck: number;
  makespanS: number;
  /** The makespan no scheduler can beat: total VRAM-seconds over total VRAM, or the longest job. */
  makespanLowerBoundS: number;
  /** Reserved VRAM-seconds over capacity VRAM-seconds until the makespan. */
  vramTimeUtilization: number;
  waitS: Percentiles;
  maxWaitByKindS: Record<string, number>;
  /** True if reserved VRAM ever exceeded total − not ours − headroom on a GPU. */
  overcommitted: boolean;
}

interface SimJob extends CoreJob {
  trace: TraceJob;
}

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50: 0, p95: 0, max: 0, mean: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1)!, mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
export const roundAll = (p: Percentiles): Percentiles => ({ p50: round(p.p50), p95: round(p.p95), max: round(p.max), mean: round(p.mean) });

export function simulate(trace: readonly TraceJob[], options: SimulationOptions): SimulationReport {
  const ledger = new VramLedger(options.gpus);
  const core = new SchedulerCore<SimJob>(ledger, options.core);
  const arrivals = [...trace].sort((a, b) => a.submitAt - b.submitAt);
  const backlog: SimJob[] = [];
  const completions: Array<{ at: number; jobId: string }> = [];
  const waits: number[] = [];
  const maxWaitByKindS: Record<string, number> = {};
  let next = 0;
  let now = 0;
  let completed = 0;
  let neverFit = 0;
  let overcommitted = false;
  let makespanS = 0;
  let reservedVramSeconds = 0;

  const refillWindows = (): boolean => {
    let moved = false;
    backlog.sort(compareForPlacement);
    for (let i = 0; i < backlog.length; ) {
      const job = backlog[i]!;
      if (core.window.countOf(job.kind) < options.windowPerKind) {
        core.hold(job);
        backlog.splice(i, 1);
        moved = true;
      } else i++;
    }
    return moved;
  };

  const placeAll = () => {
    for (;;) {
      refillWindows();
      let dispatched = 0;
      for (const decision of core.plan(now * 1000)) {
        if (decision.type === 'dispatch') {
          dispatched++;
          const { trace: job } = decision.job;
          const waitS = now - job.submitAt;
          waits.push(waitS);
          maxWaitByKindS[job.kind] = Math.max(maxWaitByKindS[job.kind] ?? 0, waitS);
          completions.push({ at: now + job.durationS, jobId: job.id });
          reservedVramSeconds += job.vramMb * job.durationS;
        } else if (decision.type === 'never-fits') {
          neverFit++;
        }
      }
      for (const gpu of ledger.capacities()) if (gpu.reservedMb > gpu.usableMb) overcommitted = true;
      if (dispatched === 0 && !refillWindows()) return;
    }
  };

  for (;;) {
    // The next moment anything can change: an arrival, a completion, or a waiting job turning starving.
    const starvationAt = core.window
      .ordered()
      .map((job) => (job.submittedAt + options.core.starvationAfterMs) / 1000)
      .filter((t) => t > now);
    const candidates = [arrivals[next]?.submitAt, ...completions.map((c) => c.at), ...starvationAt].filter((t): t is number => t !== undefined);
    if (candidates.length === 0) break;
    now = Math.max(now, Math.min(...candidates));
    for (let i = completions.length - 1; i >= 0; i--) {
      if (completions[i]!.at <= now) {
        core.finish(completions[i]!.jobId);
        makespanS = Math.max(makespanS, completions[i]!.at);
        completions.splice(i, 1);
        completed++;
      }
    }
    while (next < arrivals.length && arrivals[next]!.submitAt <= now) {
      const job = arrivals[next++]!;
      backlog.push({
        id: job.id,
        kind: job.kind,
        priority: job.priority,
        submittedAt: job.submitAt * 1000,
        vramMb: job.vramMb,
        runBoundMs: (job.timeoutS ?? job.durationS) * 1000,
        trace: job,
      });
    }
    placeAll();
  }

  const capacityMb = options.gpus.reduce((sum, g) => sum + g.totalMb, 0);
  const placed = trace.filter((j) => j.vramMb <= ledger.largestCapacityMb());
  const lowerBound = Math.max(
    capacityMb > 0 ? placed.reduce((sum, j) => sum + j.vramMb * j.durationS, 0) / capacityMb : 0,
    ...placed.map((j) => j.durationS),
    0,
  );
  return {
    jobs: trace.length,
    completed,
    neverFit,
    stuck: core.window.size + backlog.length,
    makespanS: round(makespanS),
    makespanLowerBoundS: round(lowerBound),
    vramTimeUtilization: makespanS > 0 && capacityMb > 0 ? round(reservedVramSeconds / (capacityMb * makespanS), 4) : 0,
    waitS: roundAll(percentiles(waits)),
    maxWaitByKindS: Object.fromEntries(Object.entries(maxWaitByKindS).map(([k, v]) => [k, round(v)])),
    overcommitted,
  };
}
