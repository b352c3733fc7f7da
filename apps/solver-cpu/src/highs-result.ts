// A HiGHS outcome → cuOpt's LP/MILP response shape. Pure: the statuses, the objective with
// cuOpt's offset and scalability factor, and the statistics cuOpt reports.
import { cuopt, type LinearProgram } from '@gpuq/shared';
import { columnBounds, rowBounds } from './highs-model.js';

/** HiGHS model-status names (its `constants.modelStatus` keys) that we map. */
export type HighsModelStatus =
  | 'notSet'
  | 'loadError'
  | 'modelError'
  | 'presolveError'
  | 'solveError'
  | 'postsolveError'
  | 'empty'
  | 'optimal'
  | 'infeasible'
  | 'unboundedOrInfeasible'
  | 'unbounded'
  | 'objectiveBound'
  | 'objectiveTarget'
  | 'timeLimit'
  | 'iterationLimit'
  | 'unknown'
  | 'solutionLimit'
  | 'interrupted';

export interface SolveOutcome {
  modelStatus: HighsModelStatus;
  /** HiGHS' objective of `c·x`, without offset or factor. */
  objective: number;
  /** True when HiGHS holds a feasible primal point (`primal_solution_status` = 2). */
  hasPrimal: boolean;
  colValue: Float64Array;
  rowValue: Float64Array;
  colDual: Float64Array;
  rowDual: Float64Array;
  hasDual: boolean;
  runTimeS: number;
  solvedByPdlp: boolean;
  maxPrimalInfeasibility: number;
  maxDualInfeasibility: number;
  iterations: number;
  mipGap: number;
  mipDualBound: number;
  mipNodes: number;
  mipLpIterations: number;
}

/** A batch member the solver refused, as cuOpt reports it in place: its error status and message. */
export interface BatchMemberError {
  status: number;
  solution: string;
}

/** `response` of a finished request: one solver response, a batch's list, or `validation_only`'s status 0. */
export interface SolverResponse {
  solver_response: cuopt.LpSolverResponse | { status: 0; solution: Record<string, never> } | Array<cuopt.LpSolverResponse | BatchMemberError>;
  total_solve_time?: number;
}

export interface CuoptResult {
  response: SolverResponse;
  notes: string[];
  warnings: string[];
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Solver output as plain numbers, with −0 written as 0. */
const toList = (values: Float64Array): number[] => Array.from(values, (v) => v + 0);

/** cuOpt's status name for a HiGHS outcome. */
export function cuoptStatus(status: HighsModelStatus, isMilp: boolean, hasPrimal: boolean): cuopt.LpStatus | cuopt.MilpStatus {
  if (isMilp) {
    switch (status) {
      case 'optimal':
      case 'empty':
        return 'Optimal';
      case 'infeasible':
        return 'Infeasible';
      case 'unbounded':
        return 'Unbounded';
      case 'timeLimit':
        // cuOpt: a MILP stopped by its time limit with an incumbent has found a feasible point.
        return hasPrimal ? 'FeasibleFound' : 'TimeLimit';
      case 'iterationLimit':
      case 'solutionLimit':
      case 'objectiveBound':
      case 'objectiveTarget':
        return hasPrimal ? 'FeasibleFound' : 'NoTermination';
      default:
        return 'NoTermination';
    }
  }
  switch (status) {
    case 'optimal':
    case 'empty':
      return 'Optimal';
    case 'infeasible':
      return 'PrimalInfeasible';
    // "Unbounded or infeasible" is exactly a proof that the dual is infeasible.
    case 'unbounded':
    case 'unboundedOrInfeasible':
      return 'DualInfeasible';
    case 'timeLimit':
      return 'TimeLimit';
    case 'iterationLimit':
      return 'IterationLimit';
    case 'objectiveBound':
    case 'objectiveTarget':
    case 'solutionLimit':
    case 'interrupted':
      return 'NoTermination';
    default:
      return 'NumericalError';
  }
}

function problemCategory(lp: LinearProgram): 'LP' | 'MIP' | 'IP' {
  const types = lp.variable_types;
  if (!types?.includes('I')) return 'LP';
  return types.every((t) => t === 'I') ? 'IP' : 'MIP';
}

/**
 * The LP dual objective from the row and column duals, each multiplied by the bound its sign
 * makes active; an active infinite bound makes it unbounded (null).
 */
export function dualObjective(lp: LinearProgram, rowDual: Float64Array, colDual: Float64Array): number | null {
  const sense = lp.maximize ? -1 : 1;
  const rows = rowBounds(lp);
  const cols = columnBounds(lp);
  let total = 0;
  const add = (dual: number, lower: number, upper: number): boolean => {
    if (Math.abs(dual) < 1e-12) return true;
    const bound = sense * dual > 0 ? lower : upper;
    if (!Number.isFinite(bound)) return false;
    total += dual * bound;
    return true;
  };
  for (let i = 0; i < rowDual.length; i++) if (!add(rowDual[i]!, rows.lower[i]!, rows.upper[i]!)) return null;
  for (let j = 0; j < colDual.length; j++) if (!add(colDual[j]!, cols.lower[j]!, cols.upper[j]!)) return null;
  return total;
}

/** Largest violations of row bounds, column bounds and integrality by a primal point. */
export function violations(lp: LinearProgram, colValue: Float64Array, rowValue: Float64Array) {
  const rows = rowBounds(lp);
  const cols = columnBounds(lp);
  const excess = (x: number, lower: number, upper: number) => Math.max(0, lower - x, x - upper);
  let constraint = 0;
  for (let i = 0; i < rowValue.length; i++) constraint = Math.max(constraint, excess(rowValue[i]!, rows.lower[i]!, rows.upper[i]!));
  let bound = 0;
  let integrality = 0;
  for (let j = 0; j < colValue.length; j++) {
    const x = colValue[j]!;
    bound = Math.max(bound, excess(x, cols.lower[j]!, cols.upper[j]!));
    if (lp.variable_types?.[j] === 'I') integrality = Math.max(integrality, Math.abs(x - Math.round(x)));
  }
  return { constraint, bound, integrality };
}

export function toCuoptResult(lp: LinearProgram, outcome: SolveOutcome, totalSolveTimeS: number): CuoptResult {
  const isMilp = lp.variable_types?.includes('I') ?? false;
  const status = cuoptStatus(outcome.modelStatus, isMilp, outcome.hasPrimal);
  const factor = lp.objective_data.scalability_factor ?? 1;
  const offset = lp.objective_data.offset ?? 0;
  const scale = (x: number) => factor * x + offset;
  const warnings: string[] = [];
  if (isMilp && outcome.modelStatus === 'unboundedOrInfeasible') {
    warnings.push('HiGHS proved the problem infeasible or unbounded but could not tell which.');
  }

  let solution: cuopt.LpSolverResponse['solution'] = {};
  if (cuopt.STATUSES_WITH_SOLUTION.includes(status)) {
    const primal = toList(outcome.colValue);
    const vars: Record<string, number> = {};
    lp.variable_names?.forEach((name, j) => {
      vars[name] = primal[j]!;
    });
    const primalObjective = scale(outcome.objective);
    if (isMilp) {
      const v = violations(lp, outcome.colValue, outcome.rowValue);
      solution = {
        problem_category: problemCategory(lp),
        primal_solution: primal,
        dual_solution: null,
        primal_objective: primalObjective,
        dual_objective: null,
        solver_time: outcome.runTimeS,
        solved_by_pdlp: false,
        vars,
        lp_statistics: {},
        reduced_cost: null,
        milp_statistics: {
          mip_gap: finiteOrNull(outcome.mipGap),
          solution_bound: finiteOrNull(scale(outcome.mipDualBound)),
          presolve_time: null,
          max_constraint_violation: v.constraint,
          max_int_violation: v.integrality,
          max_variable_bound_violation: v.bound,
          num_nodes: outcome.mipNodes,
          num_simplex_iterations: outcome.mipLpIterations,
        },
      };
    } else {
      const dual = outcome.hasDual ? dualObjective(lp, outcome.rowDual, outcome.colDual) : null;
      const dualObjectiveValue = dual === null ? null : scale(dual);
      solution = {
        problem_category: 'LP',
        primal_solution: primal,
        dual_solution: outcome.hasDual ? toList(outcome.rowDual) : null,
        primal_objective: primalObjective,
        dual_objective: dualObjectiveValue,
        solver_time: outcome.runTimeS,
        solved_by_pdlp: outcome.solvedByPdlp,
        vars,
        lp_statistics: {
          primal_residual: finiteOrNull(outcome.maxPrimalInfeasibility),
          dual_residual: finiteOrNull(outcome.maxDualInfeasibility),
          gap: dualObjectiveValue === null ? null : Math.abs(primalObjective - dualObjectiveValue),
          nb_iterations: outcome.iterations,
        },
        reduced_cost: outcome.hasDual ? toList(outcome.colDual) : null,
        milp_statistics: {},
      };
    }
  }
  return {
    response: { solver_response: { status, solution }, total_solve_time: totalSolveTimeS },
    notes: [status],
    warnings,
  };
}
