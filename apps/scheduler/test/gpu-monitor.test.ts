// The monitor's rules, with nvidia-smi's answers scripted: a GPU the driver cannot read, reports
// broken or failing is drained alone, with the driver's reason; nvidia-smi failing as a whole is
// the monitor's own problem and drains nothing.
import { createLogger } from '@gpuq/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VramLedger } from '../src/core/ledger.js';
import { GpuHealth } from '../src/gpus/gpu-health.js';
import { GpuMonitor } from '../src/gpus/gpu-monitor.js';
import { parseGpuListing, type GpuReading, type RemappedRows } from '../src/gpus/nvidia-smi-output.js';
import { NvidiaSmiFailedError, type GpuListing, type NvidiaSmi } from '../src/gpus/nvidia-smi.js';

const log = createLogger('gpu-monitor-test', process.env.TEST_LOG_LEVEL ?? 'silent');
const UUID0 = 'GPU-0b0c0d0e-0000-4000-8000-0000000000c0';
const UUID1 = 'GPU-0b0c0d0e-0000-4000-8000-0000000000c1';

/** A `--query-gpu` line in the order gpuq asks (QUERY_GPU_FIELDS). */
const line = (index: number, uuid: string, bus: string, over: { ecc?: string; pages?: string; mig?: string; temp?: string } = {}) =>
  `${index}, ${uuid}, NVIDIA H100 80GB HBM3, 81559, 0, 81559, 0, ${over.temp ?? '30'}, 00000000:${bus}:00.0, ${over.mig ?? 'Disabled'}, ${over.ecc ?? '0'}, ${over.pages ?? '[N/A]'}`;
const listing = (...lines: string[]): GpuListing => {
  const { rows, unreadable } = parseGpuListing(lines.join('\n'));
  return { readings: rows, unreadable };
};

/** nvidia-smi as the monitor calls it, answering what the test says. */
class ScriptedSmi {
  readonly command = 'nvidia-smi';
  next: GpuListing | Error = listing(line(0, UUID0, '18'), line(1, UUID1, '2A'));
  remapped: Map<string, RemappedRows> | Error = new Map();
  gpus = async (): Promise<GpuListing> => {
    if (this.next instanceof Error) throw this.next;
    return this.next;
  };
  computeApps = async () => [];
  remappedRows = async () => {
    if (this.remapped instanceof Error) throw this.remapped;
    return this.remapped;
  };
}

function setUp(specs = [{ id: 'gpu0', uuid: UUID0 }, { id: 'gpu1', uuid: UUID1 }]) {
  const ledger = new VramLedger(specs.map((s) => ({ ...s, totalMb: 81_559, isSimulated: false })));
  const health = new GpuHealth(ledger, 3, 60_000, () => undefined);
  const smi = new ScriptedSmi();
  const onChange = vi.fn();
  let now = 1_000;
  const monitor = new GpuMonitor(smi as unknown as NvidiaSmi, ledger, health, 1_000, log, onChange, () => now);
  const drained = () => Object.fromEntries(ledger.capacities().map((c) => [c.id, c.drainedReason ?? null]));
  return { ledger, health, smi, monitor, onChange, drained, advance: (ms: number) => (now += ms) };
}

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

describe('GpuMonitor', () => {
  it('drains only the GPU nvidia-smi can no longer open, with the driver’s words, and takes it back when it answers again', async () => {
    const t = setUp();
    cleanup = () => t.health.close();
    await t.monitor.poll();
    expect(t.drained()).toEqual({ gpu0: null, gpu1: null });

    // GPU 1 fell off the bus: nvidia-smi prints a line for it, exits 15, and lists GPU 0.
    t.smi.next = listing(line(0, UUID0, '18'), 'Unable to determine the device handle for GPU1: 0000:2A:00.0: GPU is lost. Reboot the system to recover this GPU');
    await t.monitor.poll();
    expect(t.drained()).toEqual({ gpu0: null, gpu1: 'nvidia-smi cannot read it: GPU is lost. Reboot the system to recover this GPU' });
    expect(t.monitor.status()).toEqual({ problem: null, failingSince: null, failedPolls: 0 });
    expect(t.monitor.readout('gpu1')).toBeUndefined();

    t.smi.next = listing(line(0, UUID0, '18'), line(1, UUID1, '2A'));
    await t.monitor.poll();
    expect(t.drained()).toEqual({ gpu0: null, gpu1: null });
  });

  it('drains a GPU missing from a listing that still lists others, naming the lines nvidia-smi printed instead', async () => {
    const t = setUp();
    cleanup = () => t.health.close();
    t.smi.next = listing(line(0, UUID0, '18'));
    await t.monitor.poll();
    expect(t.drained()).toEqual({ gpu0: null, gpu1: 'nvidia-smi no longer lists it' });
    // Never read before, so its address is unknown: the line nvidia-smi printed is named as is.
    t.smi.next = listing(line(0, UUID0, '18'), 'Unable to determine the device handle for GPU 0000:5D:00.0: Unknown Error');
    await t.monitor.poll();
    expect(t.drained().gpu1).toBe('nvidia-smi no longer lists it (it cannot read 0000:5d:00.0: Unknown Error)');
  });

  it('reports nvidia-smi failing as the monitor’s problem, drains no GPU for it however long it lasts, and clears it when it answers', async () => {
    const t = setUp();
    cleanup = () => t.health.close();
    t.smi.next = listing(line(0, UUID0, '18'), line(1, UUID1, '2A', { temp: '[GPU requires reset]' }));
    await t.monitor.poll();
    expect(t.drained()).toEqual({ gpu0: null, gpu1: 'the driver reports [GPU requires reset]' });
    t.onChange.mockClear();

    const failure = new NvidiaSmiFailedError('nvidia-smi', ['--query-gpu=…'], 9, "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.");
    t.smi.next = failure;
    for (let poll = 0; poll < 6; poll++) {
      await t.monitor.poll();
      t.advance(1_000);
    }
    // The drains it had stay; none is added.
    expect(t.drained()).toEqual({ gpu0: null, gpu1: 'the driver reports [GPU requires reset]' });
    expect(t.monitor.status()).toEqual({ problem: failure.message, failingSince: 1_000, failedPolls: 6 });
    // Each failed poll republishes the inventory (its count of failures moved).
    expect(t.onChange).toHaveBeenCalledTimes(6);

    t.smi.next = listing(line(0, UUID0, '18'), line(1, UUID1, '2A'));
    await t.monitor.poll();
    expect(t.monitor.status()).toEqual({ problem: null, failingSince: null, failedPolls: 0 });
    expect(t.drained()).toEqual({ gpu0: null, gpu1: null });
  });

  it('takes an answer that lists no GPU at all for a monitor problem, not every GPU lost', async () => {
    const t = setUp();
    cleanup = () => t.health.close();
    t.smi.next = listing();
    await t.monitor.poll();
    expect(t.monitor.status().problem).toBe('nvidia-smi lists no GPUs');
    expect(t.drained()).toEqual({ gpu0: null, gpu1: null });
  });

  it('drains for uncorrectable ECC errors, pages pending retirement and rows pending remapping, and not for fields a GPU lacks', async () => {
    const t = setUp();
    cleanup = () => t.health.close();
    t.smi.next = listing(line(0, UUID0, '18', { ecc: '3' }), line(1, UUID1, '2A', { ecc: '[N/A]', pages: 'Yes' }));
    await t.monitor.poll();
    expect(t.drained()).toEqual({ gpu0: 'uncorrectable ECC errors since the driver loaded: 3', gpu1: 'retired pages pending: reboot to retire them' });

    t.smi.next = listing(line(0, UUID0, '18', { ecc: '[Not Supported]' }), line(1, UUID1, '2A', { ecc: '[N/A]', pages: '[N/A]' }));
    t.smi.remapped = new Map([[UUID0, { isPending: true, hasFailed: false }], [UUID1, { isPending: null, hasFailed: null }]]);
    // Remapped rows are asked for every 30 s, not every poll.
    t.advance(30_000);
    await t.monitor.poll();
    expect(t.drained()).toEqual({ gpu0: 'row remapping pending: reset the GPU (nvidia-smi -r) or reboot to apply it', gpu1: null });

    // A driver without the remapped-rows query is no monitor problem: those rows just go unchecked.
    t.smi.remapped = new NvidiaSmiFailedError('nvidia-smi', ['--query-remapped-rows=…'], 2, 'Invalid combination of input arguments.');
    t.advance(30_000);
    await t.monitor.poll();
    expect(t.monitor.status().problem).toBeNull();
    expect(t.drained()).toEqual({ gpu0: null, gpu1: null });
  });

  it('drains the MIG devices of a GPU that is lost, and no other GPU', async () => {
    const t = setUp([
      { id: 'gpu0-mig0', uuid: 'MIG-c788539f-c1ea-5a36-8b4d-9b07d024b1bb' },
      { id: 'gpu0-mig1', uuid: 'MIG-405bbda1-6b05-535f-9702-f95e8cd170ce' },
      { id: 'gpu1', uuid: UUID1 },
    ]);
    cleanup = () => t.health.close();
    t.smi.next = listing(line(0, UUID0, '18', { mig: 'Enabled' }), line(1, UUID1, '2A'));
    await t.monitor.poll();
    expect(Object.values(t.drained())).toEqual([null, null, null]);
    t.smi.next = listing('Unable to determine the device handle for GPU0: 0000:18:00.0: GPU is lost. Reboot the system to recover this GPU', line(1, UUID1, '2A'));
    await t.monitor.poll();
    expect(t.drained()).toEqual({
      'gpu0-mig0': 'nvidia-smi cannot read it: GPU is lost. Reboot the system to recover this GPU',
      'gpu0-mig1': 'nvidia-smi cannot read it: GPU is lost. Reboot the system to recover this GPU',
      gpu1: null,
    });
  });
});

// Keeps the helper honest: the line it builds is read as the fields it means.
it('scripted lines read as gpuq reads nvidia-smi', () => {
  const reading: GpuReading = listing(line(1, UUID1, '2A', { ecc: '3', pages: 'Yes', mig: 'Enabled' })).readings[0]!;
  expect(reading).toMatchObject({ index: '1', busId: '0000:2a:00.0', eccUncorrectedVolatile: 3, isRetiredPagesPending: true, isMigEnabled: true });
});
