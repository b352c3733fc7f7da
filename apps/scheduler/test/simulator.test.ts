import { describe, expect, it } from 'vitest';
import { simulatedGpus } from '../src/core/gpu-spec.js';
import { simulate, type TraceJob } from '../src/core/simulator.js';

const oneGpu = simulatedGpus([{ id: 'gpu0', vramMb: 10_000 }]);

/** For 1000 s a small job every 5 s, which alone keeps the GPU too full for a big job arriving at 1 s. */
function streamBehindABigJob(): TraceJob[] {
  const trace: TraceJob[] = [{ id: 'big', submitAt: 1, kind: 'fold', vramMb: 8_000, durationS: 30, priority: 50 }];
  for (let t = 0; t < 1_000; t += 5) trace.push({ id: `small-${t}`, submitAt: t, kind: 'solve', vramMb: 3_000, durationS: 10, priority: 50 });
  return trace;
}

describe('simulate', () => {
  it('reports the makespan, utilisation and waits of a trace it can check by hand', () => {
    // Two jobs that cannot share the GPU: 0–10 s, then 10–30 s.
    const report = simulate(
      [
        { id: 'a', submitAt: 0, kind: 'solve', vramMb: 6_000, durationS: 10, priority: 50 },
        { id: 'b', submitAt: 0, kind: 'solve', vramMb: 6_000, durationS: 20, priority: 50 },
      ],
      { gpus: oneGpu, core: { packing: 'best-fit', maxJobsPerGpu: 4, starvationAfterMs: 300_000 }, windowPerKind: 8 },
    );
    expect(report).toMatchObject({ jobs: 2, completed: 2, neverFit: 0, stuck: 0, makespanS: 30, overcommitted: false });
    expect(report.vramTimeUtilization).toBeCloseTo((6_000 * 30) / (10_000 * 30), 4);
    expect(report.waitS).toMatchObject({ max: 10, p50: 0 });
    expect(report.makespanLowerBoundS).toBe(20);
  });

  it('gets a large job past a stream of small ones once it has waited past the starvation bound', () => {
    const options = { gpus: oneGpu, windowPerKind: 32 } as const;
    const guarded = simulate(streamBehindABigJob(), { ...options, core: { packing: 'best-fit', maxJobsPerGpu: 8, starvationAfterMs: 60_000 } });
    const unguarded = simulate(streamBehindABigJob(), { ...options, core: { packing: 'best-fit', maxJobsPerGpu: 8, starvationAfterMs: Infinity } });
    // Starving from 61 s; the small jobs then running end by 71 s: it waits at most 70 s.
    expect(guarded.maxWaitByKindS.fold).toBeLessThanOrEqual(70);
    expect(unguarded.maxWaitByKindS.fold).toBeGreaterThan(900);
    expect(guarded.completed).toBe(guarded.jobs);
  });

  it('fails at once the jobs no GPU can hold, and says so', () => {
    const report = simulate([{ id: 'x', submitAt: 0, kind: 'fold', vramMb: 20_000, durationS: 1, priority: 50 }], {
      gpus: oneGpu,
      core: { packing: 'best-fit', maxJobsPerGpu: 4, starvationAfterMs: 1 },
      windowPerKind: 1,
    });
    expect(report).toMatchObject({ completed: 0, neverFit: 1, stuck: 0 });
  });
});
