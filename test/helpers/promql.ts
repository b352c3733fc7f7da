// Reads what the monitoring config refers to without promtool: the metric names in a PromQL
// expression, and the metric families a /metrics page declares. Enough PromQL for selectors,
// functions, aggregations with by/without, vector matching and binary operators.

const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const FUNCTIONS = new Set([
  ...AGGREGATIONS,
  ...['abs', 'absent', 'absent_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'day_of_month', 'day_of_week', 'days_in_month', 'delta', 'deriv'],
  ...['exp', 'floor', 'histogram_quantile', 'holt_winters', 'hour', 'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'ln', 'log2', 'log10'],
  ...['minute', 'month', 'predict_linear', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sort', 'sort_desc', 'sqrt', 'time', 'timestamp', 'vector', 'year'],
  ...['avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'quantile_over_time', 'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'present_over_time'],
]);
/** Keywords followed by a parenthesised list of label names, not of expressions. */
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** The index just past the group that opens at `start` (`{…}`, `[…]` or `(…)`), strings inside included. */
function endOfGroup(text: string, start: number): number {
  const open = text[start]!;
  const close = ({ '{': '}', '[': ']', '(': ')' } as Record<string, string>)[open]!;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === '`') i = endOfString(text, i) - 1;
    else if (c === open) depth++;
    else if (c === close && --depth === 0) return i + 1;
  }
  throw new Error(`unclosed ${open} at ${start} in: ${text}`);
}

function endOfString(text: string, start: number): number {
  const quote = text[start]!;
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\' && quote !== '`') i++;
    else if (text[i] === quote) return i + 1;
  }
  throw new Error(`unclosed string at ${start} in: ${text}`);
}

/** Metric names in a PromQL expression; throws on a function PromQL does not have. */
export function metricNamesIn(expr: string): string[] {
  const names = new Set<string>();
  let i = 0;
  const nextNonSpace = () => {
    let j = i;
    while (j < expr.length && /\s/.test(expr[j]!)) j++;
    return j;
  };
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') i = endOfString(expr, i);
    // Label matchers and range or subquery durations hold no metric names.
    else if (c === '{' || c === '[') i = endOfGroup(expr, i);
    // A Grafana variable: $__rate_interval, $kind.
    else if (c === '$') i = /^\$\{?\w+\}?/.exec(expr.slice(i))![0].length + i;
    // Numbers and durations (0.95, 1e3, 5m).
    else if (/[0-9.]/.test(c)) i += /^[0-9a-zA-Z._]+/.exec(expr.slice(i))![0].length;
    else if (/[a-zA-Z_:]/.test(c)) {
      const word = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i))![0];
      i += word.length;
      const next = nextNonSpace();
      if (LABEL_LISTS.has(word)) {
        if (expr[next] === '(') i = endOfGroup(expr, next);
      } else if (KEYWORDS.has(word) || AGGREGATIONS.has(word)) {
        // An operator, or an aggregation whose `by (…)` comes before its argument.
      } else if (expr[next] === '(') {
        if (!FUNCTIONS.has(word)) throw new Error(`unknown PromQL function ${word} in: ${expr}`);
      } else {
        names.add(word);
      }
    } else i++;
  }
  return [...names];
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The metric families a /metrics page declares (`# TYPE` lines, present even before any sample), and its samples. */
export function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

/** Whether `name` is a declared family, or a histogram's or summary's _bucket, _sum or _count series. */
export function isExported(name: string, types: Map<string, string>): boolean {
  if (types.has(name)) return true;
  const series = /^(.+)_(bucket|sum|count)$/.exec(name);
  if (!series) return false;
  const type = types.get(series[1]!);
  return type === 'histogram' || (type === 'summary' && series[2] !== 'bucket');
}
