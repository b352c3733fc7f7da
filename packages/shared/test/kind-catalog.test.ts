// The kind catalog: what each kind's job needs, read one way by the API's admission and the
// scheduler's placement alike.
import { describe, expect, it } from 'vitest';
import { checkKindRequest, FoldInput, GpuqConfig, kindGpuRule, placementNeedOf } from '../src/index.js';

const MODEL_URL = 'http://127.0.0.1:9';
const config = GpuqConfig.parse({
  kinds: {
    fold: { gpus: ['gpu1'] },
    inference: { defaultVramMb: 3_000, models: { default: { url: MODEL_URL }, large: { url: MODEL_URL, vramMb: 40_000, gpus: ['gpu2'] } } },
    solve: { servers: [{ name: 'cuopt', url: 'http://127.0.0.1:5000', gpus: ['gpu0'] }, { name: 'cpu', url: 'http://127.0.0.1:5001' }] },
  },
});
const LP = { csr_constraint_matrix: { offsets: [0, 1], indices: [0], values: [1] }, constraint_bounds: { upper_bounds: [1], lower_bounds: [0] }, objective_data: { coefficients: [1] }, variable_bounds: { upper_bounds: [1], lower_bounds: [0] } };
const VRP = { cost_matrix_data: { data: { '0': [[0, 1], [1, 0]] } }, task_data: { task_locations: [1] }, fleet_data: { vehicle_locations: [[0, 0]] } };

describe('placementNeedOf', () => {
  it('gives an inference job its model’s VRAM on its model’s GPUs, or the kind’s default', () => {
    expect(placementNeedOf('inference', { input: { model: 'large', texts: ['a'] } }, config)).toEqual({
      type: 'vram',
      vramMb: 40_000,
      estimateMb: 40_000,
      source: 'model',
      configField: 'kinds.inference.models.large.vramMb',
      gpus: ['gpu2'],
      model: 'large',
    });
    expect(placementNeedOf('inference', { input: { model: 'default', texts: ['a'] } }, config)).toMatchObject({ vramMb: 3_000, source: 'default' });
  });

  it('keeps what a job declares, with the kind’s own figure beside it for learning, and its model’s GPUs', () => {
    expect(placementNeedOf('inference', { input: { model: 'large', texts: ['a'] }, requestedVramMb: 9_000 }, config)).toEqual({
      type: 'vram',
      vramMb: 9_000,
      estimateMb: 40_000,
      source: 'declared',
      gpus: ['gpu2'],
      model: 'large',
    });
  });

  it('estimates a fold job from its tokens, saying from what', () => {
    const input = FoldInput.parse({ sequences: [{ protein: { id: 'A', sequence: 'A'.repeat(1_000), msa: 'empty' } }] });
    expect(placementNeedOf('fold', { input }, config)).toMatchObject({ type: 'vram', source: 'input', basis: '1,000 tokens' });
  });

  it('gives a solve job a slot of the servers that take its problem, or says why none does', () => {
    expect(placementNeedOf('solve', { input: LP }, config)).toEqual({ type: 'server-slot', problem: 'lp', servers: ['cuopt', 'cpu'] });
    expect(placementNeedOf('solve', { input: VRP }, config)).toEqual({ type: 'server-slot', problem: 'vrp', servers: ['cuopt'] });
    const cpuOnly = GpuqConfig.parse({ kinds: { solve: { servers: [{ name: 'cpu', url: 'http://127.0.0.1:5001' }] } } });
    expect(placementNeedOf('solve', { input: VRP }, cpuOnly)).toMatchObject({ servers: [], whyNone: expect.stringContaining('VRP needs a cuOpt server') });
  });
});

describe('checkKindRequest', () => {
  it('refuses a declared VRAM for a solve job that takes a server’s slot, and an unknown model', () => {
    expect(checkKindRequest('solve', { input: LP, requestedVramMb: 1_000 }, config)).toEqual([{ path: ['resources', 'vramMb'], message: expect.stringContaining('leave resources.vramMb out') }]);
    expect(checkKindRequest('inference', { input: { model: 'nope', texts: ['a'] } }, config)).toEqual([{ path: ['input', 'model'], message: 'no model nope here; this server serves default, large' }]);
  });
});

describe('kindGpuRule', () => {
  it('keeps a kind to the GPUs config lists for it, else off the GPUs a cuOpt server owns', () => {
    expect(kindGpuRule('fold', config)).toEqual({ only: ['gpu1'], except: [] });
    expect(kindGpuRule('inference', config)).toEqual({ except: ['gpu0'] });
    expect(kindGpuRule('solve', config)).toEqual({ except: [] });
  });
});
