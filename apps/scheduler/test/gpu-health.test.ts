import { afterEach, describe, expect, it, vi } from 'vitest';
import { GpuHealth } from '../src/gpus/gpu-health.js';
import { simulatedGpus } from '../src/core/gpu-spec.js';
import { VramLedger } from '../src/core/ledger.js';

afterEach(() => {
  vi.useRealTimers();
});

const oneGpu = () => new VramLedger(simulatedGpus([{ id: 'gpu0', vramMb: 1_000 }]));

describe('GpuHealth', () => {
  it('drains a GPU after different jobs fail in a row on it, and takes it back after the cool-down', () => {
    vi.useFakeTimers();
    const ledger = oneGpu();
    const restored = vi.fn();
    const health = new GpuHealth(ledger, 3, 60_000, restored);
    health.recordOutcome('gpu0', 'a', 'worker_error');
    health.recordOutcome('gpu0', 'b', 'worker_error');
    health.recordOutcome('gpu0', 'c', 'succeeded'); // a success ends the streak
    health.recordOutcome('gpu0', 'd', 'worker_error');
    health.recordOutcome('gpu0', 'e', 'worker_error');
    expect(ledger.capacity('gpu0')!.drainedReason).toBeUndefined();
    health.recordOutcome('gpu0', 'f', 'worker_error');
    expect(ledger.capacity('gpu0')!.drainedReason).toBe(
      '3 different jobs failed in a row on it with worker errors; it takes jobs again in 60 s',
    );
    vi.advanceTimersByTime(60_000);
    expect(ledger.capacity('gpu0')!.drainedReason).toBeUndefined();
    expect(restored).toHaveBeenCalledOnce();
    health.close();
  });

  it('never drains a GPU for one job failing on every attempt, however often', () => {
    const ledger = oneGpu();
    const health = new GpuHealth(ledger, 3, 60_000, () => undefined);
    for (let attempt = 0; attempt < 10; attempt++) health.recordOutcome('gpu0', 'poison', 'worker_error');
    expect(ledger.capacity('gpu0')!.drainedReason).toBeUndefined();
    // Its failures still count once in a streak of different jobs.
    health.recordOutcome('gpu0', 'b', 'worker_error');
    health.recordOutcome('gpu0', 'poison', 'worker_error');
    expect(ledger.capacity('gpu0')!.drainedReason).toBeUndefined();
    health.recordOutcome('gpu0', 'c', 'worker_error');
    expect(ledger.capacity('gpu0')!.drainedReason).toMatch(/^3 different jobs failed in a row on it with worker errors;/);
    health.close();
  });

  it('keeps a GPU drained while any source still reports it', () => {
    const ledger = oneGpu();
    const health = new GpuHealth(ledger, 1, 60_000, () => undefined);
    health.setDriverFault('gpu0', 'the driver reports [GPU requires reset]');
    health.recordOutcome('gpu0', 'a', 'worker_error');
    expect(ledger.capacity('gpu0')!.drainedReason).toMatch(/^the driver reports \[GPU requires reset\]; 1 different jobs failed in a row/);
    health.setDriverFault('gpu0', undefined);
    expect(ledger.capacity('gpu0')!.drainedReason).toMatch(/^1 different jobs failed in a row/);
    health.close();
  });
});
