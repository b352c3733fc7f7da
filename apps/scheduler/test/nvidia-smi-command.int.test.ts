// Running nvidia-smi: the fake (test/fakes/nvidia-smi.mjs) prints the real one's formats and exit
// codes, and gpuq tells a GPU nvidia-smi cannot open (the others still answer) from nvidia-smi
// failing as a whole (no driver, a hang, no such command).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NvidiaSmi, NvidiaSmiFailedError, NvidiaSmiMissingError } from '../src/gpus/nvidia-smi.js';

const FAKE = new URL('../../../test/fakes/nvidia-smi.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gpuq-smi-command-'));
const previous = process.env.FAKE_NVIDIA_SMI_STATE;
let n = 0;

/** A fake nvidia-smi answering from this state (each its own file: tests may run side by side). */
function smiWith(state: object, timeoutMs?: number): NvidiaSmi {
  const file = join(dir, `state-${n++}.json`);
  writeFileSync(file, JSON.stringify(state));
  // The fake reads its state from the environment the command inherits: a wrapper script sets it.
  const wrapper = join(dir, `nvidia-smi-${n}`);
  writeFileSync(wrapper, `#!/bin/sh\nFAKE_NVIDIA_SMI_STATE='${file}' exec node '${FAKE}' "$@"\n`, { mode: 0o755 });
  return new NvidiaSmi(wrapper, timeoutMs);
}

const h100 = (index: number, over: object = {}) => ({
  index,
  uuid: `GPU-0b0c0d0e-0000-4000-8000-00000000000${index}`,
  name: 'NVIDIA H100 80GB HBM3',
  totalMb: 81_559,
  usedMb: 0,
  ...over,
});

beforeAll(() => {
  delete process.env.FAKE_NVIDIA_SMI_STATE;
});
afterAll(() => {
  if (previous !== undefined) process.env.FAKE_NVIDIA_SMI_STATE = previous;
  rmSync(dir, { recursive: true, force: true });
});

describe('NvidiaSmi', () => {
  it('answers for the GPUs it can read when one has fallen off the bus (exit 15), naming the lost one', async () => {
    const smi = smiWith({ gpus: [h100(0), h100(1, { busId: '00000000:2A:00.0', lost: 'GPU is lost. Reboot the system to recover this GPU' }), h100(2)] });
    const { readings, unreadable } = await smi.gpus();
    expect(readings.map((r) => r.index)).toEqual(['0', '2']);
    expect(unreadable).toEqual([{ busId: '0000:2a:00.0', message: 'GPU is lost. Reboot the system to recover this GPU' }]);
    expect(await smi.computeApps()).toEqual([]);
  });

  it('fails, in the driver’s words and with its exit code, when the driver is not loaded', async () => {
    const smi = smiWith({ fail: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running." });
    const failure = await smi.gpus().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(NvidiaSmiFailedError);
    expect(failure).toMatchObject({ exitCode: 9 });
    expect((failure as Error).message).toMatch(/exited with 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/);
  });

  it('fails when nvidia-smi does not answer in time, and when there is no nvidia-smi', async () => {
    await expect(smiWith({ hang: true }, 500).gpus()).rejects.toThrow(/did not answer within 0.5 s/);
    await expect(new NvidiaSmi(join(dir, 'no-such-nvidia-smi')).gpus()).rejects.toBeInstanceOf(NvidiaSmiMissingError);
  });

  it('reads ECC errors, pages pending retirement and pending row remappings', async () => {
    const smi = smiWith({ gpus: [h100(0, { eccUncorrected: 2, retiredPagesPending: 'No', remappedRowsPending: 'Yes', remappedRowsFailure: 'No' }), h100(1)] });
    const { readings } = await smi.gpus();
    expect(readings.map((r) => [r.eccUncorrectedVolatile, r.isRetiredPagesPending])).toEqual([
      [2, false],
      [null, null],
    ]);
    expect(await smi.remappedRows()).toEqual(
      new Map([
        ['GPU-0b0c0d0e-0000-4000-8000-000000000000', { isPending: true, hasFailed: false }],
        ['GPU-0b0c0d0e-0000-4000-8000-000000000001', { isPending: null, hasFailed: null }],
      ]),
    );
  });

  it('sizes MIG devices from nvidia-smi -q -x, compute instances by their share', async () => {
    const smi = smiWith({
      gpus: [
        h100(0, {
          migs: [
            { index: 0, profile: '1g.10gb+me', uuid: 'MIG-aaaaaaaa-0000-4000-8000-000000000000', gi: 13, totalMb: 9_984 },
            { index: 1, profile: '1c.3g.40gb', uuid: 'MIG-bbbbbbbb-0000-4000-8000-000000000000', gi: 1, ci: 0, totalMb: 40_448 },
            { index: 2, profile: '2c.3g.40gb', uuid: 'MIG-cccccccc-0000-4000-8000-000000000000', gi: 1, ci: 1, totalMb: 40_448 },
          ],
        }),
      ],
    });
    expect((await smi.migDevices()).map((m) => [m.profile, m.totalMb, m.memorySource])).toEqual([
      ['1g.10gb+me', 9_984, 'nvidia-smi -q'],
      ['1c.3g.40gb', 13_482, 'nvidia-smi -q'],
      ['2c.3g.40gb', 26_965, 'nvidia-smi -q'],
    ]);
    expect(await smiWith({ gpus: [h100(0)] }).migDevices()).toEqual([]);
  });
});
