// Property tests of boxes sharing one queue (the live scheduler's claim rule and core, on a
// simulated clock): whatever the boxes and the trace, no GPU is ever overcommitted, every job some
// box can run completes, and only the jobs no box can hold are failed as never fitting.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulateBoxes } from '../src/core/box-simulator.js';
import { simulatedGpus } from '../src/core/gpu-spec.js';
import type { TraceJob } from '../src/core/simulator.js';

const boxes = fc.array(fc.array(fc.constantFrom(10_000, 24_576, 40_960, 81_920), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 });
const trace = fc.array(
  fc.record({
    submitAt: fc.integer({ min: 0, max: 600 }),
    vramMb: fc.integer({ min: 1, max: 90_000 }),
    durationS: fc.integer({ min: 1, max: 300 }),
    priority: fc.integer({ min: 0, max: 100 }),
    kind: fc.constantFrom('solve', 'fold'),
  }),
  { minLength: 1, maxLength: 60 },
);

describe('boxes sharing one queue', () => {
  it('never overcommit a GPU, run every job some box can hold, and fail only the others', () => {
    fc.assert(
      fc.property(boxes, trace, fc.constantFrom('best-fit' as const, 'spread' as const, 'first-fit' as const), fc.integer({ min: 0, max: 900 }), (sizes, jobs, packing, starvationAfterS) => {
        const traceJobs: TraceJob[] = jobs.map((j, i) => ({ id: `j${i}`, ...j }));
        const report = simulateBoxes(traceJobs, {
          boxes: sizes.map((gpus, b) => ({ id: `box${b}`, gpus: simulatedGpus(gpus.map((vramMb, g) => ({ id: `gpu${g}`, vramMb }))) })),
          core: { packing, maxJobsPerGpu: 4, starvationAfterMs: starvationAfterS * 1000 },
          maxClaims: 8,
        });
        const largest = Math.max(...sizes.flat());
        expect(report.overcommitted).toBe(false);
        expect(report.stuck).toBe(0);
        expect(report.neverFit).toBe(traceJobs.filter((j) => j.vramMb > largest).length);
        expect(report.completed).toBe(traceJobs.filter((j) => j.vramMb <= largest).length);
        expect(Object.values(report.ranByBox).reduce((a, b) => a + b, 0)).toBe(report.completed);
      }),
      { numRuns: 150 },
    );
  });

  it('spreads jobs that fit any box over both boxes, finishing when one pool of the same GPUs would', () => {
    // Jobs that fit any GPU: both place them at once while any GPU has room, so both finish everything.
    const small: TraceJob[] = Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, submitAt: i, kind: 'solve', vramMb: 4_096, durationS: 30, priority: 50 }));
    const gpus = (n: number) => simulatedGpus(Array.from({ length: n }, (_, g) => ({ id: `gpu${g}`, vramMb: 24_576 })));
    const core = { packing: 'best-fit' as const, maxJobsPerGpu: 4, starvationAfterMs: 300_000 };
    const split = simulateBoxes(small, { boxes: [{ id: 'a', gpus: gpus(1) }, { id: 'b', gpus: gpus(1) }], core, maxClaims: 8 });
    const pool = simulateBoxes(small, { boxes: [{ id: 'pool', gpus: gpus(2) }], core, maxClaims: 8 });
    expect(split.completed).toBe(40);
    expect(pool.completed).toBe(40);
    expect(split.makespanS).toBe(pool.makespanS);
    expect(split.ranByBox.a! + split.ranByBox.b!).toBe(40);
  });
});
