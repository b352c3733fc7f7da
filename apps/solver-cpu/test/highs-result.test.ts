import { describe, expect, it } from 'vitest';
import { LinearProgram } from '@gpuq/shared';
import { CONTRACTS_LP } from '../../../test/fixtures/problems.js';
import { cuoptStatus, dualObjective, violations } from '../src/highs-result.js';
import { rowBounds, toHighsModel, toHighsOptions } from '../src/highs-model.js';

describe('cuoptStatus', () => {
  it('maps HiGHS outcomes to cuOpt LP names', () => {
    expect(cuoptStatus('optimal', false, true)).toBe('Optimal');
    expect(cuoptStatus('infeasible', false, false)).toBe('PrimalInfeasible');
    expect(cuoptStatus('unbounded', false, true)).toBe('DualInfeasible');
    expect(cuoptStatus('unboundedOrInfeasible', false, false)).toBe('DualInfeasible');
    expect(cuoptStatus('timeLimit', false, true)).toBe('TimeLimit');
    expect(cuoptStatus('iterationLimit', false, true)).toBe('IterationLimit');
    expect(cuoptStatus('solveError', false, false)).toBe('NumericalError');
  });

  it('maps MILP outcomes, with or without an incumbent', () => {
    expect(cuoptStatus('timeLimit', true, true)).toBe('FeasibleFound');
    expect(cuoptStatus('timeLimit', true, false)).toBe('TimeLimit');
    expect(cuoptStatus('infeasible', true, false)).toBe('Infeasible');
    expect(cuoptStatus('unbounded', true, true)).toBe('Unbounded');
    expect(cuoptStatus('unboundedOrInfeasible', true, false)).toBe('NoTermination');
  });
});

describe('the HiGHS model', () => {
  it('turns typed bounds into row ranges', () => {
    const lp = LinearProgram.parse({ ...CONTRACTS_LP, constraint_bounds: { bounds: [1, 2], types: ['G', 'E'] } });
    const rows = rowBounds(lp);
    expect(Array.from(rows.lower)).toEqual([1, 2]);
    expect(Array.from(rows.upper)).toEqual([Infinity, 2]);
  });

  it('defaults variables to 0 ≤ x < ∞ and leaves the offset to the report', () => {
    const { variable_bounds: _v, ...noBounds } = CONTRACTS_LP;
    const model = toHighsModel(LinearProgram.parse({ ...noBounds, objective_data: { coefficients: [1, 2], offset: 5 } }));
    expect(Array.from(model.colLower)).toEqual([0, 0]);
    expect(Array.from(model.colUpper)).toEqual([Infinity, Infinity]);
    expect(model.offset).toBe(0);
    expect(model.integrality).toBeUndefined();
  });

  it('maps solver_config to HiGHS options', () => {
    const lp = LinearProgram.parse({ ...CONTRACTS_LP, solver_config: { time_limit: 3, method: 2, iteration_limit: 99, tolerances: { mip_relative_gap: 0.01, absolute_primal: 1e-14 } } });
    expect(toHighsOptions(lp)).toMatchObject({
      time_limit: 3,
      solver: 'simplex',
      simplex_iteration_limit: 99,
      mip_rel_gap: 0.01,
      // HiGHS' smallest accepted feasibility tolerance.
      primal_feasibility_tolerance: 1e-10,
    });
  });
});

describe('reported statistics', () => {
  const lp = LinearProgram.parse(CONTRACTS_LP);

  it('computes the dual objective from the bounds the duals make active', () => {
    // Row 0 (upper bound 5.4) binds with dual −0.2/3: −0.2/3 × 5.4 = −0.36.
    expect(dualObjective(lp, Float64Array.from([-0.2 / 3, 0]), Float64Array.from([0, 0.1 + (4 * 0.2) / 3]))).toBeCloseTo(-0.36, 12);
    // A dual pushing against an infinite bound means no finite dual objective.
    expect(dualObjective(lp, Float64Array.from([0.5, 0]), Float64Array.from([0, 0]))).toBeNull();
  });

  it('measures violations of rows, bounds and integrality', () => {
    const milp = LinearProgram.parse({ ...CONTRACTS_LP, variable_types: ['I', 'C'] });
    const v = violations(milp, Float64Array.from([1.75, -0.25]), Float64Array.from([5.5, 4.9]));
    expect(v.constraint).toBeCloseTo(0.1, 12);
    expect(v.bound).toBeCloseTo(0.25, 12);
    expect(v.integrality).toBeCloseTo(0.25, 12);
  });
});
