// Shared pieces of the benchmarks: load with autocannon, percentiles, and formatting.
import autocannon from 'autocannon';

export interface HttpLoad {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
}

export interface Throughput {
  requestsPerS: number;
  /** Requests answered in all. */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export async function httpLoad(load: HttpLoad): Promise<Throughput> {
  const result = await autocannon({
    url: load.url,
    method: 'POST',
    body: load.body,
    headers: { 'content-type': 'application/json', ...load.headers },
    connections: load.connections,
    duration: load.durationS,
  });
  return {
    requestsPerS: Math.round(result.requests.average),
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const epochMs = () => performance.timeOrigin + performance.now();

export interface Latency {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function latency(valuesMs: readonly number[]): Latency {
  const sorted = [...valuesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 0.5)),
    p95Ms: round(percentile(sorted, 0.95)),
    p99Ms: round(percentile(sorted, 0.99)),
    maxMs: round(sorted.at(-1) ?? 0),
  };
}

/** A markdown table, one line per string. */
export function markdownTable(header: readonly string[], align: readonly ('l' | 'r')[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
