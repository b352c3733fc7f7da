// npm run bench: each figure measured in the same run as its baseline, printed as a markdown table
// and written to bench/results/<date>.json. `-- --quick` for a run of about a minute; `-- --only
// dispatch,packing` for some of the benchmarks; --duration/--connections/--rounds (submit),
// --dispatch-jobs (dispatch), --backlog/--gpus/--limit (throughput, boxes), --hostile-duration
// (isolation, seconds) size them; `--profile <dir>` profiles the throughput benchmark's scheduler
// and the submit benchmark's API (summarise either with bench/dist/profile-summary.js).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT, startRedisServer } from '@gpuq/testkit';
import { parseBenchOptions, UsageError, type BenchOptions } from './bench-options.js';
import { aimsOf, aimsTable } from './aims.js';
import { benchmarks } from './benchmarks.js';
import { cleanUpAll } from './cleanup.js';

const say = (line = '') => process.stdout.write(`${line}\n`);
let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1);
}

const redis = await startRedisServer();
let redisStopped: Promise<void> | undefined;
/** Last, once everything that uses it has stopped. */
const stopRedis = () => (redisStopped ??= redis.stop().catch(() => undefined));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`\n${signal}: stopping what the bench started`);
    void cleanUpAll(say)
      .then(stopRedis)
      .finally(() => process.exit(130));
  });
}

const sections = benchmarks(redis.url, options);
const startedAt = new Date();
const machine = { cores: cpus().length, model: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
const results: Record<string, unknown> = { startedAt: startedAt.toISOString(), machine, options };
const file = join(ROOT, 'bench', 'results', `${startedAt.toISOString().slice(0, 19).replace(/:/g, '-')}.json`);

try {
  say(`gpuq bench: ${machine.cores} cores (${machine.model}), ${machine.memoryGiB} GiB, Node ${machine.node}${options.quick ? ', quick' : ''}`);
  say('Load generator, Redis, gpuq and the baselines share this machine: compare within one run, not across machines.');
  for (const name of options.only) {
    say();
    say(`## ${sections[name].title}`);
    say();
    const { result, table } = await sections[name].run();
    for (const line of table) say(line);
    results[name] = result;
    // Written after each benchmark, so a failure later keeps what was measured.
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  }
  const aims = aimsOf(results);
  if (aims.length > 0) {
    say();
    say('## Aims: each ratio beside what it aims at');
    say();
    for (const line of aimsTable(aims)) say(line);
    results.aims = aims;
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  }
  say();
  say(`results: ${file}`);
  process.exitCode = 0;
} catch (err) {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanUpAll(say);
  await stopRedis();
}
// Connections a failed benchmark could not close would keep the process alive.
process.exit();
