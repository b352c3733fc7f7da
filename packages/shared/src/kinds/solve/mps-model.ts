// What an MPS reader has read, and how it becomes cuOpt's LP: row bounds from RHS and ranges, column
// bounds, the matrix by row (CSR). A base class so mps-reader.ts fills these fields in without copying them.
import { type z } from 'zod';
import { type Bound, type LinearProgram } from './linear-program.js';
import { fail } from './mps-line-error.js';

export type Problem = z.input<typeof LinearProgram>;

type RowType = 'E' | 'L' | 'G';

export abstract class MpsModel {
  protected maximize = false;

  protected readonly rowNames: string[] = [];
  protected readonly rowTypes: RowType[] = [];
  protected rhs = new Float64Array(0);
  protected rhsLines = new Int32Array(0);
  protected ranges = new Float64Array(0);
  protected rangeLines = new Int32Array(0);
  protected offset = 0;

  protected readonly columnNames: string[] = [];
  protected readonly objective: number[] = [];
  protected readonly isInteger: boolean[] = [];
  protected readonly isMarkerInteger: boolean[] = [];
  /** The matrix by column, as MPS lists it: column j's entries are columnStarts[j] to columnStarts[j + 1]. */
  protected readonly columnStarts: number[] = [];
  protected readonly entryRows: number[] = [];
  protected readonly entryValues: number[] = [];

  protected lower = new Float64Array(0);
  protected upper = new Float64Array(0);
  protected lowerLines = new Int32Array(0);
  protected upperLines = new Int32Array(0);

  toProblem(): Problem {
    const numRows = this.rowTypes.length;
    const numColumns = this.columnNames.length;
    const rowLower: Bound[] = new Array<Bound>(numRows);
    const rowUpper: Bound[] = new Array<Bound>(numRows);
    for (let row = 0; row < numRows; row++) {
      const [lower, upper] = this.rowBounds(row);
      rowLower[row] = lower === -Infinity ? 'ninf' : lower;
      rowUpper[row] = upper === Infinity ? 'inf' : upper;
    }
    const columnLower: Bound[] = new Array<Bound>(numColumns);
    const columnUpper: Bound[] = new Array<Bound>(numColumns);
    for (let column = 0; column < numColumns; column++) {
      const [lower, upper] = this.columnBounds(column);
      columnLower[column] = lower === -Infinity ? 'ninf' : lower;
      columnUpper[column] = upper === Infinity ? 'inf' : upper;
    }
    return {
      csr_constraint_matrix: this.rowWiseMatrix(numRows),
      constraint_bounds: { lower_bounds: rowLower, upper_bounds: rowUpper },
      objective_data: { coefficients: this.objective, scalability_factor: 1, offset: this.offset },
      variable_bounds: { lower_bounds: columnLower, upper_bounds: columnUpper },
      maximize: this.maximize,
      variable_types: this.isInteger.map((isInteger) => (isInteger ? 'I' : 'C')),
      variable_names: this.columnNames,
    };
  }

  private rowBounds(row: number): [number, number] {
    const type = this.rowTypes[row]!;
    const rhs = this.rhs[row]!;
    let lower = type === 'L' ? -Infinity : rhs;
    let upper = type === 'G' ? Infinity : rhs;
    if (this.rangeLines[row] !== 0) {
      // MPS ranges: L and G rows widen away from the RHS; an E row widens up when R > 0, down when R < 0.
      const range = this.ranges[row]!;
      if (type === 'L' || (type === 'E' && range < 0)) lower = upper - Math.abs(range);
      else if (type === 'G' || (type === 'E' && range > 0)) upper = lower + Math.abs(range);
    }
    if (Number.isNaN(lower) || Number.isNaN(upper) || lower === Infinity || upper === -Infinity) {
      const line = this.rhsLines[row] || this.rangeLines[row]!;
      fail(line, `row "${this.rowNames[row]}" can never hold: its bounds work out to [${lower}, ${upper}]`);
    }
    return [lower, upper];
  }

  private columnBounds(column: number): [number, number] {
    const name = this.columnNames[column]!;
    const lowerLine = this.lowerLines[column]!;
    const upperLine = this.upperLines[column]!;
    // An integer column between MARKERs with no bounds is binary, as HiGHS reads it; any bound clears that.
    if (this.isMarkerInteger[column] && lowerLine === 0 && upperLine === 0) return [0, 1];
    const lower = this.lower[column]!;
    const upper = this.upper[column]!;
    if (lower === Infinity) fail(lowerLine, `the lower bound of column "${name}" is +infinity`);
    if (upper === -Infinity) fail(upperLine, `the upper bound of column "${name}" is -infinity`);
    if (lower > upper) {
      // HiGHS keeps the default lower bound 0 under a negative UP (others make it −inf); either way we say so.
      if (lowerLine === 0) {
        const hint = 'add an MI or LO bound if it may be negative';
        fail(upperLine, `the upper bound ${upper} of column "${name}" is below its default lower bound 0: ${hint}`);
      }
      fail(Math.max(lowerLine, upperLine), `the bounds of column "${name}" cross: lower ${lower} is above upper ${upper}`);
    }
    return [lower, upper];
  }

  /** MPS lists the matrix by column; cuOpt takes it by row. A counting sort keeps columns in order in each row. */
  private rowWiseMatrix(numRows: number): Problem['csr_constraint_matrix'] {
    const offsets = new Int32Array(numRows + 1);
    for (const row of this.entryRows) offsets[row + 1]!++;
    for (let row = 0; row < numRows; row++) offsets[row + 1]! += offsets[row]!;
    const next = offsets.slice(0, numRows);
    const indices = new Int32Array(this.entryRows.length);
    const values = new Float64Array(this.entryRows.length);
    for (let column = 0; column + 1 < this.columnStarts.length; column++) {
      for (let k = this.columnStarts[column]!; k < this.columnStarts[column + 1]!; k++) {
        const at = next[this.entryRows[k]!]!++;
        indices[at] = column;
        values[at] = this.entryValues[k]!;
      }
    }
    return { offsets: toArray(offsets), indices: toArray(indices), values: toArray(values) };
  }
}

/** A plain copy: zod checks arrays, and a loop beats Array.from's iterator on a million entries. */
function toArray(typed: Int32Array | Float64Array): number[] {
  const array = new Array<number>(typed.length);
  for (let i = 0; i < typed.length; i++) array[i] = typed[i]!;
  return array;
}
