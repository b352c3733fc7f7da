// npm run bench: each figure measured in the same run as its baseline, printed as a table and
// written to bench/results/<date>.json. `-- --quick` for a short run; `-- --duration 20` for longer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, startRedisServer } from '@gpuq/testkit';
import { benchSubmit } from './submit.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, duration: { type: 'string' }, connections: { type: 'string', default: '32' }, rounds: { type: 'string' } },
});
const durationS = Number(values.duration ?? (values.quick ? 3 : 10));
const rounds = Number(values.rounds ?? (values.quick ? 1 : 3));
const connections = Number(values.connections);

const redis = await startRedisServer();
const startedAt = new Date();
const say = (line: string) => process.stdout.write(`${line}\n`);
try {
  say(`gpuq bench: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${durationS} s per load, ${connections} connections`);
  say('The load generator, Redis and the server share this machine: compare within one run, not across machines.');
  say('');
  say('1. submit: POST /v1/jobs (API key, validation, admission, index) against a bare Fastify route that only calls Queue.add');
  const submit = await benchSubmit(redis.url, { durationS, connections, rounds });
  say(`(the best of ${rounds} alternating rounds each)`);
  say('');
  say('| path | req/s | p50 ms | p99 ms | errors |');
  say('|---|---:|---:|---:|---:|');
  say(`| gpuq POST /v1/jobs | ${submit.api.requestsPerS} | ${submit.api.p50Ms} | ${submit.api.p99Ms} | ${submit.api.errors + submit.api.non2xx} |`);
  say(`| bare route + Queue.add | ${submit.bareRoute.requestsPerS} | ${submit.bareRoute.p50Ms} | ${submit.bareRoute.p99Ms} | ${submit.bareRoute.errors + submit.bareRoute.non2xx} |`);
  say(`| BullMQ Queue.add, no HTTP (${connections} callers) | ${submit.queueAddPerS} | | | |`);
  say(`| BullMQ addBulk of 100, no HTTP (2 callers) | ${submit.addBulkPerS} | | | |`);
  say('');
  say(`gpuq / bare route: ${submit.ratio} (the aim is at least 0.6)`);

  const results = { startedAt: startedAt.toISOString(), machine: { cores: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version }, durationS, connections, rounds, submit };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `${startedAt.toISOString().slice(0, 19).replace(/:/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  say('');
  say(`results: ${file}`);
} finally {
  await redis.stop();
}
