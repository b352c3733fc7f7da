import { describe, expect, it } from 'vitest';
import type { GpuCapacity } from '../src/core/ledger.js';
import { place } from '../src/core/placement.js';

const gpu = (id: string, freeMb: number, jobs = 0, drainedReason?: string): GpuCapacity => ({
  id,
  label: id,
  totalMb: 24_576,
  headroomMb: 0,
  notOursMb: 0,
  usableMb: 24_576,
  reservedMb: 24_576 - freeMb,
  freeMb,
  jobs,
  maxJobs: undefined,
  solveServer: undefined,
  drainedReason,
});

/** A solve server's slots: no VRAM, `slots` jobs at a time. */
const server = (name: string, slots: number, jobs = 0, drainedReason?: string): GpuCapacity => ({
  ...gpu(`server:${name}`, 0, jobs, drainedReason),
  label: name,
  totalMb: 0,
  usableMb: 0,
  reservedMb: 0,
  maxJobs: slots,
  solveServer: name,
});

const options = { policy: 'best-fit' as const, maxJobsPerGpu: 4 };

describe('place', () => {
  it('best fit takes the GPU with the least free VRAM that still fits', () => {
    expect(place([gpu('a', 20_000), gpu('b', 9_000), gpu('c', 7_000)], 8_000, options)).toEqual({ ok: true, gpu: 'b' });
  });

  it('spread takes the GPU with the most free VRAM', () => {
    expect(place([gpu('a', 20_000), gpu('b', 9_000)], 8_000, { ...options, policy: 'spread' })).toEqual({ ok: true, gpu: 'a' });
  });

  it('skips drained GPUs, full GPUs and GPUs the kind may not use', () => {
    const gpus = [gpu('a', 20_000, 0, 'failed 3 jobs in a row'), gpu('b', 20_000, 4), gpu('c', 20_000), gpu('d', 10_000)];
    expect(place(gpus, 8_000, options)).toEqual({ ok: true, gpu: 'd' });
    expect(place(gpus, 8_000, { ...options, allowedGpus: new Set(['c']) })).toEqual({ ok: true, gpu: 'c' });
  });

  it('explains a wait with the largest free block', () => {
    expect(place([gpu('gpu0', 10_000), gpu('gpu1', 22_528)], 40_960, options)).toEqual({
      ok: false,
      reason: 'needs 40960 MiB; largest free is 22528 MiB on gpu1',
    });
  });

  it('explains a wait caused by the per-GPU job limit', () => {
    expect(place([gpu('gpu0', 20_000, 4)], 1_000, options)).toEqual({
      ok: false,
      reason: 'every GPU with 1000 MiB free already runs its limit of 4 jobs',
    });
  });

  it('explains a wait caused by draining', () => {
    expect(place([gpu('gpu0', 20_000, 0, 'driver reports it lost')], 1_000, options)).toEqual({
      ok: false,
      reason: 'every GPU it may use is drained (gpu0: driver reports it lost)',
    });
  });

  it('sends a solve job to the first server with a free slot, in the order of preference', () => {
    expect(place([server('cuopt', 1, 1), server('solver-cpu', 2, 0)], 0, options)).toEqual({ ok: true, gpu: 'server:solver-cpu' });
    expect(place([server('cuopt', 1, 0), server('solver-cpu', 2, 0)], 0, options)).toEqual({ ok: true, gpu: 'server:cuopt' });
  });

  it('says which solve servers are busy or down when none can take the job', () => {
    expect(place([server('cuopt', 1, 1), server('solver-cpu', 2, 0, 'http://127.0.0.1:5000 does not answer (connect ECONNREFUSED)')], 0, options)).toEqual({
      ok: false,
      reason:
        'waiting for a solve server: cuopt is solving 1 of 1 at a time; solver-cpu is unavailable (http://127.0.0.1:5000 does not answer (connect ECONNREFUSED))',
    });
  });
});
