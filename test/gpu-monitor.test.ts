// The scheduler polling nvidia-smi (a fake that prints the real one's formats from a state file):
// memory used by processes that are not ours is not handed out; a GPU the driver reports broken,
// lost or failing is drained alone, with the driver's reason; nvidia-smi failing as a whole is the
// monitor's problem, shown in the inventory and the metrics, and drains nothing. All of it shows in
// the published inventory and the job's pending reason.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTRACTS_LP } from './fixtures/problems.js';
import { ROOT, waitFor } from '@gpuq/testkit';
import { Stack } from './helpers/stack.js';

const UUID = 'GPU-0b0c0d0e-0000-4000-8000-000000000001';
const UUID1 = 'GPU-0b0c0d0e-0000-4000-8000-000000000002';
const FAKE = join(ROOT, 'test', 'fakes', 'nvidia-smi.mjs');

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function startWithFakeSmi(initial?: object, gpus = [{ id: 'gpu0', vramMb: 10_000, uuid: UUID }]): Promise<{ stack: Stack; setState: (state: object) => void }> {
  const stateFile = join(mkdtempSync(join(tmpdir(), 'gpuq-smi-')), 'state.json');
  const setState = (state: object) => writeFileSync(stateFile, JSON.stringify(state));
  // An unknown process (pid 1, which always exists) holds 6000 MiB: not one of our jobs.
  setState(initial ?? { gpus: [{ index: 0, uuid: UUID, name: 'Fake A10G', totalMb: 10_000, usedMb: 6_000 }], apps: [{ gpuUuid: UUID, pid: 1, usedMb: 6_000 }] });
  const s = await Stack.start({
    gpus,
    scheduler: { gpuMonitor: { command: FAKE, intervalMs: 200 } },
    schedulerEnv: { FAKE_NVIDIA_SMI_STATE: stateFile },
  });
  return { stack: s, setState };
}

/** Two H100s, as the fake prints them, each with 1000 MiB held by a process not ours; `over` changes the second. */
const twoGpus = (over: object = {}) => ({
  gpus: [
    { index: 0, uuid: UUID, name: 'NVIDIA H100 80GB HBM3', totalMb: 10_000, usedMb: 1_000, busId: '00000000:18:00.0' },
    { index: 1, uuid: UUID1, name: 'NVIDIA H100 80GB HBM3', totalMb: 10_000, usedMb: 1_000, busId: '00000000:2A:00.0', ...over },
  ],
  apps: [
    { gpuUuid: UUID, pid: 1, usedMb: 1_000 },
    { gpuUuid: UUID1, pid: 1, usedMb: 1_000 },
  ],
});
const TWO_GPUS = [
  { id: 'gpu0', vramMb: 10_000, uuid: UUID },
  { id: 'gpu1', vramMb: 10_000, uuid: UUID1 },
];

describe('GPU memory and health from nvidia-smi', () => {
  it('does not hand out memory another process uses, and places the job once it is freed', async () => {
    const started = await startWithFakeSmi();
    stack = started.stack;
    await waitFor(async () => (await stack!.inventory())?.gpus[0]?.notOursMb === 6_000, { what: 'the monitor to see the other process' });
    const job = await stack.submit({ kind: 'solve', input: CONTRACTS_LP, resources: { vramMb: 5_000 } });
    const waiting = await waitFor(async () => {
      const view = await stack!.job(job.id);
      return view.pendingReason?.startsWith('needs') ? view : undefined;
    }, { what: 'the job to wait' });
    expect(waiting.pendingReason).toBe("needs 5000 MiB; largest free is 4000 MiB on box-1/gpu0; box-1/gpu0 (10 GiB) has 6000 MiB in use by processes that are not gpuq's; 0 jobs ahead");
    expect((await stack.inventory())!.gpus[0]).toMatchObject({ totalMb: 10_000, notOursMb: 6_000, usableMb: 4_000, freeMb: 4_000, drainedReason: null });

    started.setState({ gpus: [{ index: 0, uuid: UUID, name: 'Fake A10G', totalMb: 10_000, usedMb: 0 }], apps: [] });
    expect((await stack.waitForJob(job.id)).status).toBe('succeeded');
  });

  it('drains a GPU the driver reports broken, says so, and takes it back when it recovers', async () => {
    const started = await startWithFakeSmi();
    stack = started.stack;
    started.setState({ gpus: [{ index: 0, uuid: UUID, name: 'Fake A10G', totalMb: 10_000, usedMb: 0, fault: '[GPU requires reset]' }], apps: [] });
    await waitFor(async () => (await stack!.inventory())?.gpus[0]?.drainedReason, { what: 'the GPU to be drained' });
    expect((await stack.inventory())!.gpus[0]!.drainedReason).toBe('the driver reports [GPU requires reset]');
    const job = await stack.submit({ kind: 'solve', input: CONTRACTS_LP });
    const waiting = await waitFor(async () => (await stack!.job(job.id)).pendingReason?.startsWith('every GPU') && (await stack!.job(job.id)), { what: 'the job to wait' });
    expect(waiting.pendingReason).toBe('every GPU that can take it is drained (box-1/gpu0: the driver reports [GPU requires reset]); 0 jobs ahead');

    started.setState({ gpus: [{ index: 0, uuid: UUID, name: 'Fake A10G', totalMb: 10_000, usedMb: 0 }], apps: [] });
    expect((await stack.waitForJob(job.id)).status).toBe('succeeded');
    // The inventory is published at most every 200 ms: a quick job can end before the next one.
    await waitFor(async () => (await stack!.inventory())!.gpus[0]!.drainedReason === null, { what: 'the inventory to show the GPU back' });
  });

  it('drains only the GPU that fell off the bus, with the driver’s words, and keeps placing jobs on the others', async () => {
    const started = await startWithFakeSmi(twoGpus(), TWO_GPUS);
    stack = started.stack;
    // The monitor read both once, learning their PCI addresses.
    await waitFor(async () => (await stack!.inventory())?.gpus.every((g) => g.notOursMb === 1_000), { what: 'the monitor to read both GPUs' });
    started.setState(twoGpus({ lost: 'GPU is lost. Reboot the system to recover this GPU' }));
    await waitFor(async () => (await stack!.inventory())?.gpus[1]?.drainedReason, { what: 'GPU 1 to be drained' });
    const inventory = (await stack.inventory())!;
    expect(inventory.gpus.map((g) => [g.id, g.drainedReason])).toEqual([
      ['gpu0', null],
      ['gpu1', 'nvidia-smi cannot read it: GPU is lost. Reboot the system to recover this GPU'],
    ]);
    expect(inventory.gpuMonitor).toEqual({ problem: null, failingSince: null, failedPolls: 0 });
    expect((await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id)).status).toBe('succeeded');
  });

  it('drains a GPU with uncorrectable ECC errors or pages pending retirement, saying so, and not one whose fields read [N/A]', async () => {
    const started = await startWithFakeSmi(twoGpus({ eccUncorrected: 2, retiredPagesPending: 'Yes' }), TWO_GPUS);
    stack = started.stack;
    await waitFor(async () => (await stack!.inventory())?.gpus[1]?.drainedReason, { what: 'GPU 1 to be drained' });
    expect((await stack.inventory())!.gpus.map((g) => g.drainedReason)).toEqual([null, 'uncorrectable ECC errors since the driver loaded: 2; retired pages pending: reboot to retire them']);
  });

  it('reports nvidia-smi failing as the monitor’s problem, in the inventory and the metrics, drains no GPU for it, and clears it when nvidia-smi answers', async () => {
    const started = await startWithFakeSmi();
    stack = started.stack;
    await waitFor(async () => (await stack!.inventory())?.gpus[0]?.notOursMb === 6_000, { what: 'the monitor to read the GPU' });
    started.setState({ fail: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running." });
    const failing = await waitFor(async () => {
      const inventory = await stack!.inventory();
      return inventory?.gpuMonitor?.problem ? inventory : undefined;
    }, { what: 'the inventory to show the monitor failing' });
    expect(failing.gpuMonitor!.problem).toMatch(/exited with 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/);
    expect(failing.gpuMonitor!.failingSince).toBeGreaterThan(0);
    const url = (await stack.scheduler.waitForLog((l) => l.msg === 'scheduler starting', 'start')).metrics as string;
    await waitFor(async () => (await (await fetch(url)).text()).includes('gpuq_gpu_monitor_up{box="box-1"} 0'), { what: 'the metric to show the monitor down' });
    // Well past the three failed polls that used to drain every GPU, it is not drained: nothing said it is broken.
    const later = await waitFor(async () => {
      const inventory = await stack!.inventory();
      return (inventory?.gpuMonitor?.failedPolls ?? 0) >= 6 ? inventory : undefined;
    }, { what: 'six failed polls' });
    expect(later.gpus[0]!.drainedReason).toBeNull();

    started.setState({ gpus: [{ index: 0, uuid: UUID, name: 'Fake A10G', totalMb: 10_000, usedMb: 0 }], apps: [] });
    await waitFor(async () => (await stack!.inventory())?.gpuMonitor?.problem === null, { what: 'the monitor to recover' });
    await waitFor(async () => (await (await fetch(url)).text()).includes('gpuq_gpu_monitor_up{box="box-1"} 1'), { what: 'the metric to show the monitor up' });
  });
});

describe('metrics', () => {
  it('exports the scheduler’s metrics on its own /metrics', async () => {
    stack = await Stack.start();
    await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id);
    const url = (await stack.scheduler.waitForLog((l) => l.msg === 'scheduler starting', 'start')).metrics as string;
    // Every series names its box (a default label: last, but first in a histogram's).
    const expected = [
      'gpuq_scheduler_active{box="box-1"} 1',
      'gpuq_queue_depth{kind="solve",state="waiting",box="box-1"}',
      'gpuq_window_jobs{kind="solve",box="box-1"}',
      'gpuq_placements_total{kind="solve",gpu="gpu0",box="box-1"} 1',
      'gpuq_submit_to_dispatch_seconds_count{box="box-1",kind="solve"} 1',
      'gpuq_job_run_seconds_count{box="box-1",kind="solve",outcome="succeeded"} 1',
      'gpuq_gpu_vram_total_bytes{gpu="gpu0",box="box-1"} 25769803776',
      'gpuq_gpu_vram_reserved_bytes{gpu="gpu0",box="box-1"} 0',
      'gpuq_gpu_vram_used_bytes{gpu="gpu0",box="box-1"}',
      'gpuq_gpu_vram_not_ours_bytes{gpu="gpu0",box="box-1"}',
      'gpuq_gpu_drained{gpu="gpu0",box="box-1"} 0',
      'gpuq_job_retries_total',
      'gpuq_job_timeouts_total',
      'gpuq_vram_estimate_overruns_total',
    ];
    // Some move after the job's status is written (the run time once it is completed in the queue;
    // the GPU gauges with the inventory, published at most every 200 ms): scrape until all show.
    let text = '';
    await waitFor(
      async () => {
        text = await (await fetch(url)).text();
        return expected.every((line) => text.includes(line));
      },
      { what: 'every expected line on /metrics' },
    ).catch(() => undefined);
    for (const line of expected) expect(text).toContain(line);
  });
});
