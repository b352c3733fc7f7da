// Reading nvidia-smi's output (docs/contracts/nvidia-smi.md) into the GPUs gpuq schedules on. Every
// fixture follows output posted from a real driver; fixtures/SOURCES.md names each one's source.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { driverFaultsOf } from '../src/gpus/driver-faults.js';
import { gpusFromReadings, NAME_SIZE_FRACTION, parseMigList, parseMigMemory, parseMigProfile, sizeMigDevices } from '../src/gpus/mig.js';
import { parseComputeApps, parseGpuListing, parseQueryGpu, parseRemappedRowsListing } from '../src/gpus/nvidia-smi-output.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const healthy = { isPending: false, hasFailed: false };

describe('--query-gpu', () => {
  it('reads each field asked, memory in MiB, the PCI address normalised', () => {
    const [h100, a100, v100, rtx] = parseQueryGpu(fixture('query-gpu-a100-h100.csv'));
    expect(h100).toEqual({
      index: '0',
      uuid: 'GPU-c08d91cb-e324-655c-71ba-7570956445bc',
      name: 'NVIDIA H100 80GB HBM3',
      totalMb: 81_559,
      usedMb: 1_024,
      utilizationPercent: 0,
      temperatureC: 31,
      busId: '0000:18:00.0',
      isMigEnabled: false,
      eccUncorrectedVolatile: 0,
      isRetiredPagesPending: null,
    });
    // MIG mode: utilization is not reported, and that is no fault.
    expect(a100).toMatchObject({ totalMb: 81_920, utilizationPercent: null, isMigEnabled: true });
    expect(a100).not.toHaveProperty('fault');
    expect(v100).toMatchObject({ isRetiredPagesPending: false, isMigEnabled: false });
    // No ECC on a GeForce: [N/A], not an error.
    expect(rtx).toMatchObject({ eccUncorrectedVolatile: null, isRetiredPagesPending: null });
    expect(rtx).not.toHaveProperty('fault');
  });

  it('marks a GPU with the NVML error nvidia-smi printed in any field, and only errors: [N/A] and [Not Supported] are not', () => {
    const [reset, unknown, ecc, pages, notSupported] = parseQueryGpu(fixture('query-gpu-faults.csv'));
    // Memory still reads while temperature and utilization say the GPU needs a reset.
    expect(reset).toMatchObject({ fault: '[GPU requires reset]', totalMb: 81_559, temperatureC: null });
    expect(unknown).toMatchObject({ fault: '[Unknown Error]', totalMb: 0, busId: '0000:2a:00.0' });
    expect(ecc).toMatchObject({ eccUncorrectedVolatile: 3 });
    expect(pages).toMatchObject({ isRetiredPagesPending: true });
    expect(notSupported).not.toHaveProperty('fault');
    expect(notSupported).toMatchObject({ utilizationPercent: null, eccUncorrectedVolatile: null, isMigEnabled: false });
  });

  it('still reads a line of the eight fields gpuq asked for before', () => {
    expect(parseQueryGpu('0, GPU-5c0e4c6a, NVIDIA H100 80GB HBM3, 81559, 1024, 80535, 0, 31')[0]).toMatchObject({
      totalMb: 81_559,
      busId: null,
      eccUncorrectedVolatile: null,
    });
  });

  it('keeps the GPUs it could read when nvidia-smi prints a line for one it could not', () => {
    const { rows, unreadable, otherLines } = parseGpuListing(fixture('query-gpu-lost.txt'));
    expect(rows.map((r) => r.index)).toEqual(['0', '2']);
    expect(unreadable).toEqual([
      { busId: '0000:2a:00.0', message: 'GPU is lost. Reboot the system to recover this GPU' },
      { busId: '0000:5d:00.0', message: 'Unknown Error' },
    ]);
    expect(otherLines).toEqual([]);
  });

  it('reads no GPU from what nvidia-smi prints without the driver, and keeps its words', () => {
    const { rows, otherLines } = parseGpuListing(fixture('driver-not-loaded.txt'));
    expect(rows).toEqual([]);
    expect(otherLines[0]).toMatch(/^NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/);
  });

  it('names the line it cannot read', () => {
    expect(() => parseQueryGpu('0, GPU-x, H100')).toThrow(/"0, GPU-x, H100"/);
  });
});

describe('the driver’s reasons to drain a GPU', () => {
  const reasons = (csv: string, remapped = healthy, isWholeGpu = true) => parseQueryGpu(csv).map((r) => driverFaultsOf(r, remapped, { isWholeGpu }));

  it('drains for a broken GPU, uncorrectable ECC errors and pages pending retirement, saying which', () => {
    expect(reasons(fixture('query-gpu-faults.csv'))).toEqual([
      ['the driver reports [GPU requires reset]'],
      ['the driver reports [Unknown Error]'],
      ['uncorrectable ECC errors since the driver loaded: 3'],
      ['retired pages pending: reboot to retire them'],
      [],
    ]);
  });

  it('drains for rows pending remapping or a failed remapping', () => {
    const rows = new Map(parseRemappedRowsListing(fixture('query-remapped-rows.csv')).rows.map(({ gpuUuid, ...r }) => [gpuUuid, r]));
    expect([...rows.values()]).toEqual([healthy, { isPending: true, hasFailed: false }, { isPending: false, hasFailed: true }, { isPending: null, hasFailed: null }]);
    const h100 = parseQueryGpu(fixture('query-gpu-a100-h100.csv'))[0]!;
    expect([...rows.values()].map((r) => driverFaultsOf(h100, r, { isWholeGpu: true }))).toEqual([
      [],
      ['row remapping pending: reset the GPU (nvidia-smi -r) or reboot to apply it'],
      ['row remapping failed: the GPU needs service'],
      [],
    ]);
  });

  it('leaves healthy GPUs and fields they do not have alone, and drains a whole GPU in MIG mode (CUDA cannot use it)', () => {
    expect(reasons(fixture('query-gpu-a100-h100.csv'))).toEqual([[], ['MIG mode is on: create its MIG devices, then restart the scheduler, or turn MIG off'], [], []]);
    // The same A100 read for one of its MIG devices is fine.
    expect(reasons(fixture('query-gpu-a100-h100.csv'), healthy, false)[1]).toEqual([]);
  });
});

describe('--query-compute-apps', () => {
  it('reads one process per line, [N/A] memory as 0', () => {
    expect(parseComputeApps(fixture('query-compute-apps.csv'))).toEqual([
      { gpuUuid: 'GPU-5c0e4c6a-1f2b-4b1e-9f0e-1a2b3c4d5e6f', pid: 4242, usedMb: 612 },
      { gpuUuid: 'GPU-5c0e4c6a-1f2b-4b1e-9f0e-1a2b3c4d5e6f', pid: 5151, usedMb: 20_480 },
      { gpuUuid: 'GPU-aa0e4c6a-1f2b-4b1e-9f0e-1a2b3c4d5e6f', pid: 6161, usedMb: 0 },
    ]);
    expect(parseComputeApps('')).toEqual([]);
  });
});

describe('MIG', () => {
  it('reads every profile form in the MIG user guide and mig-parted’s configs: A30, A100 40/80 GB, H100 80/94 GB, GH200 96/144 GB, H200, B200, GB200, RTX PRO, compute instances', () => {
    const profiles = {
      a30: ['1g.6gb', '1g.6gb+me', '2g.12gb', '2g.12gb+me', '4g.24gb'],
      a100_40: ['1g.5gb', '1g.5gb+me', '1g.10gb', '2g.10gb', '3g.20gb', '4g.20gb', '7g.40gb'],
      a100_80_h100: ['1g.10gb', '1g.10gb+me', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb'],
      h100_94: ['1g.12gb', '1g.12gb+me', '1g.24gb', '2g.24gb', '3g.47gb', '4g.47gb', '7g.94gb'],
      gh200: ['1g.12gb', '1g.12gb+me', '1g.24gb', '2g.24gb', '3g.48gb', '4g.48gb', '7g.96gb'],
      h200: ['1g.18gb', '1g.18gb+me', '1g.35gb', '2g.35gb', '3g.71gb', '4g.71gb', '7g.141gb'],
      gh200_144: ['1g.18gb', '1g.18gb+me', '1g.36gb', '2g.36gb', '3g.72gb', '4g.72gb', '7g.144gb'],
      gb200: ['1g.24gb', '1g.47gb', '2g.47gb', '3g.95gb', '4g.95gb', '7g.189gb'],
      b200: ['1g.23gb', '1g.23gb+me', '1g.45gb', '2g.45gb', '3g.90gb', '4g.90gb', '7g.180gb'],
      rtxPro: ['1g.24gb', '1g.24gb+me', '1g.24gb+gfx', '1g.24gb+me.all', '1g.24gb-me', '2g.48gb', '2g.48gb+gfx', '2g.48gb+me.all', '2g.48gb-me', '4g.96gb', '4g.96gb+gfx'],
      computeInstances: ['1c.3g.20gb', '2c.3g.20gb', '1c.2g.10gb', '1c.7g.40gb', '2c.7g.40gb', '3c.7g.40gb', '1c.3g.40gb', '1c.4g.48gb'],
    };
    for (const name of Object.values(profiles).flat()) {
      const profile = parseMigProfile(name);
      expect(profile, name).toBeDefined();
      expect(profile!.memoryGb, name).toBeGreaterThan(0);
      expect(sizeMigDevices([{ parentIndex: '0', parentUuid: 'GPU-x', migIndex: '0', uuid: 'MIG-x', profile: name }], new Map())[0]!.totalMb, name).toBeGreaterThan(0);
    }
    expect(parseMigProfile('1g.10gb+me')).toEqual({ gpuSlices: 1, memoryGb: 10, variant: '+me' });
    expect(parseMigProfile('2c.7g.40gb')).toEqual({ computeSlices: 2, gpuSlices: 7, memoryGb: 40, variant: '' });
    expect(parseMigProfile('MIG Device')).toBeUndefined();
  });

  it('lists MIG devices under their GPU from nvidia-smi -L, whatever the padding', () => {
    expect(parseMigList(fixture('list-a100-mig.txt')).map((m) => [m.parentIndex, m.migIndex, m.profile, m.uuid])).toEqual([
      ['0', '0', '3g.20gb', 'MIG-c7384736-a75d-5afc-978f-d2f1294409fd'],
      ['0', '1', '3g.20gb', 'MIG-a28ad590-3fda-56dd-84fc-0a0b96edc58d'],
    ]);
    const eight = parseMigList(fixture('list-8gpu-mig.txt'));
    expect(eight).toHaveLength(26);
    expect(eight.filter((m) => m.parentIndex === '6').map((m) => m.profile)).toEqual(['1c.7g.40gb', '2c.7g.40gb', '3c.7g.40gb']);
    expect(parseMigList(fixture('list-h100nvl-1g12gb.txt')).map((m) => m.migIndex)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(parseMigList(fixture('list-media-extensions.txt')).map((m) => m.profile)).toEqual([
      '1g.10gb+me',
      '1g.10gb',
      '1g.12gb+me',
      '1g.24gb',
      '1g.18gb+me',
      '3g.71gb',
      '1g.24gb+me.all',
      '1g.24gb-me',
      '2g.48gb+gfx',
    ]);
  });

  it('gives +me and every other variant the memory its name says when nvidia-smi -q cannot (never 0 MiB), below the real size', () => {
    const sized = sizeMigDevices(parseMigList(fixture('list-media-extensions.txt')), new Map());
    expect(sized.map((m) => [m.profile, m.totalMb, m.memorySource])).toEqual([
      ['1g.10gb+me', 8_583, 'profile name'],
      ['1g.10gb', 8_583, 'profile name'],
      ['1g.12gb+me', 10_299, 'profile name'],
      ['1g.24gb', 20_599, 'profile name'],
      ['1g.18gb+me', 15_449, 'profile name'],
      ['3g.71gb', 60_939, 'profile name'],
      ['1g.24gb+me.all', 20_599, 'profile name'],
      ['1g.24gb-me', 20_599, 'profile name'],
      ['2g.48gb+gfx', 41_198, 'profile name'],
    ]);
    // Measured: an H100 NVL 1g.12gb has 10880 MiB and a 1g.24gb 22016 (21.50 GiB), both under the name's GB in MiB.
    expect(Math.floor((12e9 / 2 ** 20) * NAME_SIZE_FRACTION)).toBeLessThan(10_880);
    expect(Math.floor((24e9 / 2 ** 20) * NAME_SIZE_FRACTION)).toBeLessThan(22_016);
  });

  it('takes a MIG device’s memory from nvidia-smi -q -x when it answers', () => {
    const memory = parseMigMemory(fixture('query-xml-h100-3g40gb.xml'));
    expect(memory).toEqual(new Map([['GPU-c08d91cb-e324-655c-71ba-7570956445bc/0', { gpuInstanceId: 1, computeInstanceId: 0, totalMb: 40_448 }]]));
    const [device] = sizeMigDevices(parseMigList(fixture('list-h100-3g40gb.txt')), memory);
    expect(device).toMatchObject({ profile: '3g.40gb', totalMb: 40_448, memorySource: 'nvidia-smi -q' });
  });

  it('splits a GPU instance’s memory between its compute instances by compute slices, so together they never have more than it', () => {
    const memory = parseMigMemory(fixture('query-xml-h100-compute-instances.xml'));
    const sized = sizeMigDevices(parseMigList(fixture('list-h100-compute-instances.txt')), memory);
    expect(sized.map((m) => [m.profile, m.totalMb])).toEqual([
      ['1c.3g.40gb', 13_482],
      ['1c.3g.40gb', 13_482],
      ['1c.3g.40gb', 13_482],
      ['1g.10gb', 9_984],
      ['1g.10gb', 9_984],
    ]);
    const sharing = [...memory.values()].filter((m) => m.gpuInstanceId === 1);
    expect(sharing).toHaveLength(3);
    expect(sized.slice(0, 3).reduce((sum, m) => sum + m.totalMb!, 0)).toBeLessThanOrEqual(sharing[0]!.totalMb);
    // By name too: 1c + 2c + 3c of a 7g.40gb add up to 6/7 of it.
    const seven = sizeMigDevices(parseMigList(fixture('list-8gpu-mig.txt')), new Map()).filter((m) => m.parentIndex === '6');
    const wholeFromName = Math.floor(((40e9 / 2 ** 20) * NAME_SIZE_FRACTION));
    expect(seven.reduce((sum, m) => sum + m.totalMb!, 0)).toBeLessThanOrEqual(wholeFromName);
  });

  it('schedules each MIG device in place of its parent GPU, and leaves out a device whose size nothing gives', () => {
    const readings = parseQueryGpu(fixture('query-gpu-a100-h100.csv')).slice(0, 2);
    const migs = sizeMigDevices(
      [
        { parentIndex: '1', parentUuid: readings[1]!.uuid, migIndex: '0', uuid: 'MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', profile: '1g.10gb+me' },
        { parentIndex: '1', parentUuid: readings[1]!.uuid, migIndex: '1', uuid: 'MIG-ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee', profile: '3g.40gb' },
        { parentIndex: '1', parentUuid: readings[1]!.uuid, migIndex: '2', uuid: 'MIG-99999999-bbbb-cccc-dddd-eeeeeeeeeeee', profile: 'unheard-of' },
      ],
      new Map([[`${readings[1]!.uuid}/1`, { gpuInstanceId: 2, computeInstanceId: 0, totalMb: 40_448 }]]),
    );
    expect(gpusFromReadings(readings, migs).map((g) => [g.id, g.uuid, g.totalMb])).toEqual([
      ['gpu0', 'GPU-c08d91cb-e324-655c-71ba-7570956445bc', 81_559],
      ['gpu1-mig0', 'MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', 8_583],
      ['gpu1-mig1', 'MIG-ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee', 40_448],
    ]);
  });
});
