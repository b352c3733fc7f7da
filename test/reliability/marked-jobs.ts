// Solve jobs that carry their own number: job i's objective has the constant i, so its optimum is
// the problem's optimum + i. That ties each solve request to its job (the cuOpt protocol has no
// job id) and shows that each job got the answer to its own input, not another's.
import type { JobView } from '@gpuq/shared';
import { CONTRACTS_LP } from '../fixtures/problems.js';

/** CONTRACTS_LP's optimum, worked out by hand in fixtures/problems.ts. */
export const CONTRACTS_LP_OPTIMUM = -0.36;

export function markedSolve(marker: number, problem: { objective_data: object } = CONTRACTS_LP) {
  return { kind: 'solve', input: { ...problem, objective_data: { ...problem.objective_data, offset: marker } } };
}

export function objectiveOf(view: JobView): number | undefined {
  return (view.result as { solver_response?: { solution?: { primal_objective?: number } } } | null)?.solver_response?.solution?.primal_objective;
}
