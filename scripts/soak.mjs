#!/usr/bin/env node
// npm run soak -- --minutes 60: a whole gpuq on this machine (Redis with AOF, solver-cpu, model-cpu,
// the scheduler, the API) under a steady mixed load for a long time. It first measures capacity
// (jobs finished per second under a saturating load), then runs at a fraction of it, samples the
// resident memory of every process, and at the end reports job outcomes, each process's memory
// (start, peak, end) and whether the box is at rest. Written to bench/results/soak-<date>.json.
// Exits 1 when a job failed or was lost, or the box does not come to rest.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { AppProcess, ROOT, freePort, startRedisServer, waitFor } from '@gpuq/testkit';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    'capacity-s': { type: 'string', default: '30' },
    fraction: { type: 'string', default: '0.5' },
    'sample-s': { type: 'string', default: '10' },
  },
});
const minutes = Number(values.minutes);
const capacityS = Number(values['capacity-s']);
const fraction = Number(values.fraction);
const sampleS = Number(values['sample-s']);
for (const [name, value] of Object.entries({ minutes, 'capacity-s': capacityS, fraction, 'sample-s': sampleS })) {
  if (!(value > 0)) {
    console.error(`--${name} must be a positive number`);
    process.exit(2);
  }
}
const say = (line) => process.stdout.write(`${line}\n`);

// The job mix: LPs and small MILPs on solver-cpu, and inference jobs through model-cpu.
const LP = {
  csr_constraint_matrix: { offsets: [0, 2, 4], indices: [0, 1, 0, 1], values: [3.0, 4.0, 2.7, 10.1] },
  constraint_bounds: { upper_bounds: [5.4, 4.9], lower_bounds: ['ninf', 'ninf'] },
  objective_data: { coefficients: [-0.2, 0.1], scalability_factor: 1.0, offset: 0.0 },
  variable_bounds: { upper_bounds: ['inf', 'inf'], lower_bounds: [0.0, 0.0] },
  maximize: false,
};
const MILP = {
  csr_constraint_matrix: { offsets: [0, 2, 4], indices: [0, 1, 0, 1], values: [6, 4, 1, 2] },
  constraint_bounds: { bounds: [24, 6], types: ['L', 'L'] },
  objective_data: { coefficients: [5, 4], offset: 7 },
  variable_types: ['I', 'I'],
  maximize: true,
};
const TEXTS = ['An absolutely wonderful film, I loved every minute of it.', 'Not good at all.', 'The box is blue.'];
const jobOf = (i) => (i % 4 === 3 ? { kind: 'inference', input: { texts: TEXTS } } : { kind: 'solve', input: i % 8 === 1 ? MILP : LP });
const KINDS = ['solve', 'inference'];

// --- the stack ---------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'gpuq-soak-'));
const redis = await startRedisServer({ appendOnly: true });
const [solverPort, modelPort, apiPort] = [await freePort(), await freePort(), await freePort()];
const api = `http://127.0.0.1:${apiPort}`;
const configPath = join(dir, 'gpuq.json');
writeFileSync(
  configPath,
  JSON.stringify({
    gpus: [
      { id: 'gpu0', vramMb: 24_576 },
      { id: 'gpu1', vramMb: 24_576 },
    ],
    artifactsDir: join(dir, 'artifacts'),
    kinds: {
      solve: { servers: [{ name: 'solver-cpu', url: `http://127.0.0.1:${solverPort}`, slots: 2 }] },
      inference: { models: { default: { url: `http://127.0.0.1:${modelPort}` } } },
    },
  }),
);
// Warnings and errors only: the soak counts them, and a long run's info lines would only use memory here.
const quiet = { LOG_LEVEL: 'warn' };
const env = { ...quiet, REDIS_URL: redis.url, GPUQ_CONFIG: configPath };
const processes = {
  'solver-cpu': new AppProcess('solver-cpu', 'apps/solver-cpu/dist/server.js', { ...quiet, SOLVER_PORT: String(solverPort), SOLVER_THREADS: '2' }),
  'model-cpu': new AppProcess('model-cpu', 'apps/model-cpu/dist/server.js', { ...quiet, MODEL_PORT: String(modelPort) }),
};
const answers = (url) => async () => (await fetch(url).catch(() => undefined))?.ok === true;
const getJson = async (path) => {
  const response = await fetch(`${api}${path}`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
  return response.json();
};

let isStopping = false;
async function stopAll() {
  if (isStopping) return;
  isStopping = true;
  await Promise.all([processes.api?.stop(), processes.scheduler?.stop()]);
  await Promise.all([processes['solver-cpu'].stop(), processes['model-cpu'].stop()]);
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

// --- memory sampling ---------------------------------------------------------------------------
const samples = [];
let phase = 'starting';
function rssMb(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null; // gone
  }
}
function sample() {
  const rss = { redis: rssMb(redis.pid) };
  for (const [name, p] of Object.entries(processes)) rss[name] = rssMb(p.pid);
  samples.push({ at: Date.now(), phase, rss });
}

// --- load --------------------------------------------------------------------------------------
const load = { submitted: 0, accepted: 0, submitErrors: {} };
let finished = { total: 0, byKind: {} };
let nextIndex = 0;

async function submitOne() {
  const index = nextIndex++;
  load.submitted++;
  try {
    const response = await fetch(`${api}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(jobOf(index)),
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    if (response.status === 202) load.accepted++;
    else load.submitErrors[response.status] = (load.submitErrors[response.status] ?? 0) + 1;
  } catch (err) {
    const code = err.cause?.code ?? err.name;
    load.submitErrors[code] = (load.submitErrors[code] ?? 0) + 1;
  }
}

/** Jobs BullMQ has finished (completed or failed), from the API's system status. */
async function readFinished() {
  const { queues } = await getJson('/v1/system/status');
  const byKind = Object.fromEntries(KINDS.map((k) => [k, { succeeded: queues[k].completed, failed: queues[k].failed }]));
  return { total: KINDS.reduce((sum, k) => sum + queues[k].completed + queues[k].failed, 0), byKind };
}

async function trackFinished(signal) {
  while (!signal.aborted) {
    finished = await readFinished().catch(() => finished);
    await sleep(200);
  }
}

/** Keeps `backlog` jobs submitted and not finished, for `seconds`: the most the box can do. */
async function saturate(seconds, backlog) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const inFlight = [];
    while (load.accepted + inFlight.length - finished.total < backlog) inFlight.push(submitOne());
    await Promise.all(inFlight);
    await sleep(20);
  }
}

/** Submits at `ratePerS` for `seconds`, on schedule (no catching up later if a submit is slow). */
async function steady(ratePerS, seconds) {
  const startedAt = Date.now();
  const inFlight = new Set();
  let sent = 0;
  while (Date.now() - startedAt < seconds * 1000) {
    const due = Math.floor(((Date.now() - startedAt) / 1000) * ratePerS);
    for (; sent < due; sent++) {
      const p = submitOne();
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await sleep(Math.max(5, Math.min(100, 1000 / ratePerS / 2)));
  }
  await Promise.all(inFlight);
}

// --- run ---------------------------------------------------------------------------------------
const startedAt = new Date();
let report;
let exitCode = 0;
try {
  say(`gpuq soak: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${minutes} min at ${fraction} of capacity (measured for ${capacityS} s first), memory sampled every ${sampleS} s`);
  await waitFor(answers(`http://127.0.0.1:${solverPort}/cuopt/health`), { what: 'solver-cpu', timeoutMs: 30_000 });
  await waitFor(answers(`http://127.0.0.1:${modelPort}/health`), { what: 'model-cpu', timeoutMs: 60_000 });
  processes.api = new AppProcess('api', 'apps/api/dist/server.js', { ...env, PORT: String(apiPort) });
  await waitFor(answers(`${api}/healthz`), { what: 'the API', timeoutMs: 30_000 });
  // Only now the scheduler, whose metrics server takes any free port: it could take one chosen above
  // (at LOG_LEVEL=warn the servers do not say which port they bound, so they are given theirs).
  processes.scheduler = new AppProcess('scheduler', 'apps/scheduler/dist/main.js', { ...env, SCHEDULER_METRICS_PORT: '0' });
  await waitFor(async () => (await getJson('/v1/gpus')).boxes.length === 1, { what: 'the scheduler to publish its GPUs', timeoutMs: 30_000 });

  sample();
  const sampler = setInterval(sample, sampleS * 1000);
  const tracking = new AbortController();
  const tracker = trackFinished(tracking.signal);

  phase = 'capacity';
  say(`measuring capacity for ${capacityS} s (after 5 s of warm-up)…`);
  await saturate(5, 32);
  const before = finished.total;
  const measuredFrom = Date.now();
  await saturate(capacityS, 32);
  const capacityPerS = (finished.total - before) / ((Date.now() - measuredFrom) / 1000);
  await waitFor(() => finished.total >= load.accepted, { what: 'the capacity run to drain', timeoutMs: 120_000 });
  say(`capacity: ${capacityPerS.toFixed(1)} jobs/s finished under a saturating load`);

  phase = 'soak';
  const ratePerS = Math.max(0.1, capacityPerS * fraction);
  const soakFrom = { ...load, submitErrors: { ...load.submitErrors }, finished: finished.total, byKind: structuredClone(finished.byKind), at: Date.now() };
  say(`soak: ${ratePerS.toFixed(1)} jobs/s for ${minutes} min…`);
  sample();
  await steady(ratePerS, minutes * 60);
  sample();
  const soakEndedAt = Date.now();

  phase = 'drain';
  const drained = await waitFor(() => finished.total >= load.accepted, { what: 'every accepted job to finish', timeoutMs: 300_000 })
    .then(() => true)
    .catch(() => false);
  const drainS = (Date.now() - soakEndedAt) / 1000;
  tracking.abort();
  await tracker;
  clearInterval(sampler);
  finished = await readFinished();
  sample();

  const { boxes } = await getJson('/v1/gpus');
  const ledgerAtEnd = {
    reservedMb: boxes.flatMap((b) => b.gpus).reduce((sum, g) => sum + g.reservedMb, 0),
    jobsOnGpus: boxes.flatMap((b) => b.gpus).reduce((sum, g) => sum + g.jobs, 0),
    jobsOnSolveServers: boxes.flatMap((b) => b.solveServers).reduce((sum, s) => sum + s.running, 0),
  };
  const failedJobs = (await getJson('/v1/jobs?status=failed&limit=100')).jobs;
  const failureReasons = {};
  for (const job of failedJobs) failureReasons[`${job.error?.code}: ${job.error?.message}`] = (failureReasons[`${job.error?.code}: ${job.error?.message}`] ?? 0) + 1;

  const soakSamples = samples.filter((s) => s.at >= soakFrom.at);
  const memory = Object.fromEntries(
    Object.keys(samples[0].rss).map((name) => {
      const series = soakSamples.map((s) => s.rss[name]).filter((v) => v !== null);
      return [name, { startMb: series[0] ?? null, peakMb: series.length ? Math.max(...series) : null, endMb: series.at(-1) ?? null }];
    }),
  );
  const outcomes = Object.fromEntries(
    KINDS.map((k) => [k, { succeeded: finished.byKind[k].succeeded - soakFrom.byKind[k].succeeded, failed: finished.byKind[k].failed - soakFrom.byKind[k].failed }]),
  );
  const soakAccepted = load.accepted - soakFrom.accepted;
  const soakFinished = finished.total - soakFrom.finished;
  // Warnings and errors each process logged, counted by message.
  const warnings = {};
  for (const [name, p] of Object.entries(processes)) {
    for (const line of p.lines.filter((l) => (l.level ?? 0) >= 40)) {
      warnings[name] ??= {};
      warnings[name][line.msg] = (warnings[name][line.msg] ?? 0) + 1;
    }
  }
  const isAtRest = ledgerAtEnd.reservedMb === 0 && ledgerAtEnd.jobsOnGpus === 0 && ledgerAtEnd.jobsOnSolveServers === 0;
  const totalFailed = KINDS.reduce((sum, k) => sum + outcomes[k].failed, 0);
  report = {
    startedAt: startedAt.toISOString(),
    machine: { cores: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    options: { minutes, capacityS, fraction, sampleS },
    capacity: { jobsPerS: Math.round(capacityPerS * 100) / 100 },
    soak: {
      ratePerS: Math.round(ratePerS * 100) / 100,
      submitted: load.submitted - soakFrom.submitted,
      accepted: soakAccepted,
      submitErrors: Object.fromEntries(Object.entries(load.submitErrors).map(([k, n]) => [k, n - (soakFrom.submitErrors[k] ?? 0)]).filter(([, n]) => n > 0)),
      finished: soakFinished,
      outcomes,
      drainS: Math.round(drainS * 10) / 10,
      isDrained: drained,
    },
    failureReasons,
    warningLines: warnings,
    memory,
    ledgerAtEnd,
    isAtRest,
    samples,
  };

  say('');
  say('| process | start MiB | peak MiB | end MiB | end − start |');
  say('|---|---:|---:|---:|---:|');
  for (const [name, m] of Object.entries(memory)) {
    const growth = m.startMb !== null && m.endMb !== null ? (m.endMb - m.startMb).toFixed(1) : '';
    say(`| ${name} | ${m.startMb ?? ''} | ${m.peakMb ?? ''} | ${m.endMb ?? ''} | ${growth} |`);
  }
  say('');
  say('| kind | succeeded | failed |');
  say('|---|---:|---:|');
  for (const k of KINDS) say(`| ${k} | ${outcomes[k].succeeded} | ${outcomes[k].failed} |`);
  say('');
  say(`soak: ${report.soak.submitted} submitted, ${soakAccepted} accepted, ${soakFinished} finished (drained in ${report.soak.drainS} s); submit errors: ${JSON.stringify(report.soak.submitErrors)}`);
  say(`warning or error log lines: ${JSON.stringify(warnings)}`);
  say(`at rest afterwards: ${isAtRest ? 'yes' : `no ${JSON.stringify(ledgerAtEnd)}`}`);
  if (Object.keys(failureReasons).length > 0) say(`failures: ${JSON.stringify(failureReasons)}`);
  if (!drained || totalFailed > 0 || !isAtRest || Object.keys(report.soak.submitErrors).length > 0) exitCode = 1;
} catch (err) {
  say(`soak failed: ${err.message}`);
  for (const p of Object.values(processes)) say(`--- ${p.name}\n${p.tail(20)}`);
  exitCode = 1;
} finally {
  await stopAll();
}
if (report) {
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `soak-${startedAt.toISOString().slice(0, 19).replace(/:/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  say(`results: ${file}`);
}
process.exit(exitCode);
