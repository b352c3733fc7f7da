import { describe, expect, it } from 'vitest';
import { parseQueryGpu } from '../src/inventory.js';

describe('parseQueryGpu', () => {
  it('reads nvidia-smi --query-gpu CSV (noheader, nounits)', () => {
    const csv = [
      '0, GPU-5c0e4c6a-1f2b-4b1e-9f0e-1a2b3c4d5e6f, NVIDIA H100 80GB HBM3, 81559, 1024, 80535, 0, 31',
      '1, GPU-aa0e4c6a-1f2b-4b1e-9f0e-1a2b3c4d5e6f, NVIDIA A10G, 23028, 0, 23028, 12, 40',
      '',
    ].join('\n');
    expect(parseQueryGpu(csv)).toEqual([
      { id: 'gpu0', uuid: 'GPU-5c0e4c6a-1f2b-4b1e-9f0e-1a2b3c4d5e6f', name: 'NVIDIA H100 80GB HBM3', totalMb: 81_559, usedMb: 1_024, isSimulated: false },
      { id: 'gpu1', uuid: 'GPU-aa0e4c6a-1f2b-4b1e-9f0e-1a2b3c4d5e6f', name: 'NVIDIA A10G', totalMb: 23_028, usedMb: 0, isSimulated: false },
    ]);
  });

  it('names the line it cannot read', () => {
    expect(() => parseQueryGpu('0, GPU-x, H100')).toThrow(/line 1/);
  });
});
