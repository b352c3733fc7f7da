// Real HiGHS solves of problems whose answers were worked out by hand.
import { createRequire } from 'node:module';
import type { Highs } from 'highs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LinearProgram, type cuopt } from '@gpuq/shared';
import { CONTRACTS_LP, INFEASIBLE_LP, SMALL_MILP, UNBOUNDED_LP, marketSplitMilp } from '../../../test/fixtures/problems.js';
import { solveBody, solveProblem, SolveError, validateProblem } from '../src/solve.js';

let highs: Highs;
beforeAll(async () => {
  highs = await (createRequire(import.meta.url)('highs') as () => Promise<Highs>)();
});

const solve = (problem: unknown) => solveProblem(highs, LinearProgram.parse(problem));
const solution = (result: ReturnType<typeof solve>) => (result.response.solver_response as cuopt.LpSolverResponse).solution as cuopt.LpSolution;

describe('solveProblem', () => {
  it('solves the LP of cuOpt’s documentation to −0.36 at (1.8, 0), with duals', () => {
    const result = solve(CONTRACTS_LP);
    expect(result.response.solver_response).toMatchObject({ status: 'Optimal' });
    const s = solution(result);
    expect(s.problem_category).toBe('LP');
    expect(s.primal_objective).toBeCloseTo(-0.36, 9);
    expect(s.primal_solution[0]).toBeCloseTo(1.8, 9);
    expect(s.primal_solution[1]).toBeCloseTo(0, 9);
    // Only the first row binds: its dual is −0.2 / 3.
    expect(s.dual_solution![0]).toBeCloseTo(-0.2 / 3, 9);
    expect(s.dual_solution![1]).toBeCloseTo(0, 9);
    expect(s.dual_objective).toBeCloseTo(-0.36, 9);
    expect(s.milp_statistics).toEqual({});
    expect(result.notes).toEqual(['Optimal']);
  });

  it('solves the MILP to its integer optimum, not the relaxation, with the offset and names', () => {
    const s = solution(solve(SMALL_MILP));
    expect(s.problem_category).toBe('IP');
    expect(s.primal_solution).toEqual([4, 0]);
    expect(s.vars).toEqual({ x: 4, y: 0 });
    expect(s.primal_objective).toBeCloseTo(27, 9);
    expect(s.dual_solution).toBeNull();
    expect(s.reduced_cost).toBeNull();
    expect(s.lp_statistics).toEqual({});
    expect(s.milp_statistics).toMatchObject({ mip_gap: 0, max_int_violation: 0, max_constraint_violation: 0 });
  });

  it('reports an infeasible LP as PrimalInfeasible with an empty solution', () => {
    expect(solve(INFEASIBLE_LP).response.solver_response).toEqual({ status: 'PrimalInfeasible', solution: {} });
  });

  it('reports an unbounded LP as DualInfeasible', () => {
    expect(solve(UNBOUNDED_LP).response.solver_response).toEqual({ status: 'DualInfeasible', solution: {} });
  });

  it('reports an infeasible and an unbounded MILP with MILP statuses', () => {
    expect(solve({ ...INFEASIBLE_LP, variable_types: ['I'] }).response.solver_response).toMatchObject({ status: 'Infeasible' });
    expect(solve({ ...UNBOUNDED_LP, variable_types: ['I', 'I'] }).response.solver_response).toMatchObject({ status: 'Unbounded' });
  });

  it('applies the scalability factor to the reported objective, not to the optimisation', () => {
    const s = solution(solve({ ...CONTRACTS_LP, objective_data: { coefficients: [-0.2, 0.1], scalability_factor: 10, offset: 1 } }));
    expect(s.primal_solution[0]).toBeCloseTo(1.8, 9);
    expect(s.primal_objective).toBeCloseTo(10 * -0.36 + 1, 9);
  });

  it('honours time_limit: a hard MILP stops at it with the incumbent it found', () => {
    const incumbents: number[] = [];
    const startedAt = performance.now();
    const result = solveProblem(highs, LinearProgram.parse(marketSplitMilp(0.5)), { onIncumbent: (i) => incumbents.push(i.cost) });
    const elapsedS = (performance.now() - startedAt) / 1000;
    expect(result.response.solver_response).toMatchObject({ status: 'FeasibleFound' });
    expect(elapsedS).toBeGreaterThanOrEqual(0.45);
    expect(incumbents.length).toBeGreaterThan(0);
    // Each incumbent improves on the last (a minimisation).
    expect([...incumbents].sort((a, b) => b - a)).toEqual(incumbents);
    expect(solution(result).primal_objective).toBeCloseTo(incumbents.at(-1)!, 6);
  });

  it('stops when asked, at the next checkpoint', () => {
    let polls = 0;
    expect(() => solveProblem(highs, LinearProgram.parse(marketSplitMilp(30)), { shouldStop: () => ++polls > 3 })).toThrow(SolveError);
  });
});

describe('request bodies', () => {
  it('answers 422 for a body that is not JSON or does not match the schema, 400 for semantic errors', () => {
    const status = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as SolveError).status;
      }
      return 200;
    };
    expect(status(() => validateProblem({ csr_constraint_matrix: 1 }))).toBe(422);
    expect(status(() => validateProblem({ ...CONTRACTS_LP, variable_types: ['I'] }))).toBe(400);
    expect(status(() => validateProblem({ cost_matrix_data: {} }))).toBe(400);
  });

  it('solves a batch into a list of solver responses', () => {
    const result = solveBody(highs, [structuredClone(CONTRACTS_LP), structuredClone(INFEASIBLE_LP)]);
    expect(result.response.solver_response).toMatchObject([{ status: 'Optimal' }, { status: 'PrimalInfeasible' }]);
  });
});

describe('what cuOpt does around a solve', () => {
  it('answers validation_only with status 0, an empty solution and "Input is valid", without solving', () => {
    expect(solveBody(highs, structuredClone(CONTRACTS_LP), { validationOnly: true })).toEqual({
      response: { solver_response: { status: 0, solution: {} } },
      notes: ['Input is valid'],
      warnings: [],
    });
  });

  it('still refuses invalid input under validation_only', () => {
    expect(() => solveBody(highs, { ...structuredClone(CONTRACTS_LP), variable_types: ['I'] }, { validationOnly: true })).toThrow(SolveError);
  });

  it('takes the MPS path’s body: bounds beside upper/lower bounds, an empty types list, IEEE infinities', () => {
    const mps = {
      csr_constraint_matrix: { offsets: [0, 2, 4], indices: [0, 1, 0, 1], values: [6, 4, 1, 2] },
      constraint_bounds: { bounds: [24, 6], upper_bounds: [24, 6], lower_bounds: [-Infinity, -Infinity], types: [] },
      objective_data: { coefficients: [-5, -4], scalability_factor: 1, offset: 0 },
      variable_bounds: { upper_bounds: [Infinity, Infinity], lower_bounds: [0, 0] },
      maximize: false,
      variable_types: ['I', 'I'],
      variable_names: ['X', 'Y'],
      solver_config: { tolerances: { integrality_tolerance: 1e-5, absolute_mip_gap: 0 } },
    };
    const result = solveBody(highs, mps);
    expect(result.response.solver_response).toMatchObject({ status: 'Optimal', solution: { primal_objective: -20, vars: { X: 4, Y: 0 } } });
  });

  it('streams HiGHS’s log to the log hook', () => {
    const log: string[] = [];
    solveBody(highs, structuredClone(SMALL_MILP), { onLog: (text) => log.push(text) });
    expect(log.join('')).toMatch(/Solving report/);
  });

  it('answers a model HiGHS refuses with 400, never 500', () => {
    // |a| above HiGHS's large_matrix_value (1e15) but below 1e20: only HiGHS can say no.
    const lp = { ...structuredClone(CONTRACTS_LP), csr_constraint_matrix: { offsets: [0, 2, 4], indices: [0, 1, 0, 1], values: [3e16, 4, 2.7, 10.1] } };
    let status = 0;
    try {
      solveBody(highs, lp);
    } catch (err) {
      status = (err as SolveError).status;
    }
    expect(status).toBe(400);
  });

  it('answers [1e308, -1e308] objective coefficients with 400', () => {
    const lp = { ...structuredClone(CONTRACTS_LP), objective_data: { coefficients: [1e308, -1e308] } };
    expect(() => solveBody(highs, lp)).toThrow(expect.objectContaining({ status: 400 }));
  });
});
