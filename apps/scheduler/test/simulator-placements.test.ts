// The simulators under every policy, on the packing benchmark's traces and on a larger box with
// kind restrictions and starving jobs, against what they did with the linear scan that placement
// used before the room index (recorded in fixtures/placements-before-room-index.json): the same
// reports and every job on the same GPU, in the same order.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backlogTrace } from '../../../bench/src/trace.js';
import { simulateBoxes } from '../src/core/box-simulator.js';
import { simulatedGpus, type GpuSpec } from '../src/core/gpu-spec.js';
import { VramLedger } from '../src/core/ledger.js';
import { POLICIES, type PolicyName } from '../src/core/policies.js';
import type { CoreOptions } from '../src/core/scheduler-core.js';
import { simulate, TraceJob } from '../src/core/simulator.js';

const fromRoot = (path: string) => new URL(`../../../${path}`, import.meta.url);

const mixed30min = readFileSync(fromRoot('traces/mixed-30min.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim().length > 0)
  .map((line) => TraceJob.parse(JSON.parse(line)));
const backlog500 = backlogTrace({ jobs: 500, arrivalS: 60, seed: 8 });

// The packing benchmark's box (bench/src/packing.ts) and the config defaults it runs with, written
// out so that a change of default elsewhere does not move these numbers.
const packingGpus = simulatedGpus([
  ...[0, 1, 2, 3].map((i) => ({ id: `gpu${i}`, vramMb: 81_920 })),
  ...[4, 5, 6, 7].map((i) => ({ id: `gpu${i}`, vramMb: 24_576 })),
]);
const defaults = { maxJobsPerGpu: 16, starvationAfterMs: 300_000 };

/** 40 GPUs of three sizes, some with their own job limit or headroom: many ties, and rooms that close on the job count. */
const largeBox: GpuSpec[] = Array.from({ length: 40 }, (_, i) => ({
  id: `gpu${i}`,
  totalMb: [81_920, 49_152, 24_576][i % 3]!,
  isSimulated: true,
  ...(i % 7 === 3 ? { maxJobs: 2 } : {}),
  ...(i % 5 === 1 ? { headroomMb: 1_024 } : {}),
}));
/** Folds only on the first ten GPUs, inference on all but two: placement among allowed sets. */
const largeBoxKinds = new Map([
  ['fold', new Set(largeBox.slice(0, 10).map((g) => g.id))],
  ['inference', new Set(largeBox.filter((_, i) => i !== 4 && i !== 17).map((g) => g.id))],
]);
const backlog1000 = backlogTrace({ jobs: 1_000, arrivalS: 120, seed: 21 }).map((job, i) => ({ ...job, priority: [50, 50, 10, 90][i % 4]! }));

const reserve = () => vi.spyOn(VramLedger.prototype, 'reserve');

/** Every reservation, in order, as `ledger:job@gpu` (ledgers numbered as they first reserve), hashed. */
function placementsOf(spy: ReturnType<typeof reserve>): { count: number; sha256: string } {
  const ledgers: unknown[] = [];
  const lines = spy.mock.calls.map(([jobId, gpu], i) => {
    const ledger = spy.mock.contexts[i];
    if (!ledgers.includes(ledger)) ledgers.push(ledger);
    return `${ledgers.indexOf(ledger)}:${jobId}@${gpu}`;
  });
  return { count: lines.length, sha256: createHash('sha256').update(lines.join('\n')).digest('hex') };
}

function oneBox(trace: readonly TraceJob[], gpus: GpuSpec[], core: CoreOptions, windowPerKind: number) {
  const spy = reserve();
  const report = simulate(trace, { gpus, core, windowPerKind });
  const placements = placementsOf(spy);
  spy.mockRestore();
  return { report, placements };
}

/** Each scenario's report and placements, by name. */
function runScenarios(): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  for (const policy of Object.keys(POLICIES) as PolicyName[]) {
    const core: CoreOptions = { ...defaults, ...POLICIES[policy] };
    results[`packing, backlog of 500, ${policy}`] = oneBox(backlog500, packingGpus, core, 32);
    results[`packing, mixed-30min, ${policy}`] = oneBox(mixed30min, packingGpus, core, 32);
  }
  for (const packing of ['best-fit', 'spread', 'first-fit'] as const) {
    const core: CoreOptions = { packing, maxJobsPerGpu: 6, starvationAfterMs: 60_000, gpusByKind: largeBoxKinds };
    results[`40 GPUs, backlog of 1000, ${packing}`] = oneBox(backlog1000, largeBox, core, 24);
    const spy = reserve();
    const report = simulateBoxes(backlog500, {
      boxes: [
        { id: 'a', gpus: largeBox.slice(0, 12) },
        { id: 'b', gpus: largeBox.slice(12, 20) },
        { id: 'c', gpus: packingGpus },
      ],
      core: { packing, maxJobsPerGpu: 4, starvationAfterMs: 120_000 },
      maxClaims: 16,
    });
    results[`three boxes, backlog of 500, ${packing}`] = { report, placements: placementsOf(spy) };
    spy.mockRestore();
  }
  return results;
}

describe('the simulators with the room index', () => {
  afterEach(() => vi.restoreAllMocks());

  it('place every job of the packing traces and the larger boxes on the GPU the linear scan chose, under every policy', () => {
    const recorded = JSON.parse(readFileSync(new URL('fixtures/placements-before-room-index.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const results = runScenarios();
    expect(Object.keys(results)).toEqual(Object.keys(recorded));
    for (const [name, result] of Object.entries(results)) expect({ name, ...(result as object) }).toEqual({ name, ...(recorded[name] as object) });
  }, 120_000);
});
