// Query and header parameters read as the cuOpt server's FastAPI reads them: booleans and
// integers by pydantic's rules, the last of repeated values, and every failure collected into
// the 422 body FastAPI's validation handler writes: `{"error": "<Python repr of the error list>"}`.

export interface ParamError {
  type: 'bool_parsing' | 'int_parsing' | 'missing';
  loc: ['query' | 'header', string];
  msg: string;
  input: string | undefined;
}

const TRUE = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

type Query = Record<string, string | string[] | undefined>;

const last = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.at(-1) : value);

export class ParamReader {
  readonly errors: ParamError[] = [];

  constructor(private readonly query: Query) {}

  bool(name: string): boolean | undefined {
    const value = last(this.query[name]);
    if (value === undefined) return undefined;
    const lower = value.trim().toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    this.errors.push({ type: 'bool_parsing', loc: ['query', name], msg: 'Input should be a valid boolean, unable to interpret input', input: value });
    return undefined;
  }

  int(name: string): number | undefined {
    const value = last(this.query[name]);
    if (value === undefined) return undefined;
    if (/^\s*[-+]?\d+(_\d+)*\s*$/.test(value)) return Number(value.replace(/_/g, ''));
    this.errors.push({ type: 'int_parsing', loc: ['query', name], msg: 'Input should be a valid integer, unable to parse string as an integer', input: value });
    return undefined;
  }

  string(name: string): string | undefined {
    return last(this.query[name]);
  }

  list(name: string): string[] {
    const value = this.query[name];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  }

  requireHeader(headers: Record<string, unknown>, name: string): void {
    if (headers[name] === undefined) this.errors.push({ type: 'missing', loc: ['header', name], msg: 'Field required', input: undefined });
  }
}

/** A Python str's repr: single quotes unless the text holds one and no double quote. */
function pyStr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const body = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
}

/** `str(exc.errors())` as FastAPI's handler writes it (no `url` keys, `input` None when missing). */
export function validationErrorText(errors: readonly ParamError[]): string {
  const one = (e: ParamError) =>
    `{'type': ${pyStr(e.type)}, 'loc': (${pyStr(e.loc[0])}, ${pyStr(e.loc[1])}), 'msg': ${pyStr(e.msg)}, 'input': ${e.input === undefined ? 'None' : pyStr(e.input)}}`;
  return `[${errors.map(one).join(', ')}]`;
}
