// An LP/MILP's `solver_config`: the settings cuOpt 25.08's server knows (its pydantic models
// `SolverConfig` and `Tolerances` in utils/linear_programming/data_definition.py, NVIDIA/cuopt
// @062c71d), each with its type. cuOpt forbids unknown keys at run time (422), after the job
// waited in the queue; refusing them here names the field at submit instead.
import { z } from 'zod';

const positive = z.number().positive('must be above 0');
const nonnegative = z.number().nonnegative('must be 0 or more');
const flag = z.boolean().nullable().optional();
const count = z.number().int('expected a whole number').positive('must be 1 or more').nullable().optional();

// cuOpt writes these files on the server's own disk: a bare name keeps users out of its other
// paths (25.08's server ignores them; the settings exist for dataset compatibility).
const BareFileName = z
  .string()
  .regex(/^\w[\w.-]*$/, 'must be a bare file name (letters, digits, ".", "-", "_"): the file is written on the solve server')
  .nullable()
  .optional();

/** cuOpt's tolerances: numbers (its pydantic fields are `float`, so null is refused). */
export const Tolerances = z.strictObject({
  optimality: positive.optional().describe('Absolute and relative tolerance on primal and dual feasibility and the gap.'),
  absolute_primal_tolerance: positive.optional(),
  absolute_dual_tolerance: positive.optional(),
  absolute_gap_tolerance: positive.optional(),
  relative_primal_tolerance: positive.optional(),
  relative_dual_tolerance: positive.optional(),
  relative_gap_tolerance: positive.optional(),
  primal_infeasible_tolerance: positive.optional(),
  dual_infeasible_tolerance: positive.optional(),
  mip_integrality_tolerance: positive.optional(),
  mip_absolute_gap: nonnegative.optional(),
  mip_relative_gap: nonnegative.optional(),
  mip_absolute_tolerance: positive.optional(),
  mip_relative_tolerance: positive.optional(),
  // The names before 25.08 (and before 25.05 for the MIP ones), which cuOpt still reads.
  absolute_primal: positive.optional().describe('Deprecated: absolute_primal_tolerance.'),
  absolute_dual: positive.optional().describe('Deprecated: absolute_dual_tolerance.'),
  absolute_gap: positive.optional().describe('Deprecated: absolute_gap_tolerance.'),
  relative_primal: positive.optional().describe('Deprecated: relative_primal_tolerance.'),
  relative_dual: positive.optional().describe('Deprecated: relative_dual_tolerance.'),
  relative_gap: positive.optional().describe('Deprecated: relative_gap_tolerance.'),
  primal_infeasible: positive.optional().describe('Deprecated: primal_infeasible_tolerance.'),
  dual_infeasible: positive.optional().describe('Deprecated: dual_infeasible_tolerance.'),
  integrality_tolerance: positive.optional().describe('Deprecated: mip_integrality_tolerance.'),
  absolute_mip_gap: nonnegative.optional().describe('Deprecated: mip_absolute_gap.'),
  relative_mip_gap: nonnegative.optional().describe('Deprecated: mip_relative_gap.'),
});
export type Tolerances = z.infer<typeof Tolerances>;

/** cuOpt's LP/MILP settings; any other key is refused, naming it. */
export const SolverConfig = z.strictObject({
  tolerances: Tolerances.nullable().optional(),
  time_limit: positive.nullable().optional().describe('Seconds. A MILP runs until it, or until proven optimal.'),
  iteration_limit: count,
  infeasibility_detection: flag,
  strict_infeasibility: flag,
  // Not nullable (cuOpt's is): solver-cpu maps the number to a HiGHS solver.
  method: z.number().int().min(0).max(2).optional().describe('0 concurrent, 1 PDLP, 2 dual simplex.'),
  pdlp_solver_mode: z.number().int().min(0).max(3).nullable().optional().describe('0 Stable1, 1 Stable2, 2 Methodical1, 3 Fast1.'),
  mip_scaling: flag,
  mip_heuristics_only: flag,
  num_cpu_threads: count,
  crossover: flag,
  presolve: flag,
  log_to_console: flag,
  per_constraint_residual: flag,
  save_best_primal_so_far: flag,
  first_primal_feasible: flag,
  log_file: BareFileName,
  solution_file: BareFileName,
  user_problem_file: BareFileName,
  solver_mode: z.number().int().min(0).max(3).nullable().optional().describe('Deprecated: pdlp_solver_mode.'),
  heuristics_only: flag.describe('Deprecated: mip_heuristics_only.'),
});
export type SolverConfig = z.infer<typeof SolverConfig>;
