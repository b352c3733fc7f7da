// One request per kind for POST /v1/jobs, shown in Swagger UI and in generated clients' docs.
// openapi.int.test.ts parses each with JobRequest, so an example that stops being valid fails there.
import type { JobRequest } from '@gpuq/shared';
import type { z } from 'zod';

/** The Wyndor Glass LP as a free-format MPS file: max 3 doors + 5 windows; optimum 36 at (2, 6). */
const WYNDOR_MPS = [
  'NAME wyndor_glass',
  'OBJSENSE MAX',
  'ROWS',
  ' N profit',
  ' L plant_1',
  ' L plant_2',
  ' L plant_3',
  'COLUMNS',
  ' doors profit 3 plant_1 1',
  ' doors plant_3 3',
  ' windows profit 5 plant_2 2',
  ' windows plant_3 2',
  'RHS',
  ' hours plant_1 4 plant_2 12',
  ' hours plant_3 18',
  'ENDATA',
  '',
].join('\n');

/** What a client sends (defaults left out), keyed by the example's name in the document. */
export const JOB_REQUEST_EXAMPLES: Record<string, { summary: string; value: z.input<typeof JobRequest> }> = {
  lp: {
    summary: "An LP in cuOpt's JSON (the README's quick start)",
    value: {
      kind: 'solve',
      input: {
        csr_constraint_matrix: { offsets: [0, 2, 4], indices: [0, 1, 0, 1], values: [3.0, 4.0, 2.7, 10.1] },
        constraint_bounds: { upper_bounds: [5.4, 4.9], lower_bounds: ['ninf', 'ninf'] },
        objective_data: { coefficients: [-0.2, 0.1], scalability_factor: 1.0, offset: 0.0 },
        variable_bounds: { upper_bounds: ['inf', 'inf'], lower_bounds: [0.0, 0.0] },
        maximize: false,
      },
    },
  },
  mps: {
    summary: 'An LP as an MPS file, with a time limit and labels',
    value: { kind: 'solve', input: { format: 'mps', mps: WYNDOR_MPS, solver_config: { time_limit: 60 } }, timeoutSeconds: 300, labels: { project: 'wyndor' } },
  },
  fold: {
    summary: 'A small Boltz-2 fold: the 20-residue Trp-cage, single-sequence mode',
    value: {
      kind: 'fold',
      input: {
        sequences: [{ protein: { id: 'A', sequence: 'NLYIQWLKDGGPSSGRPPPS', msa: 'empty' } }],
        options: { diffusionSamples: 1, outputFormat: 'mmcif' },
      },
      priority: 60,
    },
  },
  inference: {
    summary: 'Classify two texts with the default model',
    value: { kind: 'inference', input: { texts: ['A wonderful film.', 'Not good at all.'] } },
  },
};
