// nvidia-smi's formats, from docs/contracts/nvidia-smi.md. The fixtures are written to that contract; they are not
// captures from a real driver (this machine has no GPU).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gpusFromReadings, parseComputeApps, parseMigList, parseQueryGpu } from '../src/gpus/nvidia-smi-output.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseQueryGpu', () => {
  it('reads --query-gpu CSV (noheader, nounits), memory in MiB', () => {
    const [h100, a10g] = parseQueryGpu(fixture('query-gpu.csv'));
    expect(h100).toEqual({
      index: '0',
      uuid: 'GPU-5c0e4c6a-1f2b-4b1e-9f0e-1a2b3c4d5e6f',
      name: 'NVIDIA H100 80GB HBM3',
      totalMb: 81_559,
      usedMb: 1_024,
      utilizationPercent: 0,
      temperatureC: 31,
    });
    expect(a10g).toMatchObject({ index: '1', totalMb: 23_028, usedMb: 0, utilizationPercent: 12 });
  });

  it('marks a GPU the driver reports broken with the fault it printed', () => {
    expect(parseQueryGpu(fixture('query-gpu.csv'))[2]).toMatchObject({ index: '2', fault: '[GPU requires reset]', utilizationPercent: null });
  });

  it('names the line it cannot read', () => {
    expect(() => parseQueryGpu('0, GPU-x, H100')).toThrow(/line 1/);
  });
});

describe('parseComputeApps', () => {
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
  it('counts each MIG instance as a GPU of its own, sized from its profile and never larger', () => {
    const migs = parseMigList(fixture('list-mig.txt'));
    expect(migs.map((m) => [m.parentIndex, m.migIndex, m.profile, m.totalMb])).toEqual([
      ['0', '0', '3g.40gb', 38_146],
      ['0', '1', '2g.20gb', 19_073],
    ]);
    const readings = [
      { index: '0', uuid: 'GPU-11111111-2222-3333-4444-555555555555', name: 'NVIDIA A100-SXM4-80GB', totalMb: 81_920, usedMb: 0, utilizationPercent: 0, temperatureC: 30 },
      { index: '1', uuid: 'GPU-66666666-2222-3333-4444-555555555555', name: 'NVIDIA A100-SXM4-80GB', totalMb: 81_920, usedMb: 0, utilizationPercent: 0, temperatureC: 30 },
    ];
    expect(gpusFromReadings(readings, migs).map((g) => [g.id, g.uuid, g.totalMb])).toEqual([
      ['gpu0-mig0', 'MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', 38_146],
      ['gpu0-mig1', 'MIG-ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee', 19_073],
      ['gpu1', 'GPU-66666666-2222-3333-4444-555555555555', 81_920],
    ]);
  });
});
