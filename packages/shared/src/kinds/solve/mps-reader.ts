// The MPS reader: walks the text line by line, tracks sections and checks each line (ROWS, COLUMNS,
// RHS, RANGES, BOUNDS), filling in the MpsModel it extends. mps.ts is its entry point. Longer than
// our usual file on purpose: one reader of one format, whose sections share the reader's state (the
// current section, the names seen, the objective row); split up, each part would reach into the others.
import { MpsModel } from './mps-model.js';
import { isBlank, parseBound, parseNumber, splitFields } from './mps-fields.js';
import { fail } from './mps-line-error.js';

const NO_SPACES = ' (fields are split on spaces, so names cannot contain them)';
const STAR = 42;

const DATA_SECTIONS = ['ROWS', 'COLUMNS', 'RHS', 'RANGES', 'BOUNDS'] as const;
type DataSection = (typeof DATA_SECTIONS)[number];
type Section = 'none' | 'OBJSENSE' | DataSection;
const UNSUPPORTED_SECTIONS: Record<string, string> = {
  QUADOBJ: 'a quadratic objective',
  QMATRIX: 'a quadratic objective',
  QSECTION: 'quadratic terms',
  QCMATRIX: 'quadratic constraints',
  CSECTION: 'cone constraints',
  SOS: 'SOS constraints',
  SETS: 'SOS constraints',
  INDICATORS: 'indicator constraints',
  LAZYCONS: 'lazy constraints',
  USERCUTS: 'user cuts',
  DELAYEDROWS: 'delayed rows',
  MODELCUTS: 'model cuts',
  GENCONS: 'general constraints',
  PWLOBJ: 'a piecewise-linear objective',
  PWLNAM: 'piecewise-linear terms',
  PWLCON: 'piecewise-linear terms',
  OBJNAME: 'choosing the objective by name (the first N row is the objective)',
};
const SENSES: Record<string, boolean> = { MAX: true, MAXIMIZE: true, MAXIMISE: true, MIN: false, MINIMIZE: false, MINIMISE: false };
const BOUND_TYPES = new Set(['UP', 'LO', 'FX', 'FR', 'MI', 'PL', 'BV', 'LI', 'UI']);
const VALUE_BOUND_TYPES = new Set(['UP', 'LO', 'FX', 'LI', 'UI']);

const OBJECTIVE_ROW = -1;
const FREE_ROW = -2;

export class MpsReader extends MpsModel {
  name: string | undefined;
  private section: Section = 'none';
  private readonly sectionLines = new Map<string, number>();
  private senseLine = 0;
  private readonly vectorNames = new Map<'RHS' | 'RANGES' | 'BOUNDS', { name: string; line: number }>();

  /** Constraint rows get indices from 0; the objective and free rows get the markers above. */
  private readonly rows = new Map<string, { index: number; line: number }>();
  private hasObjective = false;
  private offsetLine = 0;

  private readonly columns = new Map<string, number>();
  private readonly columnLines: number[] = [];
  /** The last column with an entry in each row, to catch a column listing a row twice. */
  private rowLastColumn = new Int32Array(0);
  private objectiveSetBy = -1;
  private integerBlockLine = 0;

  read(text: string): void {
    let lineNumber = 0;
    for (let start = 0; start < text.length; ) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      lineNumber++;
      const fields = text.charCodeAt(start) === STAR ? [] : splitFields(text, start, end);
      if (fields.length > 0 && this.readLine(text, start, end, fields, lineNumber)) return;
      start = end + 1;
    }
    fail(Math.max(lineNumber, 1), 'the file ends without ENDATA; it may have been cut short');
  }

  /** Reads one line that has fields; true at ENDATA. */
  private readLine(text: string, start: number, end: number, fields: string[], line: number): boolean {
    const atColumnOne = !isBlank(text.charCodeAt(start));
    // Headers start in column 1 or stand alone, so indented data lines (nearly all) skip the checks.
    const isHeaderLike = atColumnOne || fields.length === 1;
    const kind = isHeaderLike ? this.readHeader(text.slice(start, end), fields, atColumnOne, line) : 'data';
    if (kind === 'data') this.readData(fields, line);
    return kind === 'end';
  }

  private readHeader(raw: string, fields: string[], atColumnOne: boolean, line: number): 'header' | 'end' | 'data' {
    const keyword = fields[0]!.toUpperCase();
    // A data line may start with a keyword (a column named RHS); a section header stands alone,
    // except NAME and OBJSENSE, which may carry a value.
    const isAlone = fields.length === 1;
    if (keyword === 'ENDATA' && isAlone) {
      this.end(line);
      return 'end';
    }
    if (keyword === 'NAME' || keyword === 'OBJSENSE') {
      this.closeSection(line);
      // A fixed-format name may hold spaces: it is the rest of the line.
      if (keyword === 'NAME') this.name = raw.trim().slice(4).trim() || undefined;
      else this.startObjsense(fields, line);
      return 'header';
    }
    if ((DATA_SECTIONS as readonly string[]).includes(keyword) && isAlone) {
      this.startSection(keyword as DataSection, line);
      return 'header';
    }
    const unsupported = UNSUPPORTED_SECTIONS[keyword];
    if (unsupported) fail(line, `section ${keyword} (${unsupported}) is not supported: cuOpt takes linear problems`);
    if (atColumnOne && this.section !== 'OBJSENSE' && (isAlone || this.section === 'none')) {
      fail(line, `unknown section "${fields[0]}": expected NAME, OBJSENSE, ROWS, COLUMNS, RHS, RANGES, BOUNDS or ENDATA`);
    }
    return 'data';
  }

  private readData(fields: string[], line: number): void {
    switch (this.section) {
      case 'none':
        return fail(line, `data outside any section: "${fields.join(' ')}" (data lines belong under ROWS, COLUMNS, ...)`);
      case 'OBJSENSE':
        return this.readSense(fields, line);
      case 'ROWS':
        return this.readRow(fields, line);
      case 'COLUMNS':
        return this.readColumn(fields, line);
      case 'RHS':
      case 'RANGES':
        return this.readRhsOrRange(this.section, fields, line);
      case 'BOUNDS':
        return this.readBound(fields, line);
    }
  }

  private startSection(section: DataSection, line: number): void {
    this.closeSection(line);
    const first = this.sectionLines.get(section);
    if (first !== undefined) fail(line, `a second ${section} section (the first is at line ${first})`);
    if (section === 'COLUMNS' && !this.sectionLines.has('ROWS')) {
      fail(line, 'COLUMNS comes before ROWS: MPS lists the rows first');
    }
    if (section !== 'ROWS' && section !== 'COLUMNS' && !this.sectionLines.has('COLUMNS')) {
      fail(line, `${section} comes before COLUMNS: it must follow the COLUMNS section`);
    }
    this.sectionLines.set(section, line);
    this.section = section;
  }

  /** Checks what a section must hold once it ends, and sizes what the next sections fill in. */
  private closeSection(line: number): void {
    if (this.section === 'OBJSENSE' && this.senseLine === 0) fail(line, 'OBJSENSE needs a line saying MAX or MIN');
    if (this.section === 'ROWS') {
      if (!this.hasObjective) fail(this.sectionLines.get('ROWS')!, 'ROWS has no N row: the first N row is the objective');
      const numRows = this.rowTypes.length;
      this.rhs = new Float64Array(numRows);
      this.rhsLines = new Int32Array(numRows);
      this.ranges = new Float64Array(numRows);
      this.rangeLines = new Int32Array(numRows);
      this.rowLastColumn = new Int32Array(numRows).fill(-1);
    }
    if (this.section === 'COLUMNS') {
      const numColumns = this.columnNames.length;
      if (numColumns === 0) fail(this.sectionLines.get('COLUMNS')!, 'COLUMNS lists no columns');
      this.columnStarts.push(this.entryRows.length);
      this.lower = new Float64Array(numColumns);
      this.upper = new Float64Array(numColumns).fill(Infinity);
      this.lowerLines = new Int32Array(numColumns);
      this.upperLines = new Int32Array(numColumns);
    }
    this.section = 'none';
  }

  private end(line: number): void {
    this.closeSection(line);
    if (!this.sectionLines.has('ROWS')) fail(line, 'no ROWS section before ENDATA');
    if (!this.sectionLines.has('COLUMNS')) fail(line, 'no COLUMNS section before ENDATA');
  }

  private startObjsense(fields: string[], line: number): void {
    const first = this.sectionLines.get('OBJSENSE');
    if (first !== undefined) fail(line, `a second OBJSENSE section (the first is at line ${first})`);
    this.sectionLines.set('OBJSENSE', line);
    this.section = 'OBJSENSE';
    if (fields.length > 1) this.readSense(fields.slice(1), line);
  }

  private readSense(fields: string[], line: number): void {
    if (this.senseLine !== 0) fail(line, `OBJSENSE is already given at line ${this.senseLine}`);
    const sense = fields.length === 1 ? SENSES[fields[0]!.toUpperCase()] : undefined;
    if (sense === undefined) fail(line, `OBJSENSE must be MAX or MIN, not "${fields.join(' ')}"`);
    this.maximize = sense;
    this.senseLine = line;
  }

  private readRow(fields: string[], line: number): void {
    if (fields.length !== 2) fail(line, `expected a row type and a row name, found ${fields.length} fields${NO_SPACES}`);
    const [type, name] = [fields[0]!.toUpperCase(), fields[1]!];
    const existing = this.rows.get(name);
    if (existing) fail(line, `row "${name}" is defined twice (first at line ${existing.line})`);
    if (type === 'N') {
      // The first N row is the objective; later ones are free rows, dropped with their entries.
      this.rows.set(name, { index: this.hasObjective ? FREE_ROW : OBJECTIVE_ROW, line });
      this.hasObjective = true;
    } else if (type === 'E' || type === 'L' || type === 'G') {
      this.rows.set(name, { index: this.rowTypes.length, line });
      this.rowTypes.push(type);
      this.rowNames.push(name);
    } else {
      fail(line, `row type "${fields[0]}" is not one of N, E, L, G`);
    }
  }

  private readColumn(fields: string[], line: number): void {
    if (fields[1] === "'MARKER'") return this.readMarker(fields, line);
    if (fields.length !== 3 && fields.length !== 5) {
      fail(line, `expected a column name and one or two (row, value) pairs, found ${fields.length} fields${NO_SPACES}`);
    }
    const column = this.columnFor(fields[0]!, line);
    this.addEntry(column, fields[1]!, fields[2]!, line);
    if (fields.length === 5) this.addEntry(column, fields[3]!, fields[4]!, line);
  }

  private readMarker(fields: string[], line: number): void {
    const marker = fields[2];
    if (fields.length !== 3 || (marker !== "'INTORG'" && marker !== "'INTEND'")) {
      fail(line, `expected a marker line "<name> 'MARKER' 'INTORG'" or "... 'INTEND'", found "${fields.join(' ')}"`);
    }
    if (marker === "'INTORG'" && this.integerBlockLine !== 0) {
      fail(line, `'INTORG' inside the integer block opened at line ${this.integerBlockLine}`);
    }
    if (marker === "'INTEND'" && this.integerBlockLine === 0) fail(line, "'INTEND' without an 'INTORG' before it");
    this.integerBlockLine = marker === "'INTORG'" ? line : 0;
  }

  private columnFor(name: string, line: number): number {
    const current = this.columnNames.length - 1;
    if (this.columnNames[current] === name) return current;
    const existing = this.columns.get(name);
    if (existing !== undefined) {
      const first = this.columnLines[existing];
      fail(line, `column "${name}" appears again after other columns (first at line ${first}); MPS lists each column's entries together`);
    }
    const isInteger = this.integerBlockLine !== 0;
    this.columns.set(name, current + 1);
    this.columnNames.push(name);
    this.columnLines.push(line);
    this.objective.push(0);
    this.isInteger.push(isInteger);
    this.isMarkerInteger.push(isInteger);
    this.columnStarts.push(this.entryRows.length);
    return current + 1;
  }

  private addEntry(column: number, rowName: string, token: string, line: number): void {
    const row = this.rows.get(rowName);
    const columnName = this.columnNames[column]!;
    if (!row) fail(line, `column "${columnName}" refers to row "${rowName}", which ROWS does not define`);
    const value = parseNumber(token);
    if (!Number.isFinite(value)) {
      const what = `the coefficient of column "${columnName}" in row "${rowName}"`;
      fail(line, Number.isNaN(value) ? notANumber(what, token) : `${what} must be finite, not "${token}"`);
    }
    if (row.index === FREE_ROW) return;
    const lastColumn = row.index === OBJECTIVE_ROW ? this.objectiveSetBy : this.rowLastColumn[row.index];
    if (lastColumn === column) fail(line, `column "${columnName}" lists row "${rowName}" twice`);
    if (row.index === OBJECTIVE_ROW) {
      this.objectiveSetBy = column;
      this.objective[column] = value;
    } else {
      this.rowLastColumn[row.index] = column;
      if (value === 0) return;
      this.entryRows.push(row.index);
      this.entryValues.push(value);
    }
  }

  private readRhsOrRange(section: 'RHS' | 'RANGES', fields: string[], line: number): void {
    const n = fields.length;
    if (n < 2 || n > 5) fail(line, `expected [set name] row value [row value], found ${n} fields${NO_SPACES}`);
    // An odd count means the line starts with the vector's name; fixed-format files may leave it blank.
    const first = n % 2;
    if (first === 1) this.checkVectorName(section, fields[0]!, line);
    for (let k = first; k < n; k += 2) {
      const rowName = fields[k]!;
      const row = this.rows.get(rowName);
      if (!row) fail(line, `${section} refers to row "${rowName}", which ROWS does not define`);
      const value = parseBound(fields[k + 1]!);
      if (Number.isNaN(value)) {
        fail(line, notANumber(`the ${section === 'RHS' ? 'RHS' : 'range'} of row "${rowName}"`, fields[k + 1]!));
      }
      if (section === 'RHS') this.setRhs(row.index, rowName, value, line);
      else if (row.index >= 0) this.setRange(row.index, rowName, value, line);
      // Like HiGHS, a range on an N row is ignored: it has no bounds to widen.
    }
  }

  private setRhs(row: number, rowName: string, value: number, line: number): void {
    if (row === FREE_ROW) return;
    if (row === OBJECTIVE_ROW) {
      if (this.offsetLine !== 0) {
        fail(line, `the objective row "${rowName}" has a second RHS (the first is at line ${this.offsetLine})`);
      }
      if (!Number.isFinite(value)) fail(line, `the RHS of the objective row "${rowName}" must be finite`);
      // HiGHS reads an objective RHS as minus the constant (the row reads c·x − rhs): RHS 5 adds −5.
      this.offset = value === 0 ? 0 : -value;
      this.offsetLine = line;
      return;
    }
    if (this.rhsLines[row] !== 0) fail(line, `row "${rowName}" has a second RHS (the first is at line ${this.rhsLines[row]})`);
    this.rhs[row] = value;
    this.rhsLines[row] = line;
  }

  private setRange(row: number, rowName: string, value: number, line: number): void {
    if (this.rangeLines[row] !== 0) {
      fail(line, `row "${rowName}" has a second range (the first is at line ${this.rangeLines[row]})`);
    }
    this.ranges[row] = value;
    this.rangeLines[row] = line;
  }

  /** One RHS, RANGES and BOUNDS vector per file: readers differ on which of several they use. */
  private checkVectorName(section: 'RHS' | 'RANGES' | 'BOUNDS', name: string, line: number): void {
    const first = this.vectorNames.get(section);
    if (!first) this.vectorNames.set(section, { name, line });
    else if (first.name !== name) {
      fail(line, `a second ${section} vector "${name}" (line ${first.line} uses "${first.name}"): only one is supported; remove the others`);
    }
  }

  private readBound(fields: string[], line: number): void {
    const type = fields[0]!.toUpperCase();
    if (type === 'SC' || type === 'SI') {
      const kind = type === 'SC' ? 'semi-continuous' : 'semi-integer';
      fail(line, `${type} (${kind}) bounds are not supported: cuOpt has no such variables; model "x = 0 or l ≤ x ≤ u" with a binary variable`);
    }
    if (!BOUND_TYPES.has(type)) fail(line, `bound type "${fields[0]}" is not one of UP, LO, FX, FR, MI, PL, BV, LI, UI`);
    const [setName, columnName, token] = splitBoundFields(type, fields, this.columns, line);
    if (setName !== undefined) this.checkVectorName('BOUNDS', setName, line);
    const column = this.columns.get(columnName);
    if (column === undefined) fail(line, `BOUNDS refers to column "${columnName}", which COLUMNS does not define`);
    const value = token === undefined ? 0 : parseBound(token);
    if (Number.isNaN(value)) fail(line, notANumber(`the ${type} bound of column "${columnName}"`, token!));
    if (type === 'UP' || type === 'UI' || type === 'FX') this.setBound('upper', column, value, line);
    if (type === 'LO' || type === 'LI' || type === 'FX') this.setBound('lower', column, value, line);
    if (type === 'FR' || type === 'MI') this.setBound('lower', column, -Infinity, line);
    if (type === 'FR' || type === 'PL') this.setBound('upper', column, Infinity, line);
    if (type === 'BV') {
      this.setBound('lower', column, 0, line);
      this.setBound('upper', column, 1, line);
    }
    if (type === 'BV' || type === 'LI' || type === 'UI') this.isInteger[column] = true;
  }

  /** Each side of a bound is given once: readers differ on which of two wins (HiGHS keeps the first). */
  private setBound(side: 'lower' | 'upper', column: number, value: number, line: number): void {
    const lines = side === 'lower' ? this.lowerLines : this.upperLines;
    if (lines[column] !== 0) {
      const which = side === 'lower' ? 'a lower' : 'an upper';
      fail(line, `column "${this.columnNames[column]}" already has ${which} bound (line ${lines[column]}); give each bound once`);
    }
    (side === 'lower' ? this.lower : this.upper)[column] = value;
    lines[column] = line;
  }
}

/** Bound lines are "type [set] column [value]"; a blank set name (fixed format) leaves one field fewer. */
function splitBoundFields(
  type: string,
  fields: string[],
  columns: ReadonlyMap<string, number>,
  line: number,
): [string | undefined, string, string | undefined] {
  const n = fields.length;
  if (VALUE_BOUND_TYPES.has(type)) {
    if (n === 4) return [fields[1], fields[2]!, fields[3]];
    if (n === 3 && !columns.has(fields[1]!) && columns.has(fields[2]!)) {
      fail(line, `the ${type} bound of column "${fields[2]}" has no value`);
    }
    if (n === 3) return [undefined, fields[1]!, fields[2]];
    fail(line, `expected "${type} [set name] column value", found ${n} fields${NO_SPACES}`);
  }
  // FR, MI, PL and BV take no value; like HiGHS, one given anyway is ignored.
  if (n === 2) return [undefined, fields[1]!, undefined];
  // Three fields are "set column", unless only the first names a column ("column value").
  if (n === 3) {
    const isColumnThenValue = columns.has(fields[1]!) && !columns.has(fields[2]!);
    return isColumnThenValue ? [undefined, fields[1]!, undefined] : [fields[1], fields[2]!, undefined];
  }
  if (n === 4) return [fields[1], fields[2]!, undefined];
  return fail(line, `expected "${type} [set name] column", found ${n} fields${NO_SPACES}`);
}

function notANumber(what: string, token: string): string {
  return `${what} is "${token}", which is not a number`;
}
