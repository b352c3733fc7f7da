// MPS files (fixed or free format) read into the `solve` kind's cuOpt LP/MILP JSON. Fields are
// split on whitespace, which reads both formats when names have no spaces. Where MPS readers
// differ we read as HiGHS does; where HiGHS only warns and reads on (duplicates, unknown names,
// crossed bounds) we refuse instead, naming the line, since the solve could only mislead.
import { z } from 'zod';
import { checkLinearProgramValues, SolverConfig } from './linear-program.js';
import { MpsLineError } from './mps-line-error.js';
import { type Problem } from './mps-model.js';
import { MpsReader } from './mps-reader.js';

export interface MpsError {
  /** 1-based line of the submitted text. */
  line: number;
  message: string;
}

export type MpsConversion = { ok: true; problem: Problem; name?: string } | { ok: false; error: MpsError };

export function mpsToLinearProgram(text: string): MpsConversion {
  try {
    const reader = new MpsReader();
    reader.read(text);
    return { ok: true, problem: reader.toProblem(), ...(reader.name === undefined ? {} : { name: reader.name }) };
  } catch (error) {
    if (error instanceof MpsLineError) return { ok: false, error: { line: error.line, message: error.message } };
    throw error;
  }
}

/** A `solve` input given as MPS text. The text is converted once here to check it, once more to run it. */
export const MpsInput = z
  .strictObject({
    format: z.literal('mps'),
    mps: z.string().min(1).max(100_000_000),
    solver_config: SolverConfig.optional(),
  })
  .superRefine((input, ctx) => {
    const converted = mpsToLinearProgram(input.mps);
    if (!converted.ok) {
      ctx.addIssue({ code: 'custom', path: ['mps'], message: `line ${converted.error.line}: ${converted.error.message}` });
      return;
    }
    // The reader makes bounds of 1e20 and more infinite, as HiGHS does; coefficients that large no solver takes.
    for (const issue of checkLinearProgramValues(converted.problem)) {
      ctx.addIssue({ code: 'custom', path: ['mps'], message: `${whereInMps(converted.problem, issue.path)}: ${issue.message}` });
    }
  });
export type MpsInput = z.infer<typeof MpsInput>;

/** An issue's path in the converted problem, in the MPS file's terms: the column and row it is in. */
function whereInMps(problem: Problem, path: readonly (string | number)[]): string {
  const at = Number(path[path.length - 1]);
  const names = problem.variable_names ?? [];
  if (path[0] === 'objective_data' && path[1] === 'coefficients') return `the objective coefficient of column "${names[at]}"`;
  if (path[0] === 'csr_constraint_matrix') {
    const { offsets, indices } = problem.csr_constraint_matrix;
    const row = offsets.findIndex((start, r) => r + 1 < offsets.length && at >= start && at < offsets[r + 1]!);
    return `the coefficient of column "${names[indices[at]!]}" in constraint row ${row + 1} (counting the E, L and G rows of ROWS)`;
  }
  return path.join('.');
}

export function mpsInputToLinearProgram(input: MpsInput): Problem {
  const converted = mpsToLinearProgram(input.mps);
  if (!converted.ok) throw new Error(`MPS line ${converted.error.line}: ${converted.error.message}`);
  return input.solver_config ? { ...converted.problem, solver_config: input.solver_config } : converted.problem;
}
