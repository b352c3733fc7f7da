import { describe, expect, it } from 'vitest';
import { VramLedger, OvercommitError } from '../src/ledger.js';
import { SchedulerCore } from '../src/scheduler-core.js';
import { simulatedGpus } from '../src/inventory.js';
import type { WindowJob } from '../src/window.js';

const gpus = (...sizes: number[]) => simulatedGpus(sizes.map((vramMb, i) => ({ id: `gpu${i}`, vramMb })));

describe('VramLedger', () => {
  it('never reserves more than total − not ours − headroom', () => {
    const ledger = new VramLedger(gpus(10_000), 1_000);
    ledger.setNotOurs('gpu0', 2_000);
    ledger.reserve('a', 'gpu0', 7_000);
    expect(() => ledger.reserve('b', 'gpu0', 1)).toThrow(OvercommitError);
    expect(ledger.capacities()[0]).toMatchObject({ usableMb: 7_000, reservedMb: 7_000, freeMb: 0, jobs: 1 });
  });

  it('frees a reservation once, and refuses a second one for the same job', () => {
    const ledger = new VramLedger(gpus(10_000), 0);
    ledger.reserve('a', 'gpu0', 4_000);
    expect(() => ledger.reserve('a', 'gpu0', 1_000)).toThrow(/already holds/);
    expect(ledger.release('a')).toEqual({ jobId: 'a', gpu: 'gpu0', vramMb: 4_000 });
    expect(ledger.release('a')).toBeUndefined();
    expect(ledger.capacities()[0]!.freeMb).toBe(10_000);
  });
});

const job = (id: string, vramMb: number, priority = 50, submittedAt = 0, kind = 'solve'): WindowJob => ({ id, kind, priority, submittedAt, vramMb });

describe('SchedulerCore.plan', () => {
  it('places what fits, highest priority first, and keeps the rest waiting with a reason', () => {
    const core = new SchedulerCore(new VramLedger(gpus(10_000), 0), { policy: 'best-fit', maxJobsPerGpu: 8 });
    core.hold(job('low', 6_000, 10, 1));
    core.hold(job('high', 6_000, 90, 2));
    const decisions = core.plan();
    expect(decisions.map((d) => [d.type, d.job.id])).toEqual([
      ['dispatch', 'high'],
      ['wait', 'low'],
    ]);
    expect(decisions[1]).toMatchObject({ reason: 'needs 6000 MiB; largest free is 4000 MiB on gpu0', ahead: 0 });
  });

  it('runs two jobs that do not fit together one after the other', () => {
    const core = new SchedulerCore(new VramLedger(gpus(10_000), 0), { policy: 'best-fit', maxJobsPerGpu: 8 });
    core.hold(job('a', 6_000, 50, 1));
    core.hold(job('b', 6_000, 50, 2));
    expect(core.plan().filter((d) => d.type === 'dispatch').map((d) => d.job.id)).toEqual(['a']);
    expect(core.plan().filter((d) => d.type === 'dispatch')).toEqual([]);
    core.finish('a');
    expect(core.plan().filter((d) => d.type === 'dispatch').map((d) => d.job.id)).toEqual(['b']);
  });

  it('places a smaller job while a larger one waits', () => {
    const core = new SchedulerCore(new VramLedger(gpus(10_000), 0), { policy: 'best-fit', maxJobsPerGpu: 8 });
    core.ledger.reserve('running', 'gpu0', 5_000);
    core.hold(job('big', 8_000, 50, 1));
    core.hold(job('small', 2_000, 50, 2));
    const decisions = core.plan();
    expect(decisions.map((d) => [d.type, d.job.id])).toEqual([
      ['wait', 'big'],
      ['dispatch', 'small'],
    ]);
  });

  it('fails at once a job larger than any GPU', () => {
    const core = new SchedulerCore(new VramLedger(gpus(24_576, 16_384), 512), { policy: 'best-fit', maxJobsPerGpu: 8 });
    core.hold(job('huge', 30_000));
    expect(core.plan()).toEqual([
      { type: 'never-fits', job: job('huge', 30_000), reason: 'needs 30000 MiB but the largest GPU offers 24064 MiB; it can never run here' },
    ]);
    expect(core.window.size).toBe(0);
  });

  it('keeps a kind on the GPUs it is restricted to', () => {
    const core = new SchedulerCore(new VramLedger(gpus(10_000, 10_000), 0), {
      policy: 'spread',
      maxJobsPerGpu: 8,
      gpusByKind: new Map([['solve', new Set(['gpu1'])]]),
    });
    core.hold(job('a', 1_000));
    expect(core.plan()).toMatchObject([{ type: 'dispatch', reservation: { gpu: 'gpu1' } }]);
  });
});
