// The `solve` kind's input: an LP or MILP in the cuOpt server's JSON (CSR) form, exactly as
// `POST /cuopt/request` takes it (cuOpt 25.08), with the cross-field checks cuOpt leaves to the solver.
import { z } from 'zod';
import { SolverConfig } from './solver-config.js';

/**
 * |values| at or above this are infinite to the solvers: HiGHS's `infinite_cost` and
 * `infinite_bound` (kHighsInf stands for them), and cuOpt turns "inf" into IEEE infinity. A finite
 * number this large is refused: as a bound it means "inf", as a coefficient HiGHS refuses the model.
 */
export const SOLVER_INFINITY = 1e20;

/** A JSON number (1e400 parses to Infinity, which JSON cannot mean). */
const Finite = z.number({ error: (issue) => (issue.input === undefined ? undefined : 'expected a finite number') });

/** A bound: a number, or cuOpt's strings for infinity. */
export const Bound = z.union([Finite, z.literal('inf'), z.literal('ninf')], {
  error: 'expected a finite number, "inf" or "ninf"',
});
export type Bound = z.infer<typeof Bound>;

const Index = z.number().int('expected an integer').nonnegative('expected an index of 0 or more');

export const CsrMatrix = z.strictObject({
  offsets: z.array(Index).min(1, 'needs at least one entry (rows + 1)'),
  indices: z.array(Index),
  values: z.array(Finite),
});

export const ConstraintBounds = z.strictObject({
  upper_bounds: z.array(Bound).optional(),
  lower_bounds: z.array(Bound).optional(),
  bounds: z.array(Bound).optional(),
  types: z.array(z.enum(['E', 'L', 'G'], { error: 'expected "E", "L" or "G"' })).optional(),
});

export const ObjectiveData = z.strictObject({
  coefficients: z.array(Finite),
  scalability_factor: Finite.nullable().optional(),
  offset: Finite.nullable().optional(),
});

export const VariableBounds = z.strictObject({
  upper_bounds: z.array(Bound),
  lower_bounds: z.array(Bound),
});

export { SolverConfig, Tolerances } from './solver-config.js';

const LinearProgramShape = z.strictObject({
  csr_constraint_matrix: CsrMatrix,
  constraint_bounds: ConstraintBounds,
  objective_data: ObjectiveData,
  variable_bounds: VariableBounds.optional(),
  maximize: z.boolean().default(false),
  variable_types: z.array(z.enum(['C', 'I'], { error: 'expected "C" (continuous) or "I" (integer)' })).optional(),
  variable_names: z.array(z.string().min(1)).optional(),
  solver_config: SolverConfig.optional(),
});

type Issue = { path: (string | number)[]; message: string };

/** The checks that span fields: dimensions that must agree, indices in range, bounds that make sense. */
export function checkLinearProgram(lp: z.infer<typeof LinearProgramShape>): Issue[] {
  const issues: Issue[] = [];
  const { offsets, indices, values } = lp.csr_constraint_matrix;
  const numVars = lp.objective_data.coefficients.length;
  const numRows = offsets.length - 1;
  const csr = (field: string, message: string) => issues.push({ path: ['csr_constraint_matrix', field], message });

  if (offsets[0] !== 0) csr('offsets', `must start at 0, not ${offsets[0]}`);
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i]! < offsets[i - 1]!) {
      csr('offsets', `must not decrease: offsets[${i}] = ${offsets[i]} is below offsets[${i - 1}] = ${offsets[i - 1]}`);
      break;
    }
  }
  if (offsets[numRows] !== indices.length) {
    csr('offsets', `last entry is ${offsets[numRows]} but indices has ${indices.length} entries; they must be equal`);
  }
  if (values.length !== indices.length) {
    csr('values', `has ${values.length} entries but indices has ${indices.length}; they must be equal`);
  }
  const badIndex = indices.findIndex((j) => j >= numVars);
  if (badIndex >= 0) {
    csr(
      'indices',
      `indices[${badIndex}] = ${indices[badIndex]} is out of range: objective_data.coefficients defines ${numVars} variables (0..${numVars - 1})`,
    );
  } else if (issues.length === 0) {
    const duplicate = findDuplicateInRow(offsets, indices);
    if (duplicate) csr('indices', `row ${duplicate.row} lists variable ${duplicate.column} more than once`);
  }

  issues.push(...checkConstraintBounds(lp.constraint_bounds, numRows));
  if (lp.variable_bounds) {
    issues.push(...checkBoundPair(lp.variable_bounds, numVars, ['variable_bounds'], 'variables'));
  }
  if (lp.variable_types && lp.variable_types.length !== numVars) {
    issues.push({ path: ['variable_types'], message: lengthMessage(lp.variable_types.length, numVars, 'variables') });
  }
  if (lp.variable_names) {
    if (lp.variable_names.length !== numVars) {
      issues.push({ path: ['variable_names'], message: lengthMessage(lp.variable_names.length, numVars, 'variables') });
    } else if (new Set(lp.variable_names).size !== numVars) {
      issues.push({ path: ['variable_names'], message: 'names must be unique' });
    }
  }
  return issues;
}

function checkConstraintBounds(cb: z.infer<typeof ConstraintBounds>, numRows: number): Issue[] {
  const hasPair = cb.upper_bounds !== undefined || cb.lower_bounds !== undefined;
  // Beside upper/lower bounds cuOpt ignores `bounds` and refuses only a non-empty `types` (its MPS
  // reader sends all four, `types` empty).
  const hasTyped = hasPair ? (cb.types?.length ?? 0) > 0 : cb.bounds !== undefined || cb.types !== undefined;
  if (hasPair && hasTyped) {
    return [{ path: ['constraint_bounds'], message: 'give either upper_bounds and lower_bounds, or bounds and types, not both' }];
  }
  if (hasTyped) {
    if (!cb.bounds || !cb.types) {
      return [{ path: ['constraint_bounds', cb.bounds ? 'types' : 'bounds'], message: 'bounds and types go together' }];
    }
    const issues: Issue[] = [];
    if (cb.bounds.length !== numRows) {
      issues.push({ path: ['constraint_bounds', 'bounds'], message: lengthMessage(cb.bounds.length, numRows, 'rows') });
    }
    if (cb.types.length !== numRows) {
      issues.push({ path: ['constraint_bounds', 'types'], message: lengthMessage(cb.types.length, numRows, 'rows') });
    }
    const infinite = cb.bounds.findIndex((b) => typeof b === 'string');
    if (infinite >= 0) {
      issues.push({ path: ['constraint_bounds', 'bounds', infinite], message: 'a typed bound must be a finite number' });
    }
    return issues;
  }
  if (!cb.upper_bounds || !cb.lower_bounds) {
    return [
      {
        path: ['constraint_bounds', cb.upper_bounds ? 'lower_bounds' : 'upper_bounds'],
        message: 'give upper_bounds and lower_bounds (one entry per row), or bounds and types',
      },
    ];
  }
  return checkBoundPair({ upper_bounds: cb.upper_bounds, lower_bounds: cb.lower_bounds }, numRows, ['constraint_bounds'], 'rows');
}

function checkBoundPair(
  pair: { upper_bounds: Bound[]; lower_bounds: Bound[] },
  expected: number,
  path: string[],
  what: string,
): Issue[] {
  const issues: Issue[] = [];
  for (const side of ['lower_bounds', 'upper_bounds'] as const) {
    const list = pair[side];
    if (list.length !== expected) issues.push({ path: [...path, side], message: lengthMessage(list.length, expected, what) });
    const wrongInfinity = side === 'lower_bounds' ? 'inf' : 'ninf';
    const at = list.indexOf(wrongInfinity);
    if (at >= 0) {
      issues.push({ path: [...path, side, at], message: `"${wrongInfinity}" cannot be a ${side === 'lower_bounds' ? 'lower' : 'upper'} bound` });
    }
  }
  return issues;
}

function lengthMessage(actual: number, expected: number, what: string): string {
  return `has ${actual} entries; the problem has ${expected} ${what}`;
}

function findDuplicateInRow(offsets: number[], indices: number[]): { row: number; column: number } | undefined {
  const seen = new Map<number, number>();
  for (let row = 0; row + 1 < offsets.length; row++) {
    for (let k = offsets[row]!; k < offsets[row + 1]!; k++) {
      const column = indices[k]!;
      if (seen.get(column) === row) return { row, column };
      seen.set(column, row);
    }
  }
  return undefined;
}

/**
 * Numbers no solver takes, where that is known before solving: a finite value at or above
 * SOLVER_INFINITY in size. One issue per list, at its first such entry.
 */
export function checkLinearProgramValues(
  lp: Pick<z.input<typeof LinearProgramShape>, 'objective_data' | 'csr_constraint_matrix' | 'constraint_bounds' | 'variable_bounds'>,
): Issue[] {
  const issues: Issue[] = [];
  const tooLarge = (value: number) => `${value} is at or above 1e20 in size, which solvers read as infinite (HiGHS refuses it): scale the problem so it stays below`;
  const checkNumbers = (list: readonly number[] | null | undefined, path: (string | number)[]) => {
    const at = list?.findIndex((v) => Math.abs(v) >= SOLVER_INFINITY) ?? -1;
    if (at >= 0) issues.push({ path: [...path, at], message: tooLarge(list![at]!) });
  };
  const checkBounds = (list: readonly Bound[] | undefined, path: (string | number)[], isTyped = false) => {
    const at = list?.findIndex((b) => typeof b === 'number' && Math.abs(b) >= SOLVER_INFINITY) ?? -1;
    if (at < 0) return;
    const hint = isTyped ? 'a typed bound must be finite: use upper_bounds and lower_bounds for a row with no bound on one side' : 'give "inf" or "ninf" for no bound';
    issues.push({ path: [...path, at], message: `${list![at]} is at or above 1e20 in size, which solvers read as infinite: ${hint}` });
  };
  checkNumbers(lp.objective_data.coefficients, ['objective_data', 'coefficients']);
  const offset = lp.objective_data.offset;
  if (offset != null && Math.abs(offset) >= SOLVER_INFINITY) issues.push({ path: ['objective_data', 'offset'], message: tooLarge(offset) });
  checkNumbers(lp.csr_constraint_matrix.values, ['csr_constraint_matrix', 'values']);
  checkBounds(lp.constraint_bounds.lower_bounds, ['constraint_bounds', 'lower_bounds']);
  checkBounds(lp.constraint_bounds.upper_bounds, ['constraint_bounds', 'upper_bounds']);
  checkBounds(lp.constraint_bounds.bounds, ['constraint_bounds', 'bounds'], true);
  checkBounds(lp.variable_bounds?.lower_bounds, ['variable_bounds', 'lower_bounds']);
  checkBounds(lp.variable_bounds?.upper_bounds, ['variable_bounds', 'upper_bounds']);
  return issues;
}

export const LinearProgram = LinearProgramShape.superRefine((lp, ctx) => {
  for (const issue of [...checkLinearProgram(lp), ...checkLinearProgramValues(lp)]) ctx.addIssue({ code: 'custom', ...issue });
});
export type LinearProgram = z.infer<typeof LinearProgram>;


/** True when any variable is integer. */
export function isMilp(lp: Pick<LinearProgram, 'variable_types'>): boolean {
  return lp.variable_types?.includes('I') ?? false;
}
