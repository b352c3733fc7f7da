// JSON as Python's json.loads reads it: standard JSON plus the bare NaN, Infinity and -Infinity
// that Python's json.dumps writes for non-finite floats.

const TOKENS: ReadonlyArray<[string, number]> = [
  ['-Infinity', -Infinity],
  ['Infinity', Infinity],
  ['NaN', NaN],
];
const SENTINEL = '\u0000cuopt-wire:';
/** The sentinel as JSON source: a NUL must be escaped inside a JSON string. */
const SENTINEL_SOURCE = '\\u0000cuopt-wire:';

/** Rewrites Python's non-finite tokens outside strings into sentinel strings; undefined when there are none. */
function withSentinels(text: string): string | undefined {
  let out = '';
  let last = 0;
  let inString = false;
  let found = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if (c !== 'N' && c !== 'I' && c !== '-') continue;
    const token = TOKENS.find(([t]) => text.startsWith(t, i));
    if (!token) continue;
    out += `${text.slice(last, i)}"${SENTINEL_SOURCE}${token[0]}"`;
    i += token[0].length - 1;
    last = i + 1;
    found = true;
  }
  return found ? out + text.slice(last) : undefined;
}

export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const rewritten = withSentinels(text);
    if (rewritten === undefined) throw err;
    return JSON.parse(rewritten, (_key, value: unknown) => {
      if (typeof value !== 'string' || !value.startsWith(SENTINEL)) return value;
      return TOKENS.find(([t]) => value === SENTINEL + t)?.[1] ?? value;
    }) as unknown;
  }
}
