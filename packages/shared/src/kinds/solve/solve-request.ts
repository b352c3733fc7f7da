// A solve job's input as a cuOpt server is sent it, and what kind of problem it is (which decides
// the servers that may take it): an MPS file is converted to cuOpt's CSR JSON first; LP, MILP and
// VRP bodies go as they came.
import type { SolveProblem, SolveServerConfig } from '../../config.js';
import { mpsInputToLinearProgram, type MpsInput } from './mps.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isMpsInput(input: unknown): input is MpsInput {
  return isObject(input) && input.format === 'mps';
}

export function isVrpInput(input: unknown): boolean {
  return isObject(input) && ('fleet_data' in input || 'task_data' in input || 'cost_matrix_data' in input);
}

/** The body for `POST /cuopt/request`. Throws (naming the line) on an MPS file that does not convert. */
export function cuoptRequestOf(kind: string, input: unknown): unknown {
  if (kind === 'solve' && isMpsInput(input)) return mpsInputToLinearProgram(input);
  return input;
}

/** A single LP/MILP body with any integer variable: a MILP, whose incumbents are worth asking for. */
export function isMilpRequest(body: unknown): boolean {
  return isObject(body) && Array.isArray(body.variable_types) && body.variable_types.includes('I');
}

/**
 * VRP, MILP or LP. An MPS file is a MILP when it marks integer columns or gives integer bounds
 * (BV, LI, UI), read without converting the whole file.
 */
export function solveProblemOf(input: unknown): SolveProblem {
  if (isVrpInput(input)) return 'vrp';
  if (isMpsInput(input)) return mpsHasIntegers(input.mps) ? 'milp' : 'lp';
  return isMilpRequest(input) ? 'milp' : 'lp';
}

function mpsHasIntegers(mps: string): boolean {
  if (/'INTORG'/i.test(mps)) return true;
  const bounds = /^BOUNDS\b/m.exec(mps);
  return bounds !== null && /^\s*(BV|LI|UI)\s/m.test(mps.slice(bounds.index));
}

/** The servers that take `problem`, in the order of preference. */
export function solveServersFor(problem: SolveProblem, servers: readonly SolveServerConfig[]): SolveServerConfig[] {
  return servers.filter((s) => s.problems.includes(problem));
}

/** Why no server takes `problem`, in words that say what to configure. */
export function whyNoSolveServerFor(problem: SolveProblem, servers: readonly SolveServerConfig[]): string {
  const offered = servers.map((s) => `${s.name} takes ${s.problems.join(', ')}`).join('; ');
  const hint = problem === 'vrp' ? ': VRP needs a cuOpt server in kinds.solve.servers' : '';
  return `no solve server takes ${problem.toUpperCase()} problems${hint} (${offered})`;
}
