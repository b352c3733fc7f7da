// The command line: which command, its options (node:util parseArgs, with the global --url and
// --key accepted before or after the command), and the API's address and key from options or env.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

type OptionValue<C> = C extends { type: 'string'; multiple: true } ? string[] : C extends { type: 'string' } ? string : C extends { multiple: true } ? boolean[] : boolean;

/** What parseArgs gives for `options` (strict, no defaults): each option's value, or undefined. */
export type OptionValues<O extends OptionsConfig> = { -readonly [K in keyof O]?: OptionValue<O[K]> };

export interface CommandArgs<O extends OptionsConfig> {
  values: OptionValues<typeof GLOBAL_OPTIONS & O>;
  positionals: string[];
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

/** Global options that take a value: the token after them is not the command. */
const GLOBAL_WITH_VALUE = new Set(['--url', '--key']);

export interface SplitCommand {
  command: string | undefined;
  /** Everything but the command's name: global options and the command's own. */
  args: string[];
}

export function splitCommand(argv: readonly string[]): SplitCommand {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') break;
    if (!token.startsWith('-')) return { command: token, args: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    if (GLOBAL_WITH_VALUE.has(token)) i++;
  }
  return { command: undefined, args: [...argv] };
}

/** Parses a command's arguments; a mistake becomes a UsageError that names it. */
export function parseCommandArgs<const O extends OptionsConfig>(command: string, args: string[], options: O): CommandArgs<O> {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (err) {
    // parseArgs words its errors for programmers ("Unknown option '--x'. To specify a positional…").
    const message = (err as Error).message
      .replace(/\. To specify a positional argument.*$/s, '')
      .replace(/^Option '(--[\w-]+).*' argument missing$/, "option '$1' needs a value")
      .replace(/^Option /, 'option ')
      .replace(/^Unknown option/, 'unknown option');
    throw new UsageError(message, command);
  }
}

/** The positionals a command takes, by name; too few or too many is a UsageError. */
export function positionalsOf<const N extends readonly string[]>(command: string, positionals: string[], names: N): { [K in keyof N]: string } {
  if (positionals.length < names.length) throw new UsageError(`missing <${names[positionals.length]}>`, command);
  if (positionals.length > names.length) throw new UsageError(`unexpected argument '${positionals[names.length]}'`, command);
  return positionals as unknown as { [K in keyof N]: string };
}

export interface NumberRule {
  isInteger?: boolean;
  min?: number;
}

/** A numeric option's value, or undefined when it was not given. */
export function numberOption(command: string, name: string, value: string | undefined, rule: NumberRule = {}): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  const kind = rule.isInteger ? 'a whole number' : 'a number';
  if (value.trim() === '' || !Number.isFinite(number) || (rule.isInteger && !Number.isInteger(number))) {
    throw new UsageError(`--${name} must be ${kind}, not '${value}'`, command);
  }
  if (rule.min !== undefined && number < rule.min) throw new UsageError(`--${name} must be at least ${rule.min}, not ${value}`, command);
  return number;
}

/** `--label key=value` options as a record. */
export function labelsOption(command: string, values: string[] | undefined): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of values) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--label must be key=value, not '${pair}'`, command);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return labels;
}

export interface Connection {
  url: string;
  apiKey: string | undefined;
}

/** The API's address and key: options first, then GPUQ_URL and GPUQ_API_KEY. */
export function connectionOf(values: { url?: string | undefined; key?: string | undefined }, env: Record<string, string | undefined>): Connection {
  const url = values.url ?? (env.GPUQ_URL || DEFAULT_URL);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${values.url === undefined ? 'GPUQ_URL' : '--url'} is not a URL: '${url}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`the API's URL must be http or https, not '${url}'`);
  return { url, apiKey: values.key ?? (env.GPUQ_API_KEY || undefined) };
}
