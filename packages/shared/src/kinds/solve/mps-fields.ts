// Cutting an MPS line into whitespace-separated fields, and reading a field as a number or a bound.
// Pure functions on strings, kept apart from the reader's state; mps-reader.ts calls them per line.

/** |values| at or above this are infinite in RHS, RANGES and BOUNDS: HiGHS's default `infinite_bound`. */
const INFINITE_BOUND = 1e20;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;
export const isBlank = (code: number) => code === 32 || code === 9 || code === 13 || code === 11 || code === 12;

/** A decimal number (Fortran-era writers put D for the exponent: 1.5D+03) or an infinity; NaN if neither. */
export function parseNumber(token: string): number {
  if (DECIMAL.test(token)) {
    const value = Number(token);
    return Number.isNaN(value) ? Number(token.replace(/[dD]/, 'e')) : value;
  }
  const infinity = INFINITY.exec(token);
  if (infinity) return infinity[1] === '-' ? -Infinity : Infinity;
  return NaN;
}

export function parseBound(token: string): number {
  const value = parseNumber(token);
  return Math.abs(value) >= INFINITE_BOUND ? Math.sign(value) * Infinity : value;
}

/** The whitespace-separated fields of text[start, end), without making the line a string first. */
export function splitFields(text: string, start: number, end: number): string[] {
  const fields: string[] = [];
  let fieldStart = -1;
  for (let i = start; i < end; i++) {
    if (isBlank(text.charCodeAt(i))) {
      if (fieldStart !== -1) fields.push(text.slice(fieldStart, i));
      fieldStart = -1;
    } else if (fieldStart === -1) fieldStart = i;
  }
  if (fieldStart !== -1) fields.push(text.slice(fieldStart, end));
  return fields;
}
