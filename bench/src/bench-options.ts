// The bench's command line: which benchmarks run, and how large each one is (`--quick`: about a
// minute in all; the default: a few minutes on two cores). `--profile <dir>`: the throughput
// benchmark's scheduler and the submit benchmark's API run under --cpu-prof and write their
// .cpuprofile there.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const BENCHMARKS = ['submit', 'dispatch', 'throughput', 'packing', 'boxes', 'isolation'] as const;
export type Benchmark = (typeof BENCHMARKS)[number];

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseBenchOptions(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      'dispatch-jobs': { type: 'string' },
      backlog: { type: 'string' },
      gpus: { type: 'string' },
      limit: { type: 'string' },
      'hostile-duration': { type: 'string' },
      profile: { type: 'string' },
    },
  });
  const quick = values.quick;
  const count = (flag: keyof typeof values, full: number, short: number) => {
    const text = values[flag];
    const n = text === undefined ? (quick ? short : full) : Number(text);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} takes a whole number above 0, not "${String(text)}"`);
    return n;
  };
  const only = values.only?.split(',').map((name) => name.trim()) ?? [...BENCHMARKS];
  const unknown = only.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new UsageError(`--only takes some of ${BENCHMARKS.join(',')}; not ${unknown.join(', ')}`);
  return {
    quick,
    only: only as Benchmark[],
    submit: { durationS: count('duration', 10, 3), connections: count('connections', 32, 32), rounds: count('rounds', 3, 1), profileDir: values.profile === undefined ? undefined : resolve(values.profile) },
    dispatch: { jobs: count('dispatch-jobs', 1_000, 200), warmup: quick ? 20 : 50 },
    throughput: { jobs: count('backlog', 100_000, 10_000), gpus: count('gpus', 1_000, 100), limitS: count('limit', 60, 20), concurrency: 100, profileDir: values.profile === undefined ? undefined : resolve(values.profile) },
    boxes: { jobs: count('backlog', 100_000, 10_000), gpus: count('gpus', 1_000, 100), limitS: count('limit', 60, 20), boxCounts: [1, 2, 4] },
    isolation: { durationS: count('hostile-duration', 10, 4), concurrency: 4 },
  };
}

export type BenchOptions = ReturnType<typeof parseBenchOptions>;
