// What a box takes from the shared queues: only what it can place now, in queue order; a starving
// job only where it would start soonest; a pipeline job a little ahead; nothing another box's
// attempt may still be running; and a job no box could run, to fail it.
import { describe, expect, it } from 'vitest';
import { Inventory, type GpuState, type PlacementNeed } from '@gpuq/shared';
import { chooseClaims, type Candidate, type ClaimContext } from '../src/core/claim-choice.js';
import type { GpuCapacity } from '../src/core/ledger.js';

const NOW = 1_000_000;
const vram = (vramMb: number): PlacementNeed => ({ type: 'vram', vramMb, estimateMb: vramMb, source: 'declared' });

const capacity = (id: string, totalMb: number, freeMb = totalMb, jobs = 0): GpuCapacity => ({
  id,
  label: id,
  totalMb,
  headroomMb: 0,
  notOursMb: 0,
  usableMb: totalMb,
  reservedMb: totalMb - freeMb,
  freeMb,
  jobs,
  maxJobs: undefined,
  solveServer: undefined,
  drainedReason: undefined,
});

const gpuState = (id: string, totalMb: number, freeMb = totalMb, busyUntil: number | null = null): GpuState => ({
  id,
  isSimulated: true,
  totalMb,
  headroomMb: 0,
  notOursMb: 0,
  usedByUsMb: 0,
  usableMb: totalMb,
  reservedMb: totalMb - freeMb,
  freeMb,
  jobs: freeMb < totalMb ? 1 : 0,
  drainedReason: null,
  utilizationPercent: null,
  temperatureC: null,
  busyUntil,
});

const box = (boxId: string, gpus: GpuState[], extra: Partial<Inventory> = {}): Inventory =>
  Inventory.parse({ schedulerId: `${boxId}:1`, updatedAt: NOW, boxId, kinds: ['solve', 'inference'], heldByKind: {}, gpus, ...extra });

const job = (id: string, need: PlacementNeed | undefined, over: Partial<Candidate> = {}): Candidate => ({
  id,
  kind: 'solve',
  need,
  devices: undefined,
  priority: 50,
  submittedAt: NOW - 1_000,
  isCancelled: false,
  hasCpuStageFirst: false,
  ...over,
});

/** Box a: two 24 GiB GPUs; box b (another box): one 80 GiB GPU. */
function context(over: Partial<ClaimContext> = {}): ClaimContext {
  return {
    boxId: 'box-a',
    isDrained: false,
    capacities: [capacity('gpu0', 24_576), capacity('gpu1', 24_576)],
    pending: [],
    packing: 'best-fit',
    maxJobsPerGpu: 16,
    starvationAfterMs: 300_000,
    own: box('box-a', [gpuState('gpu0', 24_576), gpuState('gpu1', 24_576)]),
    others: [box('box-b', [gpuState('gpu0', 81_920)])],
    maxClaims: 32,
    heldByKind: new Map(),
    lookaheadPerKind: 4,
    now: NOW,
    ...over,
  };
}

describe('chooseClaims', () => {
  it('takes, in queue order, the jobs that fit its GPUs now, and leaves a job only another box can run', () => {
    const claims = chooseClaims([job('small', vram(10_000)), job('big', vram(40_960)), job('medium', vram(20_000)), job('third', vram(20_000))], context());
    // Best fit puts 10000 on gpu0 and 20000 on gpu1; the next 20000 fits neither; 40960 only box-b.
    expect(claims).toEqual([
      { id: 'small', kind: 'solve', reason: 'fits' },
      { id: 'medium', kind: 'solve', reason: 'fits' },
    ]);
  });

  it('counts the room its held and incoming jobs will use first', () => {
    const claims = chooseClaims([job('a', vram(20_000))], context({ pending: [{ vramMb: 20_000, devices: undefined }, { vramMb: 20_000, devices: undefined }] }));
    expect(claims).toEqual([]);
  });

  it('takes a starving job it cannot place yet only when it would start here sooner than anywhere else', () => {
    const starving = job('big', vram(20_000), { submittedAt: NOW - 400_000 });
    const full = [capacity('gpu0', 24_576, 0, 1), capacity('gpu1', 24_576, 0, 1)];
    const ownBusy = (until: number) => box('box-a', [gpuState('gpu0', 24_576, 0, until), gpuState('gpu1', 24_576, 0, until)]);
    const otherBusy = (until: number) => [box('box-b', [gpuState('gpu0', 81_920, 0, until)])];
    expect(chooseClaims([starving], context({ capacities: full, own: ownBusy(NOW + 60_000), others: otherBusy(NOW + 600_000) }))).toEqual([{ id: 'big', kind: 'solve', reason: 'starving' }]);
    expect(chooseClaims([starving], context({ capacities: full, own: ownBusy(NOW + 600_000), others: otherBusy(NOW + 60_000) }))).toEqual([]);
    // Not starving yet: it waits in the queue.
    expect(chooseClaims([{ ...starving, submittedAt: NOW - 1_000 }], context({ capacities: full, own: ownBusy(NOW + 60_000), others: otherBusy(NOW + 600_000) }))).toEqual([]);
  });

  it('takes a pipeline job ahead while it has look-ahead left, so its CPU stage runs during the wait', () => {
    const full = [capacity('gpu0', 24_576, 0, 1), capacity('gpu1', 24_576, 0, 1)];
    const own = box('box-a', [gpuState('gpu0', 24_576, 0, NOW + 1_000), gpuState('gpu1', 24_576, 0, NOW + 1_000)]);
    const pipeline = (id: string) => job(id, vram(2_048), { kind: 'inference', hasCpuStageFirst: true });
    const claims = chooseClaims([pipeline('i1'), pipeline('i2'), pipeline('i3')], context({ capacities: full, own, others: [], heldByKind: new Map([['inference', 2]]), lookaheadPerKind: 3 }));
    expect(claims).toEqual([{ id: 'i1', kind: 'inference', reason: 'look-ahead' }]);
  });

  it('leaves a job whose last attempt may still run on another box that is up, and takes it once that box is gone', () => {
    const elsewhere = job('x', vram(1_000), { lastBox: { boxId: 'box-b', isUp: true } });
    expect(chooseClaims([elsewhere], context())).toEqual([]);
    expect(chooseClaims([{ ...elsewhere, lastBox: { boxId: 'box-b', isUp: false } }], context())).toEqual([{ id: 'x', kind: 'solve', reason: 'fits' }]);
    expect(chooseClaims([{ ...elsewhere, lastBox: { boxId: 'box-a', isUp: true } }], context())).toEqual([{ id: 'x', kind: 'solve', reason: 'fits' }]);
  });

  it('takes a job no box could ever run, to fail it, naming the largest GPU any box offers', () => {
    expect(chooseClaims([job('huge', vram(100_000))], context())).toEqual([
      { id: 'huge', kind: 'solve', reason: 'never-fits', why: 'needs 100000 MiB but the largest GPU any box offers solve jobs is box-b/gpu0 with 81920 MiB; it could never run' },
    ]);
  });

  it('takes cancelled and unreadable jobs to end them, even while drained; takes nothing else while drained', () => {
    const claims = chooseClaims([job('c', vram(1_000), { isCancelled: true }), job('u', undefined), job('ok', vram(1_000))], context({ isDrained: true }));
    expect(claims.map((c) => [c.id, c.reason])).toEqual([
      ['c', 'cancelled'],
      ['u', 'unreadable'],
    ]);
  });

  it('places a job only on the devices it may use, and a solve server slot only for jobs that name it', () => {
    const slots: GpuCapacity = { ...capacity('server:cpu', 0), maxJobs: 1, solveServer: 'cpu' };
    const slotJob = job('lp', { type: 'server-slot', problem: 'lp', servers: ['cpu'] }, { devices: new Set(['server:cpu']) });
    const claims = chooseClaims([slotJob, { ...slotJob, id: 'lp2' }, job('gpu-only', vram(1_000), { devices: new Set(['gpu1']) })], context({ capacities: [capacity('gpu0', 24_576), capacity('gpu1', 24_576, 500), slots], own: box('box-a', [gpuState('gpu0', 24_576), gpuState('gpu1', 24_576, 500)], { solveServers: [{ name: 'cpu', url: 'http://127.0.0.1:9', gpus: [], problems: ['lp'], slots: 1, running: 0, unavailableReason: null }] }) }));
    expect(claims.map((c) => c.id)).toEqual(['lp']);
  });

  it('stops at the most a pass may take', () => {
    const claims = chooseClaims([1, 2, 3].map((i) => job(`j${i}`, vram(100))), context({ maxClaims: 2 }));
    expect(claims.map((c) => c.id)).toEqual(['j1', 'j2']);
  });
});
