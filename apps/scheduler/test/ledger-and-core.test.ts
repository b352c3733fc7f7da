import { describe, expect, it } from 'vitest';
import { simulatedGpus } from '../src/core/gpu-spec.js';
import { OvercommitError, VramLedger } from '../src/core/ledger.js';
import { SchedulerCore, type CoreJob, type CoreOptions } from '../src/core/scheduler-core.js';

const gpus = (sizes: number[], headroomMb = 0) => simulatedGpus(sizes.map((vramMb, i) => ({ id: `gpu${i}`, vramMb, headroomMb })));
const MINUTE = 60_000;

describe('VramLedger', () => {
  it('never reserves more than total − not ours − headroom', () => {
    const ledger = new VramLedger(gpus([10_000], 1_000));
    ledger.setNotOurs('gpu0', 2_000);
    ledger.reserve('a', 'gpu0', 7_000, 0);
    expect(() => ledger.reserve('b', 'gpu0', 1, 0)).toThrow(OvercommitError);
    expect(ledger.capacities()[0]).toMatchObject({ usableMb: 7_000, reservedMb: 7_000, freeMb: 0, jobs: 1, headroomMb: 1_000, notOursMb: 2_000 });
  });

  it('frees a reservation once, and refuses a second one for the same job', () => {
    const ledger = new VramLedger(gpus([10_000]));
    ledger.reserve('a', 'gpu0', 4_000, 5);
    expect(() => ledger.reserve('a', 'gpu0', 1_000, 5)).toThrow(/already holds/);
    expect(ledger.release('a')).toEqual({ jobId: 'a', gpu: 'gpu0', vramMb: 4_000, endsBy: 5 });
    expect(ledger.release('a')).toBeUndefined();
    expect(ledger.capacities()[0]!.freeMb).toBe(10_000);
  });

  it('adopts a job found running even when it no longer fits, and shows the GPU over-full', () => {
    const ledger = new VramLedger(gpus([10_000]));
    ledger.setNotOurs('gpu0', 8_000);
    ledger.adopt({ jobId: 'found', gpu: 'gpu0', vramMb: 4_000, endsBy: 0 });
    expect(ledger.capacities()[0]!.freeMb).toBe(-2_000);
  });

  it('takes a GPU out only once it holds no reservation, and says so to its listeners', () => {
    const ledger = new VramLedger(gpus([10_000, 20_000]));
    const told: string[] = [];
    ledger.onChange((id) => told.push(id));
    ledger.reserve('a', 'gpu0', 4_000, 0);
    expect(ledger.removeGpu('gpu0')).toBe(false);
    expect(ledger.capacity('gpu0')).toMatchObject({ jobs: 1 });
    ledger.release('a');
    told.length = 0;
    expect(ledger.removeGpu('gpu0')).toBe(true);
    expect(told).toEqual(['gpu0']);
    expect(ledger.capacity('gpu0')).toBeUndefined();
    expect(ledger.capacities().map((c) => c.id)).toEqual(['gpu1']);
    expect(ledger.largestCapacityMb()).toBe(20_000);
    expect(() => ledger.reserve('b', 'gpu0', 1, 0)).toThrow(/no GPU gpu0/);
    expect(ledger.removeGpu('gpu0')).toBe(false);
  });
});

const job = (id: string, vramMb: number, over: Partial<CoreJob> = {}): CoreJob => ({
  id,
  kind: 'solve',
  priority: 50,
  submittedAt: 0,
  vramMb,
  runBoundMs: 10 * MINUTE,
  ...over,
});

const options: CoreOptions = { packing: 'best-fit', maxJobsPerGpu: 8, starvationAfterMs: 5 * MINUTE };
const dispatched = (decisions: ReturnType<SchedulerCore['plan']>) => decisions.filter((d) => d.type === 'dispatch').map((d) => d.job.id);

describe('SchedulerCore.plan', () => {
  it('places what fits, highest priority first, and keeps the rest waiting with a reason', () => {
    const core = new SchedulerCore(new VramLedger(gpus([10_000])), options);
    core.hold(job('low', 6_000, { priority: 10, submittedAt: 1 }));
    core.hold(job('high', 6_000, { priority: 90, submittedAt: 2 }));
    const decisions = core.plan(1_000);
    expect(decisions.map((d) => [d.type, d.job.id])).toEqual([
      ['dispatch', 'high'],
      ['wait', 'low'],
    ]);
    expect(decisions[1]).toMatchObject({ reason: 'needs 6000 MiB; largest free is 4000 MiB on gpu0', ahead: 0 });
  });

  it('places nothing on a GPU that left the ledger, and what fits elsewhere still goes there', () => {
    const ledger = new VramLedger(gpus([30_000, 10_000]));
    const core = new SchedulerCore(ledger, options);
    core.hold(job('first', 5_000, { submittedAt: 1 }));
    // Best fit: the smaller GPU; the pass builds the room index.
    expect(core.plan(10).map((d) => (d.type === 'dispatch' ? d.reservation.gpu : d.type))).toEqual(['gpu1']);
    core.finish('first');
    ledger.removeGpu('gpu1');
    core.hold(job('second', 5_000, { submittedAt: 2 }));
    core.hold(job('large', 26_000, { submittedAt: 3 }));
    const decisions = core.plan(20);
    expect(decisions.map((d) => [d.type, d.job.id, d.type === 'dispatch' ? d.reservation.gpu : undefined])).toEqual([
      ['dispatch', 'second', 'gpu0'],
      ['wait', 'large', undefined],
    ]);
    // It comes back (its node joined again): placed on again.
    ledger.addGpu(simulatedGpus([{ id: 'gpu1', vramMb: 40_000 }])[0]!);
    expect(core.plan(30).map((d) => [d.type, d.job.id, d.type === 'dispatch' ? d.reservation.gpu : undefined])).toEqual([['dispatch', 'large', 'gpu1']]);
  });

  it('runs two jobs that do not fit together one after the other', () => {
    const core = new SchedulerCore(new VramLedger(gpus([10_000])), options);
    core.hold(job('a', 6_000, { submittedAt: 1 }));
    core.hold(job('b', 6_000, { submittedAt: 2 }));
    expect(dispatched(core.plan(10))).toEqual(['a']);
    expect(dispatched(core.plan(20))).toEqual([]);
    core.finish('a');
    expect(dispatched(core.plan(30))).toEqual(['b']);
  });

  it('places a smaller job while a larger one waits', () => {
    const core = new SchedulerCore(new VramLedger(gpus([10_000])), options);
    core.ledger.reserve('running', 'gpu0', 5_000, 10 * MINUTE);
    core.hold(job('big', 8_000, { submittedAt: 1 }));
    core.hold(job('small', 2_000, { submittedAt: 2 }));
    expect(core.plan(1_000).map((d) => [d.type, d.job.id])).toEqual([
      ['wait', 'big'],
      ['dispatch', 'small'],
    ]);
  });

  it('counts the jobs ahead of each waiting job', () => {
    const core = new SchedulerCore(new VramLedger(gpus([10_000])), options);
    core.ledger.reserve('running', 'gpu0', 9_000, 10 * MINUTE);
    for (const [i, id] of ['a', 'b', 'c'].entries()) core.hold(job(id, 5_000, { submittedAt: i }));
    expect(core.plan(100).map((d) => (d.type === 'wait' ? d.ahead : -1))).toEqual([0, 1, 2]);
  });

  it('fails at once a job larger than any GPU, headroom counted', () => {
    const core = new SchedulerCore(new VramLedger(gpus([24_576, 16_384], 512)), options);
    core.hold(job('huge', 30_000));
    expect(core.plan(0)).toEqual([
      { type: 'never-fits', job: job('huge', 30_000), reason: 'needs 30000 MiB but the largest GPU offers 24064 MiB; it can never run here' },
    ]);
    expect(core.window.size).toBe(0);
  });

  it('keeps a kind on the GPUs it is restricted to, and measures never-fits against those', () => {
    const core = new SchedulerCore(new VramLedger(gpus([10_000, 40_000])), { ...options, packing: 'spread', gpusByKind: new Map([['solve', new Set(['gpu0'])]]) });
    core.hold(job('a', 1_000));
    core.hold(job('b', 20_000));
    expect(core.plan(0)).toMatchObject([
      { type: 'dispatch', job: { id: 'a' }, reservation: { gpu: 'gpu0' } },
      { type: 'never-fits', job: { id: 'b' }, reason: 'needs 20000 MiB but the largest GPU solve jobs may use offers 10000 MiB; it can never run here' },
    ]);
  });

  it('packs strictly in order when head-of-line blocking is asked for (FIFO)', () => {
    const core = new SchedulerCore(new VramLedger(gpus([10_000])), { ...options, packing: 'first-fit', isHeadOfLine: true });
    core.ledger.reserve('running', 'gpu0', 5_000, 10 * MINUTE);
    core.hold(job('big', 8_000, { submittedAt: 1 }));
    core.hold(job('small', 2_000, { submittedAt: 2 }));
    expect(core.plan(0).map((d) => d.type)).toEqual(['wait', 'wait']);
  });
});

describe('no starvation', () => {
  // gpu0 runs a small job until t = 10 min; a big job arrives at 0 and waits for it.
  function starvingSetup() {
    const core = new SchedulerCore(new VramLedger(gpus([10_000])), options);
    core.ledger.reserve('running', 'gpu0', 4_000, 10 * MINUTE);
    core.hold(job('big', 8_000, { submittedAt: 0, runBoundMs: 30 * MINUTE }));
    return core;
  }

  it('lets small jobs pass a large one until it has waited past the bound', () => {
    const core = starvingSetup();
    core.hold(job('small', 3_000, { submittedAt: MINUTE, runBoundMs: 60 * MINUTE }));
    expect(dispatched(core.plan(2 * MINUTE))).toEqual(['small']);
  });

  it('then reserves the GPU where it fits soonest: long jobs may no longer start there', () => {
    const core = starvingSetup();
    core.hold(job('long', 3_000, { submittedAt: 6 * MINUTE, runBoundMs: 60 * MINUTE }));
    const decisions = core.plan(6 * MINUTE);
    expect(decisions).toMatchObject([
      { type: 'wait', job: { id: 'big' }, reservedFor: { jobId: 'big', gpu: 'gpu0', startsAt: 10 * MINUTE } },
      { type: 'wait', job: { id: 'long' } },
    ]);
    const reason = (decisions[1] as { reason: string }).reason;
    expect(reason).toBe('fits on gpu0, but it is reserved for a job that has waited longer and this job (up to 60 min) could delay it');
    expect((decisions[0] as { reason: string }).reason).toMatch(/^needs 8000 MiB; largest free is 6000 MiB on gpu0; waiting 6 min, so gpu0 is reserved for it/);
  });

  it('but backfills jobs that end before the reservation, or that fit beside it', () => {
    const core = starvingSetup();
    core.hold(job('short', 5_000, { submittedAt: 6 * MINUTE, runBoundMs: 3 * MINUTE }));
    core.hold(job('tiny', 1_000, { submittedAt: 6 * MINUTE + 1, runBoundMs: 60 * MINUTE }));
    // short ends by 9 min, before the reservation at 10; tiny fits beside big (8000 + 1000 ≤ 10000).
    expect(dispatched(core.plan(6 * MINUTE))).toEqual(['short', 'tiny']);
  });

  it('starts the starving job as soon as it fits', () => {
    const core = starvingSetup();
    core.plan(6 * MINUTE);
    core.finish('running');
    expect(dispatched(core.plan(7 * MINUTE))).toEqual(['big']);
  });
});

describe('SchedulerCore.plan with solve servers', () => {
  const withServers = () =>
    new VramLedger([
      ...gpus([81_920]),
      { id: 'server:cuopt', totalMb: 0, isSimulated: false, maxJobs: 1, solveServer: 'cuopt' },
      { id: 'server:solver-cpu', totalMb: 0, isSimulated: false, maxJobs: 1, solveServer: 'solver-cpu' },
    ]);
  const everywhere = new Set(['server:cuopt', 'server:solver-cpu']);

  it('runs one solve per slot, each job on the servers its problem may go to, and the rest wait in order', () => {
    const core = new SchedulerCore(withServers(), options);
    core.hold(job('vrp', 0, { devices: new Set(['server:cuopt']), submittedAt: 1 }));
    core.hold(job('lp-1', 0, { devices: everywhere, submittedAt: 2 }));
    core.hold(job('lp-2', 0, { devices: everywhere, submittedAt: 3 }));
    const decisions = core.plan(1_000);
    expect(decisions.map((d) => [d.type, d.job.id, d.type === 'dispatch' ? d.reservation.gpu : undefined])).toEqual([
      ['dispatch', 'vrp', 'server:cuopt'],
      ['dispatch', 'lp-1', 'server:solver-cpu'],
      ['wait', 'lp-2', undefined],
    ]);
    expect(decisions[2]).toMatchObject({ reason: 'waiting for a solve server: cuopt is solving 1 of 1 at a time; solver-cpu is solving 1 of 1 at a time' });
  });

  it('fails at once a job that no server may take, with the reason', () => {
    const core = new SchedulerCore(withServers(), options);
    core.hold(job('vrp', 0, { devices: new Set(), noDeviceReason: 'no solve server takes VRP problems' }));
    expect(core.plan(0)).toMatchObject([{ type: 'never-fits', reason: 'no solve server takes VRP problems' }]);
  });

  it('keeps other kinds off the servers and off the GPUs they own', () => {
    const core = new SchedulerCore(withServers(), { ...options, gpusByKind: new Map([['fold', new Set<string>()]]) });
    core.hold(job('fold', 1_000, { kind: 'fold' }));
    expect(core.plan(0)).toMatchObject([{ type: 'never-fits', reason: 'no GPU on this box may run fold jobs' }]);
  });
});
