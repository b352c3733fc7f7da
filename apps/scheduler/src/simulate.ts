// `npm run simulate -- --trace <file.jsonl> [--config <file>] [--gpus 4x81920,2x24576] [--policy <name>]`
// `npm run simulate -- --trace <file.jsonl> --boxes '2x(2x24576),1x(1x81920)'`: boxes sharing one
// queue (here two boxes of two 24 GiB GPUs and one of one 80 GiB GPU), beside one pool of the same GPUs.
// Prints the simulator's JSON report on stdout.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '@gpuq/runtime';
import { simulatedGpus, type GpuSpec } from './core/gpu-spec.js';
import { POLICIES, coreOptionsFor, type PolicyName } from './core/policies.js';
import { simulateBoxes, type SimulatedBox } from './core/box-simulator.js';
import { simulate, TraceJob } from './core/simulator.js';

function fail(message: string): never {
  process.stderr.write(`simulate: ${message}\n`);
  process.exit(2);
}

/** `4x81920,2x24576` → four 80 GiB GPUs and two 24 GiB ones. */
export function parseGpuList(text: string): GpuSpec[] {
  const gpus: GpuSpec[] = [];
  for (const part of text.split(',')) {
    const match = /^(\d+)x(\d+)$/.exec(part.trim());
    if (!match) fail(`--gpus takes COUNTxMIB[,COUNTxMIB…], e.g. 4x81920,2x24576; not "${part}"`);
    for (let i = 0; i < Number(match[1]); i++) gpus.push({ id: `gpu${gpus.length}`, totalMb: Number(match[2]), isSimulated: true });
  }
  return gpus;
}

/** `2x(2x24576),1x(1x81920)` → box0 and box1 with two 24 GiB GPUs each, box2 with one 80 GiB GPU. */
export function parseBoxList(text: string): SimulatedBox[] {
  const boxes: SimulatedBox[] = [];
  const groups = text.replace(/\s+/g, '').match(/\d+x\([^()]*\)|[^,]+/g) ?? [];
  for (const group of groups) {
    const match = /^(\d+)x\(([^()]+)\)$/.exec(group);
    if (!match) fail(`--boxes takes COUNTx(GPUS)[,COUNTx(GPUS)…], GPUS as for --gpus, e.g. 2x(2x24576),1x(1x81920); not "${group}"`);
    for (let i = 0; i < Number(match[1]); i++) boxes.push({ id: `box${boxes.length}`, gpus: parseGpuList(match[2]!) });
  }
  if (boxes.length === 0) fail('--boxes names no box');
  return boxes;
}

const { values } = parseArgs({
  options: {
    trace: { type: 'string' },
    config: { type: 'string' },
    gpus: { type: 'string' },
    boxes: { type: 'string' },
    policy: { type: 'string' },
  },
});
if (values.gpus && values.boxes) fail('give --gpus (one box) or --boxes (several), not both');
if (!values.trace) fail('--trace <file.jsonl> is required');
const config = loadConfig(values.config);
const policy = (values.policy ?? config.scheduler.policy) as PolicyName;
if (!(policy in POLICIES)) fail(`--policy must be one of ${Object.keys(POLICIES).join(', ')}`);
const gpus = values.gpus
  ? parseGpuList(values.gpus).map((g) => ({ ...g, headroomMb: config.scheduler.headroomMb }))
  : simulatedGpus(config.gpus).map((g) => ({ ...g, headroomMb: g.headroomMb ?? config.scheduler.headroomMb }));

const trace = readFileSync(values.trace, 'utf8')
  .split('\n')
  .map((line, i) => [line.trim(), i + 1] as const)
  .filter(([line]) => line.length > 0)
  .map(([line, lineNo]) => {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      fail(`${values.trace}:${lineNo} is not JSON`);
    }
    const job = TraceJob.safeParse(raw);
    if (!job.success) fail(`${values.trace}:${lineNo}: ${job.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    return job.data;
  });

if (values.boxes) {
  const withHeadroom = (box: SimulatedBox) => ({ ...box, gpus: box.gpus.map((g) => ({ ...g, headroomMb: config.scheduler.headroomMb })) });
  const boxes = parseBoxList(values.boxes).map(withHeadroom);
  const onePool = [{ id: 'pool', gpus: boxes.flatMap((b) => b.gpus).map((g, i) => ({ ...g, id: `gpu${i}` })) }];
  const run = (of: SimulatedBox[]) => simulateBoxes(trace, { boxes: of, core: coreOptionsFor(config.scheduler, policy), maxClaims: config.scheduler.windowPerKind });
  const report = { policy, boxes: boxes.map((b) => ({ id: b.id, gpus: b.gpus.map((g) => g.totalMb) })), manyBoxes: run(boxes), onePool: run(onePool) };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  const report = simulate(trace, {
    gpus,
    core: coreOptionsFor(config.scheduler, policy),
    windowPerKind: config.scheduler.windowPerKind,
  });
  process.stdout.write(`${JSON.stringify({ policy, gpus: gpus.length, ...report }, null, 2)}\n`);
}
