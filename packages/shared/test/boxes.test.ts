// What the boxes can do for a queued job, from the inventories they publish: the rules the API's
// reasons and admission and every scheduler's choice share.
import { describe, expect, it } from 'vitest';
import { canEverRunOn, earliestStartOn, Inventory, whyNoBoxCanRun, whyWaitingAcrossBoxes, type GpuState, type PlacementNeed } from '../src/index.js';

const NOW = 1_000_000;
const vram = (vramMb: number, model?: string): PlacementNeed => ({ type: 'vram', vramMb, estimateMb: vramMb, source: 'declared', ...(model ? { model } : {}) });
const gpu = (id: string, totalMb: number, over: Partial<GpuState> = {}): GpuState => ({
  id,
  isSimulated: true,
  totalMb,
  headroomMb: 0,
  notOursMb: 0,
  usedByUsMb: 0,
  usableMb: totalMb,
  reservedMb: 0,
  freeMb: totalMb,
  jobs: 0,
  drainedReason: null,
  utilizationPercent: null,
  temperatureC: null,
  busyUntil: null,
  ...over,
});
const box = (boxId: string, gpus: GpuState[], over: Partial<Inventory> = {}) =>
  Inventory.parse({ schedulerId: boxId, updatedAt: NOW, boxId, kinds: ['solve', 'inference'], heldByKind: {}, gpus, ...over });

const boxA = box('box-a', [gpu('gpu0', 24_576, { freeMb: 2_000, reservedMb: 22_576, jobs: 1, busyUntil: NOW + 120_000 }), gpu('gpu1', 24_576, { freeMb: 22_528, reservedMb: 2_048, jobs: 1, busyUntil: NOW + 30_000 })]);
const boxB = box('box-b', [gpu('gpu0', 81_920, { freeMb: 0, reservedMb: 81_920, jobs: 2, busyUntil: NOW + 240_000 })]);

describe('across boxes', () => {
  it('says why a job waits: the largest free block, and the GPU that can take it soonest, named box/gpu', () => {
    expect(whyWaitingAcrossBoxes([boxA, boxB], 'solve', vram(40_960), NOW)).toBe(
      'needs 40960 MiB; largest free is 22528 MiB on box-a/gpu1; box-b/gpu0 (80 GiB) is busy, expected free in ~4 min at the latest',
    );
    expect(whyWaitingAcrossBoxes([boxA, boxB], 'solve', vram(10_000), NOW)).toBe('needs 10000 MiB; largest free is 22528 MiB on box-a/gpu1; box-a/gpu1 has room: a scheduler takes it next');
  });

  it('names drained boxes, and a model’s GPUs on each box', () => {
    const drainedB = { ...boxB, drainedReason: 'drained by ops: new fans' };
    expect(whyWaitingAcrossBoxes([boxA, drainedB], 'solve', vram(40_960), NOW)).toBe('needs 40960 MiB; only drained boxes have a GPU that large; drained: box-b (drained by ops: new fans)');
    const pinned = { ...boxA, modelGpus: { big: ['gpu0'] } };
    expect(canEverRunOn(pinned, 'inference', vram(24_000, 'big'))).toBe(true);
    expect(earliestStartOn(pinned, 'inference', vram(20_000, 'big'), NOW)).toBe(NOW + 120_000);
    expect(earliestStartOn(pinned, 'inference', vram(20_000), NOW)).toBe(NOW);
  });

  it('knows when no box can ever run a job, and says what the largest offers', () => {
    expect(whyNoBoxCanRun([boxA, boxB], 'solve', vram(81_920))).toBeUndefined();
    expect(whyNoBoxCanRun([boxA, boxB], 'solve', vram(90_000))).toBe('needs 90000 MiB but the largest GPU any box offers solve jobs is box-b/gpu0 with 81920 MiB; it could never run');
    expect(whyNoBoxCanRun([], 'solve', vram(90_000))).toBeUndefined();
    expect(whyNoBoxCanRun([boxA], 'fold', vram(1))).toBe('no box runs fold jobs');
    const slot: PlacementNeed = { type: 'server-slot', problem: 'vrp', servers: [] };
    expect(whyNoBoxCanRun([boxA], 'solve', slot)).toBe('no box has a solve server that takes VRP problems');
  });
});
