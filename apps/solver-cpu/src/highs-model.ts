// cuOpt's LP/MILP JSON → the HiGHS model and options. Pure: no solver, no I/O.
import type { Bound, LinearProgram } from '@gpuq/shared';

/** The subset of HiGHS' ModelData we fill (typed here so this module needs no solver to load). */
export interface HighsModelInput {
  numCols: number;
  numRows: number;
  sense: 1 | -1;
  offset: number;
  colCost: Float64Array;
  colLower: Float64Array;
  colUpper: Float64Array;
  rowLower: Float64Array;
  rowUpper: Float64Array;
  matrix: { format: 'csr'; numRows: number; numCols: number; starts: Int32Array; indices: Int32Array; values: Float64Array };
  integrality?: Int32Array;
  colNames?: string[];
}

export type HighsOptionValues = Record<string, number | string | boolean>;

function toNumber(bound: Bound): number {
  if (bound === 'inf') return Infinity;
  if (bound === 'ninf') return -Infinity;
  return bound;
}

function toFloat64(bounds: readonly Bound[]): Float64Array {
  const out = new Float64Array(bounds.length);
  for (let i = 0; i < bounds.length; i++) out[i] = toNumber(bounds[i]!);
  return out;
}

/** Row bounds from either of cuOpt's two forms. */
export function rowBounds(lp: LinearProgram): { lower: Float64Array; upper: Float64Array } {
  const cb = lp.constraint_bounds;
  if (cb.upper_bounds && cb.lower_bounds) {
    return { lower: toFloat64(cb.lower_bounds), upper: toFloat64(cb.upper_bounds) };
  }
  const bounds = cb.bounds ?? [];
  const types = cb.types ?? [];
  const lower = new Float64Array(bounds.length);
  const upper = new Float64Array(bounds.length);
  for (let i = 0; i < bounds.length; i++) {
    const b = toNumber(bounds[i]!);
    const type = types[i];
    lower[i] = type === 'L' ? -Infinity : b;
    upper[i] = type === 'G' ? Infinity : b;
  }
  return { lower, upper };
}

export function columnBounds(lp: LinearProgram): { lower: Float64Array; upper: Float64Array } {
  const n = lp.objective_data.coefficients.length;
  if (!lp.variable_bounds) {
    // cuOpt's defaults: 0 ≤ x < ∞.
    return { lower: new Float64Array(n), upper: new Float64Array(n).fill(Infinity) };
  }
  return { lower: toFloat64(lp.variable_bounds.lower_bounds), upper: toFloat64(lp.variable_bounds.upper_bounds) };
}

/**
 * The HiGHS model. The objective offset and scalability factor are left out: cuOpt reports
 * `factor * c·x + offset` while optimising `c·x`, so they are applied to the reported values.
 */
export function toHighsModel(lp: LinearProgram): HighsModelInput {
  const { offsets, indices, values } = lp.csr_constraint_matrix;
  const numCols = lp.objective_data.coefficients.length;
  const numRows = offsets.length - 1;
  const rows = rowBounds(lp);
  const cols = columnBounds(lp);
  const model: HighsModelInput = {
    numCols,
    numRows,
    sense: lp.maximize ? -1 : 1,
    offset: 0,
    colCost: Float64Array.from(lp.objective_data.coefficients),
    colLower: cols.lower,
    colUpper: cols.upper,
    rowLower: rows.lower,
    rowUpper: rows.upper,
    matrix: {
      format: 'csr',
      numRows,
      numCols,
      starts: Int32Array.from(offsets),
      indices: Int32Array.from(indices),
      values: Float64Array.from(values),
    },
  };
  if (lp.variable_types?.includes('I')) {
    model.integrality = Int32Array.from(lp.variable_types, (t) => (t === 'I' ? 1 : 0));
  }
  return model;
}

const METHOD_TO_SOLVER: Record<number, string> = { 0: 'choose', 1: 'pdlp', 2: 'simplex', 3: 'ipm' };
const MIN_TOLERANCE = 1e-10;

/** cuOpt's solver_config → HiGHS options. Settings HiGHS has no equivalent for are ignored. */
export function toHighsOptions(lp: LinearProgram): HighsOptionValues {
  const options: HighsOptionValues = { output_flag: false, allow_unbounded_or_infeasible: false };
  const config = lp.solver_config;
  if (!config) return options;
  if (config.time_limit != null) options.time_limit = config.time_limit;
  if (config.iteration_limit != null) {
    const limit = Math.min(config.iteration_limit, 2_147_483_647);
    options.simplex_iteration_limit = limit;
    options.ipm_iteration_limit = limit;
    options.pdlp_iteration_limit = limit;
  }
  if (config.method !== undefined) options.solver = METHOD_TO_SOLVER[config.method] ?? 'choose';
  const tol = config.tolerances;
  if (tol) {
    const set = (name: string, value: number | undefined) => {
      if (value !== undefined) options[name] = Math.max(value, MIN_TOLERANCE);
    };
    set('ipm_optimality_tolerance', tol.optimality);
    set('pdlp_optimality_tolerance', tol.optimality);
    set('primal_feasibility_tolerance', tol.absolute_primal);
    set('dual_feasibility_tolerance', tol.absolute_dual);
    set('mip_feasibility_tolerance', tol.mip_integrality_tolerance);
    if (tol.mip_relative_gap !== undefined) options.mip_rel_gap = tol.mip_relative_gap;
    if (tol.mip_absolute_gap !== undefined) options.mip_abs_gap = tol.mip_absolute_gap;
  }
  return options;
}
