// Everything a `solve` job accepts: an LP or MILP in cuOpt's JSON, an MPS file, or a VRP in
// cuOpt's JSON. Which one an input is follows from its fields; a bad input's errors are those of
// the shape it resembles most (validation.ts), not "matches none".
import { z } from 'zod';
import { MpsInput } from './mps.js';
import { LinearProgram } from './linear-program.js';
import { VrpInput } from './vrp.js';

export const SolveInput = z.union([LinearProgram, MpsInput, VrpInput], {
  error: 'expected an LP or MILP in cuOpt’s JSON (csr_constraint_matrix, …), an MPS file ({"format": "mps", "mps": "…"}), or a VRP in cuOpt’s JSON (cost_matrix_data, task_data, fleet_data)',
});
export type SolveInput = z.infer<typeof SolveInput>;
