// node bench/dist/profile-summary.js <file.cpuprofile> [--jobs N] [--top 15]: where the
// scheduler's time went, as markdown tables: by area, the top functions by self time, and the
// top gpuq functions that time was spent for (each sample charged to the innermost gpuq frame on
// its stack). --jobs: the jobs the process completed (the throughput benchmark prints it), for µs
// per job.
import { parseArgs } from 'node:util';
import { readProfile, summariseProfile, type FunctionTime } from './cpu-profile.js';
import { markdownTable } from './measure.js';

const say = (line = '') => process.stdout.write(`${line}\n`);
let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { jobs: { type: 'string', default: '0' }, top: { type: 'string', default: '15' } } });
} catch (err) {
  process.stderr.write(`profile-summary: ${(err as Error).message}\n`);
  process.exit(2);
}
const { positionals, values } = parsed;
const jobs = Number(values.jobs);
const top = Number(values.top);
if (positionals.length !== 1 || !Number.isInteger(jobs) || jobs < 0 || !Number.isInteger(top) || top < 1) {
  process.stderr.write('usage: node bench/dist/profile-summary.js <file.cpuprofile> [--jobs <completed jobs>] [--top <n>]\n');
  process.exit(2);
}

const summary = summariseProfile(readProfile(positionals[0]!), jobs);
const ms = (us: number) => Math.round(us / 1000).toLocaleString('en');
const perJob = jobs > 0 ? 'µs/job' : '(no --jobs)';
const functionRows = (list: FunctionTime[]) => list.slice(0, top).map((f) => [f.name, f.area, f.where, ms(f.us), jobs > 0 ? f.usPerJob : '']);

say(`${positionals[0]}: ${ms(summary.wallUs)} ms profiled, ${ms(summary.cpuUs)} ms not idle${jobs > 0 ? `, ${jobs} jobs: ${summary.cpuUsPerJob} µs of CPU per job` : ''}`);
say();
say('By area (self time):');
say();
for (const line of markdownTable(['area', 'ms', perJob, 'share of CPU'], ['l', 'r', 'r', 'r'], summary.byArea.map((a) => [a.area, ms(a.us), jobs > 0 ? a.usPerJob : '', a.area === 'idle' ? '' : `${Math.round(a.share * 1000) / 10} %`]))) say(line);
say();
say(`Top ${top} functions by self time:`);
say();
for (const line of markdownTable(['function', 'area', 'where', 'ms', perJob], ['l', 'l', 'l', 'r', 'r'], functionRows(summary.byFunction))) say(line);
say();
say(`Top ${top} gpuq functions the CPU was spent for (each sample charged to the innermost gpuq frame on its stack):`);
say();
for (const line of markdownTable(['gpuq function', 'area', 'where', 'ms', perJob], ['l', 'l', 'l', 'r', 'r'], functionRows(summary.byGpuqCaller))) say(line);
