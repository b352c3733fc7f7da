// The cuOpt server's REST protocol (cuOpt 25.08), as the http executor reads it and solver-cpu
// writes it. Field names and shapes are cuOpt's own; see docs/contracts/cuopt-rest.md.
import { z } from 'zod';
import { issuesToDetails } from './validation.js';

export const LP_STATUSES = [
  'Optimal',
  'PrimalInfeasible',
  'DualInfeasible',
  'IterationLimit',
  'TimeLimit',
  'NumericalError',
  'PrimalFeasible',
  'NoTermination',
] as const;
export const MILP_STATUSES = ['Optimal', 'FeasibleFound', 'Infeasible', 'Unbounded', 'TimeLimit', 'NoTermination'] as const;
export const LpStatus = z.enum(LP_STATUSES);
export type LpStatus = z.infer<typeof LpStatus>;
export const MilpStatus = z.enum(MILP_STATUSES);
export type MilpStatus = z.infer<typeof MilpStatus>;

/** Statuses for which cuOpt fills `solution`; for the others it is `{}`. */
export const STATUSES_WITH_SOLUTION: readonly string[] = ['Optimal', 'IterationLimit', 'TimeLimit', 'FeasibleFound'];

export const LpStatistics = z.object({
  primal_residual: z.number().nullable(),
  dual_residual: z.number().nullable(),
  gap: z.number().nullable(),
  nb_iterations: z.number().int(),
});

export const MilpStatistics = z.object({
  mip_gap: z.number().nullable(),
  solution_bound: z.number().nullable(),
  presolve_time: z.number().nullable(),
  max_constraint_violation: z.number().nullable(),
  max_int_violation: z.number().nullable(),
  max_variable_bound_violation: z.number().nullable(),
  num_nodes: z.number().int(),
  num_simplex_iterations: z.number().int(),
});

export const LpSolution = z.object({
  problem_category: z.enum(['LP', 'MIP', 'IP']),
  primal_solution: z.array(z.number()),
  dual_solution: z.array(z.number()).nullable(),
  primal_objective: z.number(),
  dual_objective: z.number().nullable(),
  solver_time: z.number(),
  solved_by_pdlp: z.boolean(),
  vars: z.record(z.string(), z.number()),
  lp_statistics: z.union([LpStatistics, z.strictObject({})]),
  reduced_cost: z.array(z.number()).nullable(),
  milp_statistics: z.union([MilpStatistics, z.strictObject({})]),
});
export type LpSolution = z.infer<typeof LpSolution>;

export const LpSolverResponse = z.object({
  status: z.union([LpStatus, MilpStatus]),
  solution: z.union([LpSolution, z.strictObject({})]),
});
export type LpSolverResponse = z.infer<typeof LpSolverResponse>;

/** The `response` of a finished LP/MILP solve: what a `solve` job's result is. */
export const LpResponse = z.object({
  /** A list when the request was a batch (a JSON list of LPs). */
  solver_response: z.union([LpSolverResponse, z.array(LpSolverResponse)]),
  total_solve_time: z.number().optional(),
});
export type LpResponse = z.infer<typeof LpResponse>;

/** `POST /cuopt/request` → 200. */
export const SubmitReply = z.object({ reqId: z.string().min(1) });
export type SubmitReply = z.infer<typeof SubmitReply>;

/** Any error body: `{"error": "...", "error_result": true}` (false when the request itself was refused). */
export const ErrorReply = z.object({ error: z.string(), error_result: z.boolean().optional() });
export type ErrorReply = z.infer<typeof ErrorReply>;

/**
 * `GET /cuopt/solution/{id}` → 200 when the server runs with CUOPT_RESULT_DIR and the result is at
 * least CUOPT_MAX_RESULT KB: it wrote the result (the whole reply, `response` and `reqId` included)
 * to `<CUOPT_RESULT_DIR>/<result_file>`, encoded as `format`. No `reqId` here (webserver.py,
 * job_queue.py `BinaryJobResult.get_file_result`).
 */
export const FileResultReply = z.object({
  result_file: z.string().min(1),
  format: z.enum(['json', 'msgpack', 'zlib', 'pickle']).optional(),
  warnings: z.array(z.string()).optional(),
  notes: z.array(z.string()).optional(),
});
export type FileResultReply = z.infer<typeof FileResultReply>;

/** `GET /cuopt/solution/{id}` → 200: finished when `response` is present, pending when only `reqId` is. */
export const SolutionReply = z.object({
  reqId: z.string(),
  response: z.record(z.string(), z.unknown()).optional(),
  warnings: z.array(z.string()).optional(),
  notes: z.array(z.string()).optional(),
});
export type SolutionReply = z.infer<typeof SolutionReply>;

/** `GET /cuopt/request/{id}` → 200 with one of these as a bare JSON string. */
export const RequestStatus = z.enum(['queued', 'running', 'completed', 'aborted']);
export type RequestStatus = z.infer<typeof RequestStatus>;

/** `DELETE /cuopt/request/{id}` → 200: how many entries were aborted or dropped. */
export const AbortReply = z.object({ cached: z.number().int(), queued: z.number().int(), running: z.number().int() });
export type AbortReply = z.infer<typeof AbortReply>;

/**
 * `GET /cuopt/solution/{id}/incumbents` (after a submit with `incumbent_solutions=true`): each
 * improving MILP solution once; when the solve is over and none are left, the one end marker
 * `{"solution": [], "cost": null}`. cuOpt 25.08 sends no `bound`; newer servers add it (a number or
 * null, and null in the end marker).
 */
export const Incumbent = z.object({ solution: z.array(z.number()), cost: z.number().nullable(), bound: z.number().nullable().optional() });
export type Incumbent = z.infer<typeof Incumbent>;

/** The end marker: the request is over and no incumbent is left (`solution` empty, `cost` null). */
export const isEndMarker = (incumbent: Incumbent): boolean => incumbent.cost === null && incumbent.solution.length === 0;

/**
 * `GET /cuopt/log/{id}?frombyte=N` (after a submit with `solver_logs=true`) → 200: the log from
 * byte N, split on newlines (joined with newlines it is the text as written, a last partial line
 * included), and the offset to ask from next. 404 `log not found for request <id>` until the
 * solver has written some.
 */
export const LogReply = z.object({ log: z.array(z.string()), nbytes: z.number().int().nonnegative() });
export type LogReply = z.infer<typeof LogReply>;

/** A solve job's progress while a MILP runs: its best solution so far, from the incumbents. */
export const SolveProgress = z.object({
  incumbents: z.number().int(),
  bestObjective: z.number().nullable(),
  bound: z.number().nullable(),
  /** |best − bound| / |best|, as cuOpt's mip_gap. */
  gap: z.number().nullable(),
});
export type SolveProgress = z.infer<typeof SolveProgress>;

/** `GET /cuopt/health` → 200. */
export const HealthReply = z.object({ status: z.string(), version: z.string() });
export type HealthReply = z.infer<typeof HealthReply>;

/** The only request content type cuOpt's server accepts for JSON (compared exactly: no charset). */
export const CUOPT_JSON = 'application/json';
export const CUOPT_VERSION = '25.08';

/**
 * How the cuOpt server refuses a problem its checks reject: 422 ("unable to validate optimization
 * data stream, …") for one its schema rejects, 400 for one that passes the schema but fails its
 * semantic checks (here: every issue a custom check). Each field is named.
 */
export function refusalOf(issues: readonly z.core.$ZodIssue[], where = ''): { status: 400 | 422; message: string } {
  const details = issuesToDetails(issues).map((d) => `${d.path}: ${d.message}`);
  if (issues.every((issue) => issue.code === 'custom')) return { status: 400, message: `${where}${details.join('; ')}` };
  return { status: 422, message: `unable to validate optimization data stream, ${where}${details.join('; ')}` };
}
