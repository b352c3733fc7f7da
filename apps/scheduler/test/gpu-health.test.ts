import { afterEach, describe, expect, it, vi } from 'vitest';
import { GpuHealth } from '../src/gpus/gpu-health.js';
import { simulatedGpus } from '../src/core/gpu-spec.js';
import { VramLedger } from '../src/core/ledger.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('GpuHealth', () => {
  it('drains a GPU after failures in a row, and takes it back after the cool-down', () => {
    vi.useFakeTimers();
    const ledger = new VramLedger(simulatedGpus([{ id: 'gpu0', vramMb: 1_000 }]));
    const restored = vi.fn();
    const health = new GpuHealth(ledger, 3, 60_000, restored);
    health.recordOutcome('gpu0', 'boom');
    health.recordOutcome('gpu0', 'boom');
    health.recordOutcome('gpu0', undefined); // a success ends the streak
    health.recordOutcome('gpu0', 'boom');
    health.recordOutcome('gpu0', 'boom');
    expect(ledger.capacity('gpu0')!.drainedReason).toBeUndefined();
    health.recordOutcome('gpu0', 'CUDA error: an illegal memory access');
    expect(ledger.capacity('gpu0')!.drainedReason).toBe('3 jobs failed in a row on it (last: CUDA error: an illegal memory access); it takes jobs again in 60 s');
    vi.advanceTimersByTime(60_000);
    expect(ledger.capacity('gpu0')!.drainedReason).toBeUndefined();
    expect(restored).toHaveBeenCalledOnce();
    health.close();
  });

  it('keeps a GPU drained while any source still reports it', () => {
    const ledger = new VramLedger(simulatedGpus([{ id: 'gpu0', vramMb: 1_000 }]));
    const health = new GpuHealth(ledger, 1, 60_000, () => undefined);
    health.setDriverFault('gpu0', 'the driver reports [GPU requires reset]');
    health.recordOutcome('gpu0', 'boom');
    expect(ledger.capacity('gpu0')!.drainedReason).toMatch(/^the driver reports \[GPU requires reset\]; 1 jobs failed in a row/);
    health.setDriverFault('gpu0', undefined);
    expect(ledger.capacity('gpu0')!.drainedReason).toMatch(/^1 jobs failed in a row/);
    health.close();
  });
});
