// Property tests: random streams of submits, placements, completions, failures, cancels and GPU
// changes, with the invariants checked after every event. fast-check shrinks any failure to the
// shortest stream that breaks one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulatedGpus } from '../src/core/gpu-spec.js';
import { VramLedger } from '../src/core/ledger.js';
import { SchedulerCore, type CoreJob } from '../src/core/scheduler-core.js';
import { simulate } from '../src/core/simulator.js';

type Event =
  | { type: 'submit'; vramMb: number; priority: number; runBoundS: number; kind: 'solve' | 'fold' }
  | { type: 'plan'; advanceS: number }
  | { type: 'finish'; pick: number }
  | { type: 'cancel-held'; pick: number }
  | { type: 'not-ours'; gpu: number; mb: number }
  | { type: 'drain'; gpu: number; isDrained: boolean };

const event: fc.Arbitrary<Event> = fc.oneof(
  fc.record({
    type: fc.constant('submit' as const),
    vramMb: fc.integer({ min: 1, max: 90_000 }),
    priority: fc.integer({ min: 0, max: 100 }),
    runBoundS: fc.integer({ min: 1, max: 3_600 }),
    kind: fc.constantFrom('solve' as const, 'fold' as const),
  }),
  fc.record({ type: fc.constant('plan' as const), advanceS: fc.integer({ min: 0, max: 900 }) }),
  fc.record({ type: fc.constant('finish' as const), pick: fc.nat() }),
  fc.record({ type: fc.constant('cancel-held' as const), pick: fc.nat() }),
  fc.record({ type: fc.constant('not-ours' as const), gpu: fc.nat(), mb: fc.integer({ min: 0, max: 40_000 }) }),
  fc.record({ type: fc.constant('drain' as const), gpu: fc.nat(), isDrained: fc.boolean() }),
);

const setup = fc.record({
  gpus: fc.array(fc.record({ vramMb: fc.integer({ min: 1_000, max: 81_920 }), headroomMb: fc.integer({ min: 0, max: 2_048 }) }), { minLength: 1, maxLength: 4 }),
  maxJobsPerGpu: fc.integer({ min: 1, max: 6 }),
  packing: fc.constantFrom('best-fit' as const, 'spread' as const, 'first-fit' as const),
  starvationAfterS: fc.integer({ min: 0, max: 1_800 }),
  foldOnlyOnFirstGpu: fc.boolean(),
});

describe('the scheduling core, under random events', () => {
  it('never overcommits a GPU, never loses or duplicates a job, and respects drains, limits and kind restrictions', () => {
    fc.assert(
      fc.property(setup, fc.array(event, { maxLength: 120 }), (s, events) => {
        const specs = simulatedGpus(s.gpus.map((g, i) => ({ id: `gpu${i}`, ...g })));
        const ledger = new VramLedger(specs);
        const gpusByKind = s.foldOnlyOnFirstGpu ? new Map([['fold', new Set(['gpu0'])]]) : undefined;
        const core = new SchedulerCore(ledger, {
          packing: s.packing,
          maxJobsPerGpu: s.maxJobsPerGpu,
          starvationAfterMs: s.starvationAfterS * 1000,
          ...(gpusByKind ? { gpusByKind } : {}),
        });
        let now = 0;
        let nextId = 0;
        const submitted = new Set<string>();
        const running = new Map<string, string>();
        const ended = new Set<string>();
        // Reserved VRAM per GPU the last time it was within bounds: a GPU pushed over by others' use may not grow.
        const reservedWhenLastOk = new Map<string, number>();

        for (const e of events) {
          switch (e.type) {
            case 'submit': {
              const id = `job${nextId++}`;
              submitted.add(id);
              core.hold({ id, kind: e.kind, priority: e.priority, submittedAt: now, vramMb: e.vramMb, runBoundMs: e.runBoundS * 1000 } satisfies CoreJob);
              break;
            }
            case 'plan': {
              now += e.advanceS * 1000;
              for (const d of core.plan(now)) {
                if (d.type === 'dispatch') {
                  const gpu = ledger.capacity(d.reservation.gpu)!;
                  expect(gpu.drainedReason).toBeUndefined();
                  if (d.job.kind === 'fold' && gpusByKind) expect(d.reservation.gpu).toBe('gpu0');
                  expect(running.has(d.job.id) || ended.has(d.job.id)).toBe(false);
                  running.set(d.job.id, d.reservation.gpu);
                } else if (d.type === 'never-fits') {
                  ended.add(d.job.id);
                }
              }
              break;
            }
            case 'finish': {
              const ids = [...running.keys()];
              if (ids.length === 0) break;
              const id = ids[e.pick % ids.length]!;
              expect(core.finish(id)?.jobId).toBe(id);
              running.delete(id);
              ended.add(id);
              break;
            }
            case 'cancel-held': {
              const held = core.window.ordered();
              if (held.length === 0) break;
              const id = held[e.pick % held.length]!.id;
              core.drop(id);
              ended.add(id);
              break;
            }
            case 'not-ours':
              ledger.setNotOurs(specs[e.gpu % specs.length]!.id, e.mb);
              break;
            case 'drain': {
              const id = specs[e.gpu % specs.length]!.id;
              if (e.isDrained) ledger.drain(id, 'test');
              else ledger.undrain(id);
              break;
            }
          }

          for (const gpu of ledger.capacities()) {
            // Never overcommit: within total − not ours − headroom, or, when others grew into it, no larger than before.
            if (gpu.reservedMb <= gpu.usableMb) reservedWhenLastOk.set(gpu.id, gpu.reservedMb);
            else expect(gpu.reservedMb).toBeLessThanOrEqual(reservedWhenLastOk.get(gpu.id) ?? 0);
            expect(gpu.jobs).toBeLessThanOrEqual(s.maxJobsPerGpu);
          }
          // Every job is in exactly one place.
          const reserved = new Set(ledger.allReservations().map((r) => r.jobId));
          expect(reserved).toEqual(new Set(running.keys()));
          for (const id of submitted) {
            const places = [core.window.has(id), running.has(id), ended.has(id)].filter(Boolean).length;
            expect(places, `job ${id}`).toBe(1);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('the simulator, over random traces', () => {
  it('completes every job that fits, starves none, and never overcommits', () => {
    const traceJob = fc.record({
      submitAt: fc.integer({ min: 0, max: 600 }),
      kind: fc.constantFrom('solve', 'fold', 'inference'),
      vramMb: fc.integer({ min: 1, max: 30_000 }),
      durationS: fc.integer({ min: 1, max: 300 }),
      priority: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(
        fc.array(traceJob, { minLength: 1, maxLength: 60 }),
        fc.constantFrom('best-fit' as const, 'spread' as const),
        fc.integer({ min: 1, max: 3 }),
        (jobs, packing, windowPerKind) => {
          const trace = jobs.map((j, i) => ({ id: `j${i}`, ...j }));
          const report = simulate(trace, {
            gpus: simulatedGpus([{ id: 'gpu0', vramMb: 24_576 }, { id: 'gpu1', vramMb: 16_384 }]),
            core: { packing, maxJobsPerGpu: 4, starvationAfterMs: 120_000 },
            windowPerKind,
          });
          expect(report.overcommitted).toBe(false);
          expect(report.stuck).toBe(0);
          expect(report.completed + report.neverFit).toBe(trace.length);
          expect(report.neverFit).toBe(trace.filter((j) => j.vramMb > 24_576).length);
          expect(report.makespanS).toBeGreaterThanOrEqual(report.makespanLowerBoundS - 1e-6);
        },
      ),
      { numRuns: 200 },
    );
  });
});
