import { describe, expect, it } from 'vitest';
import { issuesToDetails, JobRequest, LinearProgram, solveProblemOf, SolveInput } from '../src/index.js';
import { CONTRACTS_LP, INFEASIBLE_LP, SMALL_MILP, UNBOUNDED_LP, marketSplitMilp } from '../../../test/fixtures/problems.js';

function problems(input: unknown) {
  const result = LinearProgram.safeParse(input);
  return result.success ? [] : issuesToDetails(result.error.issues);
}

const clone = <T>(value: T): T => structuredClone(value);

describe('LinearProgram (cuOpt LP/MILP JSON)', () => {
  it('accepts every fixture, in both constraint-bound forms', () => {
    for (const lp of [CONTRACTS_LP, SMALL_MILP, INFEASIBLE_LP, UNBOUNDED_LP, marketSplitMilp(1)]) {
      expect(problems(lp)).toEqual([]);
    }
  });

  it('defaults maximize to false and keeps "inf"/"ninf" as given', () => {
    const parsed = LinearProgram.parse(INFEASIBLE_LP);
    expect(parsed.maximize).toBe(false);
    expect(parsed.constraint_bounds.upper_bounds).toEqual(['inf', 1]);
  });

  it('names the offsets when they do not start at 0 or decrease', () => {
    const lp = clone(CONTRACTS_LP);
    lp.csr_constraint_matrix.offsets = [1, 2, 4];
    expect(problems(lp)).toContainEqual({ path: 'csr_constraint_matrix.offsets', message: 'must start at 0, not 1' });
    lp.csr_constraint_matrix.offsets = [0, 3, 2];
    expect(problems(lp)[0]?.message).toMatch(/must not decrease/);
  });

  it('requires offsets to end at the number of entries, and values to match indices', () => {
    const lp = clone(CONTRACTS_LP);
    lp.csr_constraint_matrix.values = [3, 4, 2.7];
    expect(problems(lp)).toContainEqual({ path: 'csr_constraint_matrix.values', message: 'has 3 entries but indices has 4; they must be equal' });
    const short = clone(CONTRACTS_LP);
    short.csr_constraint_matrix.offsets = [0, 2, 3];
    expect(problems(short)[0]).toMatchObject({ path: 'csr_constraint_matrix.offsets', message: expect.stringMatching(/last entry is 3 but indices has 4/) });
  });

  it('refuses a column index outside the variables', () => {
    const lp = clone(CONTRACTS_LP);
    lp.csr_constraint_matrix.indices = [0, 1, 0, 2];
    expect(problems(lp)).toEqual([
      { path: 'csr_constraint_matrix.indices', message: 'indices[3] = 2 is out of range: objective_data.coefficients defines 2 variables (0..1)' },
    ]);
  });

  it('refuses a variable listed twice in one row', () => {
    const lp = clone(CONTRACTS_LP);
    lp.csr_constraint_matrix.indices = [0, 0, 0, 1];
    expect(problems(lp)).toEqual([{ path: 'csr_constraint_matrix.indices', message: 'row 0 lists variable 0 more than once' }]);
  });

  it('checks constraint bounds against the number of rows, in either form, and not both forms', () => {
    const pair = clone(CONTRACTS_LP);
    pair.constraint_bounds.upper_bounds = [5.4];
    expect(problems(pair)).toEqual([{ path: 'constraint_bounds.upper_bounds', message: 'has 1 entries; the problem has 2 rows' }]);

    const typed = clone(SMALL_MILP);
    typed.constraint_bounds.types = ['L'];
    expect(problems(typed)).toEqual([{ path: 'constraint_bounds.types', message: 'has 1 entries; the problem has 2 rows' }]);

    const both = { ...clone(CONTRACTS_LP), constraint_bounds: { ...CONTRACTS_LP.constraint_bounds, bounds: [1, 2], types: ['L', 'L'] } };
    expect(problems(both)[0]?.message).toMatch(/not both/);

    const half = { ...clone(CONTRACTS_LP), constraint_bounds: { upper_bounds: [1, 2] } };
    expect(problems(half)[0]?.path).toBe('constraint_bounds.lower_bounds');
  });

  it('refuses infinities on the wrong side and an infinite typed bound', () => {
    const lp = clone(CONTRACTS_LP) as unknown as { variable_bounds: { lower_bounds: unknown[] } };
    lp.variable_bounds.lower_bounds = ['inf', 0];
    expect(problems(lp)).toEqual([{ path: 'variable_bounds.lower_bounds[0]', message: '"inf" cannot be a lower bound' }]);
    const typed = clone(SMALL_MILP) as unknown as { constraint_bounds: { bounds: unknown[] } };
    typed.constraint_bounds.bounds = ['inf', 6];
    expect(problems(typed)).toEqual([{ path: 'constraint_bounds.bounds[0]', message: 'a typed bound must be a finite number' }]);
  });

  it('checks variable types and names per variable', () => {
    const lp = { ...clone(SMALL_MILP), variable_types: ['I', 'X'] };
    expect(problems(lp)).toEqual([{ path: 'variable_types[1]', message: 'expected "C" (continuous) or "I" (integer)' }]);
    const names = { ...clone(SMALL_MILP), variable_names: ['x', 'x'] };
    expect(problems(names)).toEqual([{ path: 'variable_names', message: 'names must be unique' }]);
    const count = { ...clone(SMALL_MILP), variable_types: ['I'] };
    expect(problems(count)).toEqual([{ path: 'variable_types', message: 'has 1 entries; the problem has 2 variables' }]);
  });

  it('says which field is unknown or missing, and what a bound may be', () => {
    const { objective_data: _dropped, ...missing } = clone(CONTRACTS_LP);
    expect(problems({ ...missing, csr_constraint_matrx: {} })).toEqual([
      { path: 'objective_data', message: 'is required' },
      { path: 'csr_constraint_matrx', message: 'is not a known field' },
    ]);
    const lp = clone(CONTRACTS_LP) as unknown as { variable_bounds: { upper_bounds: unknown[] } };
    lp.variable_bounds.upper_bounds = ['infinity', 1];
    expect(problems(lp)).toEqual([{ path: 'variable_bounds.upper_bounds[0]', message: 'expected a finite number, "inf" or "ninf"' }]);
  });

  it('takes the solver_config settings cuOpt 25.08 knows, each with its type, and names any other', () => {
    // cuOpt 25.08's SolverConfig and Tolerances (data_definition.py): presolve is a boolean there.
    const known = {
      time_limit: 5,
      iteration_limit: null,
      presolve: true,
      method: 2,
      pdlp_solver_mode: 3,
      strict_infeasibility: false,
      num_cpu_threads: 4,
      log_to_console: false,
      solver_mode: 1,
      tolerances: { absolute_primal_tolerance: 1e-6, optimality: 1e-4, absolute_primal: 1e-6, mip_relative_gap: 0 },
    };
    expect(problems({ ...clone(CONTRACTS_LP), solver_config: known })).toEqual([]);
    expect(problems({ ...clone(CONTRACTS_LP), solver_config: { time_limit: -1 } })[0]?.path).toBe('solver_config.time_limit');
    expect(problems({ ...clone(CONTRACTS_LP), solver_config: { presolve: 1 } })).toEqual([{ path: 'solver_config.presolve', message: expect.any(String) }]);
    expect(problems({ ...clone(CONTRACTS_LP), solver_config: { method: 3 } })[0]?.path).toBe('solver_config.method');
    expect(problems({ ...clone(CONTRACTS_LP), solver_config: { time_limit: 5, mip_cuts: true, tolerances: { primal_tol: 1e-6 } } })).toEqual(
      expect.arrayContaining([
        { path: 'solver_config.mip_cuts', message: 'is not a known field' },
        { path: 'solver_config.tolerances.primal_tol', message: 'is not a known field' },
      ]),
    );
  });

  it('takes a file setting only as a bare name, since the file is on the solve server', () => {
    expect(problems({ ...clone(CONTRACTS_LP), solver_config: { log_file: 'solve.log', solution_file: 'x.sol', user_problem_file: 'p.mps' } })).toEqual([]);
    for (const field of ['log_file', 'solution_file', 'user_problem_file']) {
      for (const name of ['/etc/passwd', '../result', 'dir/file.log', '.hidden', '']) {
        expect(problems({ ...clone(CONTRACTS_LP), solver_config: { [field]: name } })).toEqual([
          { path: `solver_config.${field}`, message: 'must be a bare file name (letters, digits, ".", "-", "_"): the file is written on the solve server' },
        ]);
      }
    }
  });

  it('refuses numbers the solvers read as infinite, naming the field, but keeps "inf" and "ninf"', () => {
    const poison = { ...clone(CONTRACTS_LP), objective_data: { coefficients: [1e308, -1e308] } };
    expect(problems(poison)).toEqual([
      {
        path: 'objective_data.coefficients[0]',
        message: '1e+308 is at or above 1e20 in size, which solvers read as infinite (HiGHS refuses it): scale the problem so it stays below',
      },
    ]);
    const matrix = clone(CONTRACTS_LP);
    matrix.csr_constraint_matrix.values = [3, 4, -1e20, 10.1];
    expect(problems(matrix).map((p) => p.path)).toEqual(['csr_constraint_matrix.values[2]']);
    const bounds = clone(CONTRACTS_LP) as unknown as { variable_bounds: { upper_bounds: unknown[] }; constraint_bounds: { lower_bounds: unknown[] } };
    bounds.variable_bounds.upper_bounds = ['inf', 1e30];
    bounds.constraint_bounds.lower_bounds = ['ninf', -1e25];
    expect(problems(bounds)).toEqual([
      { path: 'constraint_bounds.lower_bounds[1]', message: '-1e+25 is at or above 1e20 in size, which solvers read as infinite: give "inf" or "ninf" for no bound' },
      { path: 'variable_bounds.upper_bounds[1]', message: '1e+30 is at or above 1e20 in size, which solvers read as infinite: give "inf" or "ninf" for no bound' },
    ]);
    const offset = { ...clone(CONTRACTS_LP), objective_data: { ...CONTRACTS_LP.objective_data, offset: 1e21 } };
    expect(problems(offset).map((p) => p.path)).toEqual(['objective_data.offset']);
    // 1e400 in a JSON body parses to Infinity.
    const infinite = clone(CONTRACTS_LP);
    infinite.objective_data.coefficients = [JSON.parse('1e400') as number, 1];
    expect(problems(infinite)).toEqual([{ path: 'objective_data.coefficients[0]', message: 'expected a finite number' }]);
    expect(problems({ ...clone(CONTRACTS_LP), objective_data: { coefficients: [9.99e19, -9.99e19] } })).toEqual([]);
  });
});

describe('JobRequest', () => {
  it('applies the default priority and names an unknown kind', () => {
    expect(JobRequest.parse({ kind: 'solve', input: CONTRACTS_LP }).priority).toBe(50);
    const result = JobRequest.safeParse({ kind: 'render', input: {} });
    expect(result.success).toBe(false);
    expect(issuesToDetails(result.error!.issues)).toEqual([{ path: 'kind', message: 'kind must be one of: solve, fold, inference' }]);
  });

  it('prefixes input problems with input', () => {
    const result = JobRequest.safeParse({ kind: 'solve', input: { ...CONTRACTS_LP, maximize: 'yes' }, resources: { vramMb: 0 } });
    expect(issuesToDetails(result.error!.issues).map((d) => d.path)).toEqual(['input.maximize', 'resources.vramMb']);
  });
});

describe('SolveInput (LP/MILP, MPS or VRP)', () => {
  const details = (input: unknown) => {
    const result = SolveInput.safeParse(input);
    return result.success ? [] : issuesToDetails(result.error.issues, ['input']);
  };
  const VRP = {
    cost_matrix_data: { data: { '0': [[0, 1], [1, 0]] } },
    task_data: { task_locations: [1] },
    fleet_data: { vehicle_locations: [[0, 0]] },
  };

  it('accepts each shape', () => {
    expect(details(CONTRACTS_LP)).toEqual([]);
    expect(details(VRP)).toEqual([]);
    expect(details({ format: 'mps', mps: 'ROWS\n N obj\nCOLUMNS\n x obj 1\nENDATA\n' })).toEqual([]);
  });

  it('reports the errors of the shape the input was meant to be, not that it matches none', () => {
    const lp = clone(CONTRACTS_LP) as Record<string, unknown>;
    lp.maximise = true;
    expect(details(lp)).toEqual([{ path: 'input.maximise', message: 'is not a known field' }]);
    expect(details({ ...VRP, task_data: { task_locations: [7] } })).toEqual([
      { path: 'input.task_data.task_locations[0]', message: 'location 7 is outside the cost matrix (locations 0..1)' },
    ]);
    expect(details({ format: 'mps', mps: 'ROWS\n Q obj\n' })).toEqual([{ path: 'input.mps', message: expect.stringMatching(/^line 2: /) }]);
  });

  it('refuses an MPS file with a coefficient the solvers read as infinite, naming its column', () => {
    const text = 'NAME t\nROWS\n N obj\n L c1\nCOLUMNS\n x obj 1e300 c1 1\n y obj 1 c1 -2e25\nRHS\n RHS c1 1e30\nENDATA\n';
    expect(details({ format: 'mps', mps: text })).toEqual([
      { path: 'input.mps', message: expect.stringMatching(/^the objective coefficient of column "x": 1e\+300 is at or above 1e20/) },
      { path: 'input.mps', message: expect.stringMatching(/^the coefficient of column "y" in constraint row 1 \(counting the E, L and G rows of ROWS\): -2e\+25 is at or above 1e20/) },
    ]);
  });

  it('says what is expected when the input resembles no shape in particular', () => {
    expect(details({})).toEqual([{ path: 'input', message: expect.stringMatching(/^expected an LP or MILP in cuOpt’s JSON .*, an MPS file .*, or a VRP in cuOpt’s JSON/) }]);
  });
});

describe('solveProblemOf', () => {
  it('tells a VRP, a MILP and an LP apart, in cuOpt JSON or MPS', () => {
    expect(solveProblemOf({ fleet_data: {}, task_data: {} })).toBe('vrp');
    expect(solveProblemOf(SMALL_MILP)).toBe('milp');
    expect(solveProblemOf(CONTRACTS_LP)).toBe('lp');
    const mps = (body: string) => solveProblemOf({ format: 'mps', mps: `NAME t\nROWS\n N obj\nCOLUMNS\n${body}ENDATA\n` });
    expect(mps(' x obj 1\n')).toBe('lp');
    expect(mps("    MARKER 'MARKER' 'INTORG'\n x obj 1\n    MARKER 'MARKER' 'INTEND'\n")).toBe('milp');
    expect(mps(' x obj 1\nBOUNDS\n BV BND x\n')).toBe('milp');
  });
});
