// One cuOpt request body solved with HiGHS: parse, validate, build, run, and shape the result as
// cuOpt does. Synchronous and CPU-bound: the server runs it in a worker thread.
import type { Highs, HighsCallbackMap, ModelData } from 'highs';
import { LinearProgram, issuesToDetails, type cuopt } from '@gpuq/shared';
import { toHighsModel, toHighsOptions, type HighsModelInput, type HighsOptionValues } from './highs-model.js';
import { toCuoptResult, type CuoptResult, type HighsModelStatus, type SolveOutcome } from './highs-result.js';

/** A failure with the HTTP status cuOpt would report it under. */
export class SolveError extends Error {
  constructor(
    readonly status: 400 | 422 | 500,
    message: string,
  ) {
    super(message);
    this.name = 'SolveError';
  }
}

export interface SolveHooks {
  /** Polled at HiGHS' checkpoints: return true to stop the solve. */
  shouldStop?: () => boolean;
  /** Each improving MIP incumbent, with cuOpt's objective (factor and offset applied). */
  onIncumbent?: (incumbent: { solution: number[]; cost: number; bound: number }) => void;
}

export function validateProblem(body: unknown, index?: number): LinearProgram {
  const where = index === undefined ? '' : `problem ${index}: `;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('csr_constraint_matrix' in body)) {
    throw new SolveError(400, `${where}solver-cpu solves LP and MILP (a body with csr_constraint_matrix); routing problems need the cuOpt server`);
  }
  const parsed = LinearProgram.safeParse(body);
  if (parsed.success) return parsed.data;
  const details = issuesToDetails(parsed.error.issues).map((d) => `${d.path}: ${d.message}`);
  // cuOpt answers 422 for a body its schema rejects and 400 for one that fails its semantic checks.
  const isSemantic = parsed.error.issues.every((issue) => issue.code === 'custom');
  if (isSemantic) throw new SolveError(400, `${where}${details.join('; ')}`);
  throw new SolveError(422, `unable to validate optimization data stream, ${where}${details.join('; ')}`);
}

export function solveProblem(highs: Highs, lp: LinearProgram, hooks: SolveHooks = {}): CuoptResult {
  const startedAt = performance.now();
  const input = toHighsModel(lp);
  const sense = input.sense === -1 ? highs.constants.objectiveSense.maximize : highs.constants.objectiveSense.minimize;
  const options = toHighsOptions(lp);
  const model = highs.createModel({ ...input, sense } satisfies ModelData);
  try {
    model.options.set(options);
    let mipLpIterations = 0;
    let wasStopped = false;
    const stopIfAsked = (event: { interrupt(): void }): undefined => {
      if (hooks.shouldStop?.()) {
        wasStopped = true;
        event.interrupt();
      }
      return undefined;
    };
    const factor = lp.objective_data.scalability_factor ?? 1;
    const offset = lp.objective_data.offset ?? 0;
    const callbacks: HighsCallbackMap = {
      [highs.constants.callbackType.simplexInterrupt]: stopIfAsked,
      [highs.constants.callbackType.ipmInterrupt]: stopIfAsked,
      [highs.constants.callbackType.mipInterrupt]: (event) => {
        mipLpIterations = Number(event.data.mip_total_lp_iterations ?? mipLpIterations);
        return stopIfAsked(event);
      },
      ...(hooks.onIncumbent
        ? {
            [highs.constants.callbackType.mipImprovingSolution]: (event) => {
              hooks.onIncumbent!({
                solution: Array.from(event.data.mip_solution ?? []),
                cost: factor * (event.data.objective_function_value ?? NaN) + offset,
                bound: factor * (event.data.mip_dual_bound ?? NaN) + offset,
              });
              return undefined;
            },
          }
        : {}),
    };
    const { modelStatus } = model.run(callbacks);
    if (wasStopped) throw new SolveError(500, 'aborted');
    const unboundedOrInfeasible = modelStatus === highs.constants.modelStatus.unboundedOrInfeasible;
    const info = (name: string): number => {
      try {
        return Number(model.info.get(name));
      } catch {
        return NaN;
      }
    };
    const solution = model.getSolution();
    let statusName = (Object.entries(highs.constants.modelStatus).find(([, code]) => code === modelStatus)?.[0] ?? 'unknown') as HighsModelStatus;
    if (unboundedOrInfeasible && input.integrality) statusName = feasibilityOf(highs, input, options);
    const outcome: SolveOutcome = {
      modelStatus: statusName,
      objective: model.getObjectiveValue(),
      hasPrimal: info('primal_solution_status') === 2,
      hasDual: info('dual_solution_status') === 2,
      colValue: solution.colValue,
      rowValue: solution.rowValue,
      colDual: solution.colDual,
      rowDual: solution.rowDual,
      runTimeS: model.getRunTime(),
      solvedByPdlp: options.solver === 'pdlp',
      maxPrimalInfeasibility: info('max_primal_infeasibility'),
      maxDualInfeasibility: info('max_dual_infeasibility'),
      iterations: [info('simplex_iteration_count'), info('ipm_iteration_count'), info('pdlp_iteration_count')]
        .filter((n) => n > 0)
        .reduce((a, b) => a + b, 0),
      mipGap: info('mip_gap'),
      mipDualBound: info('mip_dual_bound'),
      mipNodes: Math.max(0, info('mip_node_count')),
      mipLpIterations,
    };
    return toCuoptResult(lp, outcome, (performance.now() - startedAt) / 1000);
  } finally {
    model.dispose();
  }
}

/**
 * HiGHS proves a MILP "infeasible or unbounded" when its relaxation is unbounded. With rational
 * data such a MILP is unbounded exactly when it has a feasible point, so solve it once more with
 * no objective to tell which.
 */
function feasibilityOf(highs: Highs, input: HighsModelInput, options: HighsOptionValues): HighsModelStatus {
  const model = highs.createModel({ ...input, sense: highs.constants.objectiveSense.minimize, colCost: new Float64Array(input.numCols) });
  try {
    model.options.set(options);
    const { modelStatus } = model.run();
    if (modelStatus === highs.constants.modelStatus.optimal) return 'unbounded';
    if (modelStatus === highs.constants.modelStatus.infeasible) return 'infeasible';
    return 'unboundedOrInfeasible';
  } finally {
    model.dispose();
  }
}

/** A whole request body: one problem, or a JSON list of them (a batch). */
export function solveBody(highs: Highs, text: string, hooks: SolveHooks = {}): CuoptResult {
  const startedAt = performance.now();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new SolveError(422, `unable to load optimization data stream, ${(err as Error).message}`);
  }
  if (!Array.isArray(body)) return solveProblem(highs, validateProblem(body), hooks);
  const results = body.map((item, i) => validateProblem(item, i)).map((lp) => solveProblem(highs, lp, { ...hooks, onIncumbent: undefined }));
  return {
    response: {
      solver_response: results.map((r) => r.response.solver_response as cuopt.LpSolverResponse),
      total_solve_time: (performance.now() - startedAt) / 1000,
    },
    notes: results.flatMap((r) => r.notes),
    warnings: results.flatMap((r) => r.warnings),
  };
}
