// The MPS converter against hand-worked answers and against HiGHS, which reads the same files itself.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Highs } from 'highs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { LinearProgram, type Bound } from '../src/kinds/solve/linear-program.js';
import { MpsInput, mpsInputToLinearProgram, mpsToLinearProgram } from '../src/kinds/solve/mps.js';

type Problem = z.input<typeof LinearProgram>;

const fixture = (name: string) => readFileSync(new URL(`./fixtures/mps/${name}`, import.meta.url), 'utf8');
const mps = (...lines: string[]) => lines.join('\n') + '\n';

/** Converts, and insists the result is a problem the `solve` kind accepts. */
function convert(text: string): Problem {
  const result = mpsToLinearProgram(text);
  if (!result.ok) throw new Error(`line ${result.error.line}: ${result.error.message}`);
  const parsed = LinearProgram.safeParse(result.problem);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  return result.problem;
}

function errorOf(text: string) {
  const result = mpsToLinearProgram(text);
  expect(result.ok).toBe(false);
  return result.ok ? undefined : result.error;
}

const toNumber = (bound: Bound) => (bound === 'inf' ? Infinity : bound === 'ninf' ? -Infinity : bound);

/** Writes a converted problem as CPLEX LP text, so HiGHS solves it through a reader other than MPS. */
function toLpFormat(problem: Problem): string {
  const names = problem.variable_names!;
  const term = (value: number, name: string) => `${value < 0 ? '-' : '+'} ${Math.abs(value)} ${name}`;
  const { offsets, indices, values } = problem.csr_constraint_matrix;
  const offset = problem.objective_data.offset ?? 0;
  const lines = [problem.maximize ? 'Maximize' : 'Minimize'];
  lines.push(` obj: ${problem.objective_data.coefficients.map((c, j) => term(c, names[j]!)).join(' ')} ${offset < 0 ? '-' : '+'} ${Math.abs(offset)}`);
  lines.push('Subject To');
  for (let row = 0; row + 1 < offsets.length; row++) {
    const terms: string[] = [];
    for (let k = offsets[row]!; k < offsets[row + 1]!; k++) terms.push(term(values[k]!, names[indices[k]!]!));
    const expression = terms.length > 0 ? terms.join(' ') : `+ 0 ${names[0]}`;
    const lower = toNumber(problem.constraint_bounds.lower_bounds![row]!);
    const upper = toNumber(problem.constraint_bounds.upper_bounds![row]!);
    // HiGHS's LP reader takes no ranged rows: a range becomes two rows.
    if (lower === upper) lines.push(` r${row}: ${expression} = ${lower}`);
    else {
      if (lower > -Infinity) lines.push(` r${row}_lo: ${expression} >= ${lower}`);
      if (upper < Infinity) lines.push(` r${row}_up: ${expression} <= ${upper}`);
    }
  }
  lines.push('Bounds');
  names.forEach((name, j) => {
    const lower = toNumber(problem.variable_bounds!.lower_bounds[j]!);
    const upper = toNumber(problem.variable_bounds!.upper_bounds[j]!);
    if (lower === -Infinity && upper === Infinity) lines.push(` ${name} free`);
    else if (lower === upper) lines.push(` ${name} = ${lower}`);
    else if (upper === Infinity) lines.push(` ${name} >= ${lower}`);
    else lines.push(` ${lower === -Infinity ? '-inf' : lower} <= ${name} <= ${upper}`);
  });
  const integers = names.filter((_, j) => problem.variable_types?.[j] === 'I');
  if (integers.length > 0) lines.push('General', ...integers.map((name) => ` ${name}`));
  lines.push('End');
  return lines.join('\n');
}

interface Optimum {
  objective: number;
  values: number[];
}

let highs: Highs;
beforeAll(async () => {
  // Loaded as solver-cpu loads it: the package's types describe its CommonJS entry.
  highs = await (createRequire(import.meta.url)('highs') as () => Promise<Highs>)();
});

function solveConverted(problem: Problem): Optimum {
  const solution = highs.solve(toLpFormat(problem));
  if (solution.Status === 'Infeasible') throw new Error('HiGHS finds the converted problem infeasible');
  expect(solution.Status).toBe('Optimal');
  return { objective: solution.ObjectiveValue, values: problem.variable_names!.map((name) => solution.Columns[name]!.Primal) };
}

function solveMpsWithHighs(text: string): Optimum {
  return highs.withModel({ format: 'mps', data: text }, (model) => {
    model.run();
    expect(model.getModelStatus()).toBe(highs.constants.modelStatus.optimal);
    return { objective: model.getObjectiveValue(), values: Array.from(model.getSolution().colValue) };
  });
}

/** The model HiGHS's own MPS reader builds, in the converter's terms. */
function highsReading(text: string) {
  return highs.withModel({ format: 'mps', data: text }, (model) => {
    const lp = model.getLp('csr');
    return {
      maximize: lp.sense === highs.constants.objectiveSense.maximize,
      offset: lp.offset,
      coefficients: Array.from(lp.colCost),
      columnLower: Array.from(lp.colLower),
      columnUpper: Array.from(lp.colUpper),
      rowLower: Array.from(lp.rowLower),
      rowUpper: Array.from(lp.rowUpper),
      offsets: Array.from(lp.matrix.starts),
      indices: Array.from(lp.matrix.indices),
      values: Array.from(lp.matrix.values),
      isInteger: Array.from({ length: lp.numCols }, (_, j) => (lp.integrality?.[j] ?? 0) === highs.constants.variableType.integer),
    };
  });
}

function inTheSameTerms(problem: Problem) {
  return {
    maximize: problem.maximize ?? false,
    offset: problem.objective_data.offset ?? 0,
    coefficients: problem.objective_data.coefficients,
    columnLower: problem.variable_bounds!.lower_bounds.map(toNumber),
    columnUpper: problem.variable_bounds!.upper_bounds.map(toNumber),
    rowLower: problem.constraint_bounds.lower_bounds!.map(toNumber),
    rowUpper: problem.constraint_bounds.upper_bounds!.map(toNumber),
    offsets: problem.csr_constraint_matrix.offsets,
    indices: problem.csr_constraint_matrix.indices,
    values: problem.csr_constraint_matrix.values,
    isInteger: problem.variable_types!.map((type) => type === 'I'),
  };
}

function expectOptimum(actual: Optimum, expected: Optimum) {
  expect(actual.objective).toBeCloseTo(expected.objective, 6);
  expect(actual.values).toHaveLength(expected.values.length);
  actual.values.forEach((value, j) => expect(value, `variable ${j}`).toBeCloseTo(expected.values[j]!, 6));
}

/** Each fixture, with the optimum worked out by hand in its header comment. */
const SOLVED_FIXTURES: { file: string; optimum: Optimum }[] = [
  { file: 'all-rows.mps', optimum: { objective: 3, values: [1, -1, 6] } },
  { file: 'ranges.mps', optimum: { objective: 4, values: [6, 5, 5, 1, 4, 5, 2] } },
  { file: 'bounds.mps', optimum: { objective: -15, values: [4, 2, 3, -5, -2, -3, 1, 7, 2] } },
  { file: 'knapsack-milp.mps', optimum: { objective: 27.5, values: [0, 1, 1, 1, 3, 0.5] } },
  { file: 'wyndor-free.mps', optimum: { objective: 36, values: [2, 6] } },
];

describe('mpsToLinearProgram: the conversion', () => {
  it('builds the CSR rows, bounds, objective and constant of a fixed-format LP with every row type', () => {
    const result = mpsToLinearProgram(fixture('all-rows.mps'));
    expect(result).toEqual({
      ok: true,
      name: 'ALLROWS',
      problem: {
        // Rows LIM1 (L), LIM2 (G), MYEQN (E); the free row SPARE is dropped with its entries.
        csr_constraint_matrix: { offsets: [0, 2, 3, 5], indices: [0, 1, 0, 1, 2], values: [1, 1, 1, -1, 1] },
        constraint_bounds: { lower_bounds: ['ninf', 1, 7], upper_bounds: [4, 'inf', 7] },
        objective_data: { coefficients: [1, 2, -1], scalability_factor: 1, offset: 10 },
        variable_bounds: { lower_bounds: [0, -1, 0], upper_bounds: [4, 1, 'inf'] },
        maximize: false,
        variable_types: ['C', 'C', 'C'],
        variable_names: ['X1', 'X2', 'X3'],
      },
    });
  });

  it('reads an objective RHS as minus the constant, as HiGHS does', () => {
    const problem = convert(mps('ROWS', ' N obj', 'COLUMNS', ' x obj 1', 'RHS', ' rhs obj 5', 'ENDATA'));
    expect(problem.objective_data.offset).toBe(-5);
    expect(highsReading(mps('ROWS', ' N obj', 'COLUMNS', ' x obj 1', 'RHS', ' rhs obj 5', 'ENDATA')).offset).toBe(-5);
  });

  it('applies RANGES to L, G and E rows, with the sign rule for E rows', () => {
    const problem = convert(fixture('ranges.mps'));
    // Rows in order RL, RLN, RG, RGN, EP, EN, EZ.
    expect(problem.constraint_bounds).toEqual({ lower_bounds: [6, 5, 2, 1, 3, 1, 4], upper_bounds: [10, 7, 5, 2, 5, 3, 4] });
  });

  it('reads every bound type into bounds and integrality', () => {
    const problem = convert(fixture('bounds.mps'));
    expect(problem.variable_names).toEqual(['u', 'l', 'fx', 'fr', 'mi', 'pl', 'bv', 'li', 'ui']);
    expect(problem.variable_bounds).toEqual({
      lower_bounds: [0, 2, 3, 'ninf', 'ninf', -3, 0, 2, 0],
      upper_bounds: [4, 'inf', 3, 'inf', -2, 'inf', 1, 'inf', 3],
    });
    expect(problem.variable_types).toEqual(['C', 'C', 'C', 'C', 'C', 'C', 'I', 'I', 'I']);
  });

  it('makes MARKER integers binary when they have no bounds, and keeps the bounds given otherwise', () => {
    const problem = convert(fixture('knapsack-milp.mps'));
    expect(problem.maximize).toBe(true);
    expect(problem.variable_types).toEqual(['I', 'I', 'I', 'I', 'I', 'C']);
    expect(problem.variable_bounds).toEqual({ lower_bounds: [0, 0, 0, 0, 0, 0], upper_bounds: [1, 1, 1, 1, 10, 0.5] });
    expect(problem.objective_data).toEqual({ coefficients: [8, 11, 6, 4, 1, 2], scalability_factor: 1, offset: 2.5 });
  });

  it('keeps an integer MARKER column general once any bound names it', () => {
    const text = (bound: string) =>
      mps('ROWS', ' N obj', 'COLUMNS', " m 'MARKER' 'INTORG'", ' x obj 1', " m 'MARKER' 'INTEND'", 'BOUNDS', bound, 'ENDATA');
    expect(convert(text(' LO b x 2')).variable_bounds).toEqual({ lower_bounds: [2], upper_bounds: ['inf'] });
    expect(convert(text(' MI b x')).variable_bounds).toEqual({ lower_bounds: ['ninf'], upper_bounds: ['inf'] });
    expect(convert(text(' UP b x 7')).variable_bounds).toEqual({ lower_bounds: [0], upper_bounds: [7] });
  });

  it('reads the sense from an OBJSENSE section or line, and minimises without one', () => {
    const body = ['ROWS', ' N obj', 'COLUMNS', ' x obj 1', 'ENDATA'];
    expect(convert(mps(...body)).maximize).toBe(false);
    expect(convert(mps('OBJSENSE', '    MAX', ...body)).maximize).toBe(true);
    expect(convert(mps('OBJSENSE', '    MAXIMIZE', ...body)).maximize).toBe(true);
    expect(convert(mps('OBJSENSE', '    MINIMIZE', ...body)).maximize).toBe(false);
    expect(convert(mps('OBJSENSE MAX', ...body)).maximize).toBe(true);
    expect(convert(mps('OBJSENSE    MIN', ...body)).maximize).toBe(false);
  });

  it('reads free format with long names and tabs the same way as fixed format', () => {
    const problem = convert(fixture('wyndor-free.mps'));
    expect(problem).toMatchObject({
      csr_constraint_matrix: { offsets: [0, 1, 2, 4], indices: [0, 1, 0, 1], values: [1, 2, 3, 2] },
      constraint_bounds: { lower_bounds: ['ninf', 'ninf', 'ninf'], upper_bounds: [4, 12, 18] },
      objective_data: { coefficients: [3, 5], offset: 0 },
      maximize: true,
      variable_names: ['glass_doors', 'aluminium_windows'],
    });
    const fixed = fixture('all-rows.mps');
    const free = fixed.replaceAll(/ +/g, ' ').replaceAll('X1', 'first_variable').replaceAll('LIM1', 'first_limit');
    const fromFree = convert(free);
    expect({ ...fromFree, variable_names: undefined }).toEqual({ ...convert(fixed), variable_names: undefined });
    expect(fromFree.variable_names).toEqual(['first_variable', 'X2', 'X3']);
  });

  it('drops free rows with their coefficients and RHS, keeping the first N row as the objective', () => {
    const problem = convert(
      mps('ROWS', ' N free1', ' L c1', ' N free2', 'COLUMNS', ' x free1 3 c1 1', ' x free2 5', 'RHS', ' rhs c1 4 free2 9', 'RANGES', ' rng free2 1', 'ENDATA'),
    );
    expect(problem.objective_data).toEqual({ coefficients: [3], scalability_factor: 1, offset: 0 });
    expect(problem.csr_constraint_matrix).toEqual({ offsets: [0, 1], indices: [0], values: [1] });
  });

  it('takes RHS, RANGES and BOUNDS lines with a blank set name, as fixed-format files leave it', () => {
    const problem = convert(
      mps('ROWS', ' N obj', ' L c1', ' G c2', 'COLUMNS', ' x obj 1 c1 1', ' y obj 1 c2 1', 'RHS', '              c1 4 c2 1', 'RANGES', '              c1 2', 'BOUNDS', ' UP           x 3', ' FR           y', 'ENDATA'),
    );
    expect(problem.constraint_bounds).toEqual({ lower_bounds: [2, 1], upper_bounds: [4, 'inf'] });
    expect(problem.variable_bounds).toEqual({ lower_bounds: [0, 'ninf'], upper_bounds: [3, 'inf'] });
  });

  it('reads D exponents, infinities, 1e20 and beyond as infinite bounds, CRLF line ends and comments', () => {
    const text = [
      '* a comment',
      'NAME   with spaces in name',
      '',
      'ROWS',
      ' N obj',
      ' L c1',
      ' G c2',
      'COLUMNS',
      ' x obj 1.5D+01 c1 2d0',
      ' x c2 -1E-1',
      'RHS',
      ' rhs c1 1e30 c2 -Infinity',
      'BOUNDS',
      ' LO b x -1e20',
      ' UP b x inf',
      'ENDATA',
    ].join('\r\n');
    const result = mpsToLinearProgram(text);
    expect(result).toMatchObject({ ok: true, name: 'with spaces in name' });
    const problem = convert(text);
    expect(problem.objective_data.coefficients).toEqual([15]);
    expect(problem.csr_constraint_matrix.values).toEqual([2, -0.1]);
    expect(problem.constraint_bounds).toEqual({ lower_bounds: ['ninf', 'ninf'], upper_bounds: ['inf', 'inf'] });
    expect(problem.variable_bounds).toEqual({ lower_bounds: ['ninf'], upper_bounds: ['inf'] });
  });

  it('accepts a negative UP bound once MI or LO has lowered the default lower bound', () => {
    const text = (bounds: string[]) => mps('ROWS', ' N obj', 'COLUMNS', ' x obj 1', 'BOUNDS', ...bounds, 'ENDATA');
    expect(convert(text([' UP b x -5', ' MI b x'])).variable_bounds).toEqual({ lower_bounds: ['ninf'], upper_bounds: [-5] });
    expect(convert(text([' LO b x -9', ' UP b x -5'])).variable_bounds).toEqual({ lower_bounds: [-9], upper_bounds: [-5] });
  });

  it('leaves out exact zeros from the matrix and omits the name when NAME has none', () => {
    const result = mpsToLinearProgram(mps('NAME', 'ROWS', ' N obj', ' L c1', 'COLUMNS', ' x obj 1 c1 0', ' y c1 2', 'ENDATA'));
    expect(result.ok && result.name).toBe(undefined);
    expect(result.ok && result.problem.csr_constraint_matrix).toEqual({ offsets: [0, 1], indices: [1], values: [2] });
  });
});

describe('mpsToLinearProgram: the same model as HiGHS reads, and the same optimum', () => {
  it.each(SOLVED_FIXTURES)('$file: HiGHS reading the MPS builds the model the converter builds', ({ file }) => {
    const text = fixture(file);
    expect(inTheSameTerms(convert(text))).toEqual(highsReading(text));
  });

  it.each([
    { case: 'MI alone keeps the upper bound', text: mps('ROWS', ' N obj', 'COLUMNS', ' x obj 1', 'BOUNDS', ' MI b x', 'ENDATA') },
    { case: 'BV on a continuous column', text: mps('ROWS', ' N obj', 'COLUMNS', ' x obj 1', 'BOUNDS', ' BV b x', 'ENDATA') },
    {
      case: 'a MARKER integer with only a lower bound',
      text: mps('ROWS', ' N obj', 'COLUMNS', " m 'MARKER' 'INTORG'", ' x obj 1', " m 'MARKER' 'INTEND'", 'BOUNDS', ' LO b x 2', 'ENDATA'),
    },
    {
      case: 'free rows, a range on an N row, D exponents and infinite RHS',
      text: mps('ROWS', ' N obj', ' L c1', ' N spare', ' G c2', 'COLUMNS', ' x obj 1.5D+01 c1 2d0', ' x spare 3 c2 -1', 'RHS', ' rhs c1 1e30 c2 -1e25', 'RANGES', ' rng spare 4', 'ENDATA'),
    },
    {
      // HiGHS's reader takes a blank set name in RHS and BOUNDS, not in RANGES.
      case: 'blank RHS and BOUNDS set names',
      text: mps('ROWS', ' N obj', ' L c1', 'COLUMNS', ' x obj 1 c1 1', 'RHS', '    c1 4', 'BOUNDS', ' UP    x 3', 'ENDATA'),
    },
  ])('reads $case as HiGHS does', ({ text }) => {
    expect(inTheSameTerms(convert(text))).toEqual(highsReading(text));
  });

  it('refuses a negative UP over the default lower bound 0, which HiGHS keeps and so makes infeasible', () => {
    const text = mps('ROWS', ' N obj', 'COLUMNS', ' x obj 1', 'BOUNDS', ' UP b x -5', 'ENDATA');
    expect(highsReading(text)).toMatchObject({ columnLower: [0], columnUpper: [-5] });
    expect(errorOf(text)?.message).toMatch(/below its default lower bound 0: add an MI or LO bound/);
  });

  it.each(SOLVED_FIXTURES)('$file: the converted model, HiGHS on the MPS and the hand answer agree', ({ file, optimum }) => {
    const text = fixture(file);
    expectOptimum(solveConverted(convert(text)), optimum);
    expectOptimum(solveMpsWithHighs(text), optimum);
  });
});

describe('mpsToLinearProgram: errors name the line and what to fix', () => {
  // Lines:        1          2       3         4        5          6                7      8            9         10            11
  const base = ['NAME t', 'ROWS', ' N obj', ' L c1', 'COLUMNS', ' x obj 1 c1 1', 'RHS', ' rhs c1 4', 'BOUNDS', ' UP bnd x 3', 'ENDATA'];
  const edit = (at: number, ...lines: string[]) => mps(...base.slice(0, at - 1), ...lines, ...base.slice(at));
  const insert = (before: number, ...lines: string[]) => mps(...base.slice(0, before - 1), ...lines, ...base.slice(before - 1));

  it('accepts the base file the cases below break', () => {
    expect(convert(mps(...base)).variable_bounds).toEqual({ lower_bounds: [0], upper_bounds: [3] });
  });

  it.each([
    { why: 'an unknown section', text: insert(2, 'SECTIONS'), line: 2, message: 'unknown section "SECTIONS": expected NAME, OBJSENSE, ROWS, COLUMNS, RHS, RANGES, BOUNDS or ENDATA' },
    { why: 'a section cuOpt cannot take', text: insert(11, 'QUADOBJ', ' x x 1'), line: 11, message: 'section QUADOBJ (a quadratic objective) is not supported: cuOpt takes linear problems' },
    { why: 'a row type other than N, E, L, G', text: edit(4, ' X c1'), line: 4, message: 'row type "X" is not one of N, E, L, G' },
    { why: 'a row defined twice', text: insert(5, ' G c1'), line: 5, message: 'row "c1" is defined twice (first at line 4)' },
    { why: 'a name with a space', text: edit(4, ' L c 1'), line: 4, message: 'expected a row type and a row name, found 3 fields (fields are split on spaces, so names cannot contain them)' },
    { why: 'no objective row', text: edit(3, ' G c0'), line: 2, message: 'ROWS has no N row: the first N row is the objective' },
    { why: 'a column naming an unknown row', text: edit(6, ' x obj 1 c2 1'), line: 6, message: 'column "x" refers to row "c2", which ROWS does not define' },
    { why: 'a bad coefficient', text: edit(6, ' x obj 1 c1 1.2.3'), line: 6, message: 'the coefficient of column "x" in row "c1" is "1.2.3", which is not a number' },
    { why: 'an infinite coefficient', text: edit(6, ' x obj 1 c1 1e400'), line: 6, message: 'the coefficient of column "x" in row "c1" must be finite, not "1e400"' },
    { why: 'a column listing a row twice', text: insert(7, ' x c1 2'), line: 7, message: 'column "x" lists row "c1" twice' },
    { why: 'a column listing the objective twice', text: insert(7, ' x obj 2'), line: 7, message: 'column "x" lists row "obj" twice' },
    { why: 'a column split by another', text: insert(7, ' y obj 1', ' x obj 2'), line: 8, message: 'column "x" appears again after other columns (first at line 6); MPS lists each column\'s entries together' },
    { why: 'a COLUMNS line with a missing value', text: edit(6, ' x obj 1 c1'), line: 6, message: 'expected a column name and one or two (row, value) pairs, found 4 fields (fields are split on spaces, so names cannot contain them)' },
    { why: "an 'INTEND' with no 'INTORG'", text: insert(6, " m 'MARKER' 'INTEND'"), line: 6, message: "'INTEND' without an 'INTORG' before it" },
    { why: 'a nested INTORG', text: insert(6, " m 'MARKER' 'INTORG'", " m 'MARKER' 'INTORG'"), line: 7, message: "'INTORG' inside the integer block opened at line 6" },
    { why: 'an RHS on an unknown row', text: edit(8, ' rhs c9 4'), line: 8, message: 'RHS refers to row "c9", which ROWS does not define' },
    { why: 'a bad RHS', text: edit(8, ' rhs c1 four'), line: 8, message: 'the RHS of row "c1" is "four", which is not a number' },
    { why: 'a second RHS for a row', text: insert(9, ' rhs c1 5'), line: 9, message: 'row "c1" has a second RHS (the first is at line 8)' },
    { why: 'a second RHS vector', text: insert(9, ' rhs2 obj 5'), line: 9, message: 'a second RHS vector "rhs2" (line 8 uses "rhs"): only one is supported; remove the others' },
    { why: 'an infinite objective RHS', text: insert(9, ' rhs obj 1e20'), line: 9, message: 'the RHS of the objective row "obj" must be finite' },
    { why: 'an E row with an infinite RHS', text: mps('ROWS', ' N obj', ' E e', 'COLUMNS', ' x e 1', 'RHS', ' rhs e 1e30', 'ENDATA'), line: 7, message: 'row "e" can never hold: its bounds work out to [Infinity, Infinity]' },
    { why: 'a range on an unknown row', text: insert(9, 'RANGES', ' rng c9 1'), line: 10, message: 'RANGES refers to row "c9", which ROWS does not define' },
    { why: 'a second range for a row', text: insert(9, 'RANGES', ' rng c1 1', ' rng c1 2'), line: 11, message: 'row "c1" has a second range (the first is at line 10)' },
    { why: 'a bound on an unknown column', text: edit(10, ' UP bnd z 3'), line: 10, message: 'BOUNDS refers to column "z", which COLUMNS does not define' },
    { why: 'an unknown bound type', text: edit(10, ' XX bnd x 3'), line: 10, message: 'bound type "XX" is not one of UP, LO, FX, FR, MI, PL, BV, LI, UI' },
    { why: 'a semi-continuous bound', text: edit(10, ' SC bnd x 3'), line: 10, message: 'SC (semi-continuous) bounds are not supported: cuOpt has no such variables; model "x = 0 or l ≤ x ≤ u" with a binary variable' },
    { why: 'a bad bound', text: edit(10, ' UP bnd x 3,5'), line: 10, message: 'the UP bound of column "x" is "3,5", which is not a number' },
    { why: 'a bound with no value', text: edit(10, ' UP bnd x'), line: 10, message: 'the UP bound of column "x" has no value' },
    { why: 'a bound given twice', text: insert(11, ' UP bnd x 4'), line: 11, message: 'column "x" already has an upper bound (line 10); give each bound once' },
    { why: 'a negative UP over the default lower bound 0', text: edit(10, ' UP bnd x -5'), line: 10, message: 'the upper bound -5 of column "x" is below its default lower bound 0: add an MI or LO bound if it may be negative' },
    { why: 'crossed bounds', text: insert(11, ' LO bnd x 5'), line: 11, message: 'the bounds of column "x" cross: lower 5 is above upper 3' },
    { why: 'a second BOUNDS vector', text: insert(11, ' LO bnd2 x 1'), line: 11, message: 'a second BOUNDS vector "bnd2" (line 10 uses "bnd"): only one is supported; remove the others' },
    { why: 'a bad OBJSENSE', text: insert(2, 'OBJSENSE', '    SIDEWAYS'), line: 3, message: 'OBJSENSE must be MAX or MIN, not "SIDEWAYS"' },
    { why: 'an OBJSENSE given twice', text: insert(2, 'OBJSENSE MAX', '    MIN'), line: 3, message: 'OBJSENSE is already given at line 2' },
    { why: 'a semi-integer bound', text: edit(10, ' SI bnd x 3'), line: 10, message: 'SI (semi-integer) bounds are not supported: cuOpt has no such variables; model "x = 0 or l ≤ x ≤ u" with a binary variable' },
    { why: 'an empty OBJSENSE', text: insert(2, 'OBJSENSE'), line: 3, message: 'OBJSENSE needs a line saying MAX or MIN' },
    { why: 'data outside any section', text: insert(2, ' N obj'), line: 2, message: 'data outside any section: "N obj" (data lines belong under ROWS, COLUMNS, ...)' },
    { why: 'a second section of one kind', text: insert(11, 'RHS', ' rhs c1 5'), line: 11, message: 'a second RHS section (the first is at line 7)' },
    { why: 'COLUMNS before ROWS', text: mps('COLUMNS', ' x obj 1', 'ENDATA'), line: 1, message: 'COLUMNS comes before ROWS: MPS lists the rows first' },
    { why: 'no ROWS section', text: mps('NAME t', 'ENDATA'), line: 2, message: 'no ROWS section before ENDATA' },
    { why: 'RHS before COLUMNS', text: mps('ROWS', ' N obj', 'RHS', ' rhs obj 1', 'ENDATA'), line: 3, message: 'RHS comes before COLUMNS: it must follow the COLUMNS section' },
    { why: 'no COLUMNS section', text: mps('ROWS', ' N obj', 'ENDATA'), line: 3, message: 'no COLUMNS section before ENDATA' },
    { why: 'no columns in COLUMNS', text: mps('ROWS', ' N obj', 'COLUMNS', 'ENDATA'), line: 3, message: 'COLUMNS lists no columns' },
    { why: 'a file cut short', text: mps(...base.slice(0, 8)), line: 8, message: 'the file ends without ENDATA; it may have been cut short' },
    { why: 'an empty file', text: '', line: 1, message: 'the file ends without ENDATA; it may have been cut short' },
  ])('refuses $why', ({ text, line, message }) => {
    expect(errorOf(text)).toEqual({ line, message });
  });
});

describe('MpsInput and mpsInputToLinearProgram', () => {
  const text = fixture('wyndor-free.mps');

  it('accepts MPS text and converts it with the solver config attached', () => {
    const input = MpsInput.parse({ format: 'mps', mps: text, solver_config: { time_limit: 5 } });
    const problem = mpsInputToLinearProgram(input);
    expect(problem.solver_config).toEqual({ time_limit: 5 });
    expect(LinearProgram.safeParse(problem).success).toBe(true);
    expect(solveConverted(problem).objective).toBeCloseTo(36, 6);
    expect(mpsInputToLinearProgram(MpsInput.parse({ format: 'mps', mps: text }))).not.toHaveProperty('solver_config');
  });

  it('reports an invalid file as one issue on mps, naming the line', () => {
    const result = MpsInput.safeParse({ format: 'mps', mps: text.replace(' L plant_2_hours', ' Q plant_2_hours') });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ code: 'custom', path: ['mps'], message: 'line 9: row type "Q" is not one of N, E, L, G' }),
    ]);
  });

  it('refuses unknown fields and an empty file', () => {
    expect(MpsInput.safeParse({ format: 'mps', mps: text, extra: 1 }).success).toBe(false);
    expect(MpsInput.safeParse({ format: 'mps', mps: '' }).error?.issues[0]?.path).toEqual(['mps']);
  });

  it('throws an error naming the line when given text that does not convert', () => {
    expect(() => mpsInputToLinearProgram({ format: 'mps', mps: 'ROWS\n N obj\n' })).toThrow(
      'MPS line 2: the file ends without ENDATA; it may have been cut short',
    );
  });
});

describe('mpsToLinearProgram: size', () => {
  // About 1.2 s in plain Node and 2 s cold under vitest on a 2-core box; a quadratic step would
  // take minutes and run into the generous limit. The time itself is not asserted.
  it('converts a 20 MB file with a million nonzeros', { timeout: 60_000 }, () => {
    const numRows = 100_000;
    const numColumns = 200_000;
    const lines = ['NAME big', 'ROWS', ' N obj'];
    for (let row = 0; row < numRows; row++) lines.push(` L r${row}`);
    lines.push('COLUMNS');
    for (let column = 0; column < numColumns; column++) {
      // Five distinct rows per column: 1,000,000 nonzeros.
      const rows = [0, 1, 2, 3, 4].map((k) => (column * 7 + k * 13) % numRows);
      lines.push(` x${column} obj ${(column % 10) + 1} r${rows[0]} 1.5`, ` x${column} r${rows[1]} -2 r${rows[2]} 3.25`, ` x${column} r${rows[3]} 4 r${rows[4]} -1e-3`);
    }
    lines.push('RHS');
    for (let row = 0; row < numRows; row++) lines.push(` rhs r${row} ${row}`);
    lines.push('BOUNDS');
    for (let column = 0; column < numColumns; column += 2) lines.push(` UP bnd x${column} 10`);
    lines.push('ENDATA');
    const text = lines.join('\n');

    const result = mpsToLinearProgram(text);

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { offsets, indices, values } = result.problem.csr_constraint_matrix;
    expect(offsets).toHaveLength(numRows + 1);
    expect(offsets.at(-1)).toBe(1_000_000);
    expect(indices).toHaveLength(1_000_000);
    // Row 0 gets column 0's first entry (1.5) before any later column's.
    expect([indices[0], values[0]]).toEqual([0, 1.5]);
    expect(result.problem.constraint_bounds.upper_bounds?.[numRows - 1]).toBe(numRows - 1);
  });
});
