// One decoded cuOpt request body solved with HiGHS: validate, build, run, and shape the result as
// cuOpt does. Synchronous and CPU-bound: the server runs it in a worker thread.
import type { Highs, HighsCallbackMap, ModelData } from 'highs';
import { applyLpCompat, cuopt, LinearProgram } from '@gpuq/shared';
import { toHighsModel, toHighsOptions, type HighsModelInput, type HighsOptionValues } from './highs-model.js';
import { toCuoptResult, type BatchMemberError, type CuoptResult, type HighsModelStatus, type SolveOutcome } from './highs-result.js';

/** A failure with the HTTP status cuOpt would report it under. */
export class SolveError extends Error {
  constructor(
    readonly status: number,
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
  /** The solver's log text as HiGHS writes it (single problems only, as cuOpt logs no batch). */
  onLog?: (text: string) => void;
  /** Validate and answer as cuOpt's `validation_only` does, without solving. */
  validationOnly?: boolean;
}

export function validateProblem(body: unknown, index?: number): LinearProgram {
  const where = index === undefined ? '' : `problem ${index}: `;
  applyLpCompat(body);
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('csr_constraint_matrix' in body)) {
    throw new SolveError(400, `${where}solver-cpu solves LP and MILP (a body with csr_constraint_matrix); routing problems need the cuOpt server`);
  }
  const parsed = LinearProgram.safeParse(body);
  if (parsed.success) return parsed.data;
  const refusal = cuopt.refusalOf(parsed.error.issues, where);
  throw new SolveError(refusal.status, refusal.message);
}

export function solveProblem(highs: Highs, lp: LinearProgram, hooks: SolveHooks = {}): CuoptResult {
  const startedAt = performance.now();
  const input = toHighsModel(lp);
  const sense = input.sense === -1 ? highs.constants.objectiveSense.maximize : highs.constants.objectiveSense.minimize;
  const options = toHighsOptions(lp);
  if (hooks.onLog) Object.assign(options, { output_flag: true, log_to_console: false });
  let model: ReturnType<Highs['createModel']>;
  try {
    model = highs.createModel({ ...input, sense } satisfies ModelData);
  } catch (err) {
    throw refused(err);
  }
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
      ...(hooks.onLog
        ? {
            [highs.constants.callbackType.logging]: (event) => {
              hooks.onLog!(event.message);
              return undefined;
            },
          }
        : {}),
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
    let run: ReturnType<typeof model.run>;
    try {
      run = model.run(callbacks);
    } catch (err) {
      throw refused(err);
    }
    const { modelStatus } = run;
    if (wasStopped) throw new SolveError(500, 'aborted');
    if (modelStatus === highs.constants.modelStatus.modelError || modelStatus === highs.constants.modelStatus.loadError) {
      throw new SolveError(400, `the solver refused the model (HiGHS: ${run.warnings.join('; ') || 'model error'})`);
    }
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

/** A HiGHS refusal of the model (a value it will not take, a malformed matrix) is bad input: 400. */
function refused(err: unknown): SolveError {
  if (err instanceof SolveError) return err;
  return new SolveError(400, `the solver refused the model (HiGHS: ${(err as Error).message})`);
}

/** cuOpt's `validation_only` answer: status 0 and an empty solution, for one problem or a batch alike. */
const VALID_INPUT: CuoptResult = { response: { solver_response: { status: 0, solution: {} } }, notes: ['Input is valid'], warnings: [] };

/** A whole decoded request body: one problem, or a list of them (a batch). */
export function solveBody(highs: Highs, body: unknown, hooks: SolveHooks = {}): CuoptResult {
  const startedAt = performance.now();
  if (!Array.isArray(body)) {
    const lp = validateProblem(body);
    return hooks.validationOnly ? VALID_INPUT : solveProblem(highs, lp, hooks);
  }
  const problems = body.map((item, i) => validateProblem(item, i));
  if (hooks.validationOnly) return VALID_INPUT;
  // cuOpt's batch reports no incumbents and writes no log.
  const batchHooks = { shouldStop: hooks.shouldStop };
  const responses: Array<cuopt.LpSolverResponse | BatchMemberError> = [];
  const notes: string[] = [];
  for (const lp of problems) {
    try {
      const result = solveProblem(highs, lp, batchHooks);
      responses.push(result.response.solver_response as cuopt.LpSolverResponse);
      notes.push(...result.notes);
    } catch (err) {
      // cuOpt answers a batch member the solver refused in place: its error status and message.
      if (err instanceof SolveError && err.status === 400) responses.push({ status: CUOPT_VALIDATION_ERROR, solution: err.message });
      else throw err;
    }
  }
  return { response: { solver_response: responses, total_solve_time: (performance.now() - startedAt) / 1000 }, notes, warnings: [] };
}

/** cuOpt's error_type_t::ValidationError (CUOPT_VALIDATION_ERROR in its constants.h). */
const CUOPT_VALIDATION_ERROR = 4;
