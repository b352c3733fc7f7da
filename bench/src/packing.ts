// Benchmark 4, packing: the scheduler's own placement core in the simulator (no Redis, a simulated
// clock) over mixed traces on 4×80 GiB + 4×24 GiB, under each policy: gpuq's best-fit, spread,
// first-fit, strict FIFO, and exclusive (one job per GPU, as the Kubernetes device plugin
// allocates whole GPUs), the baseline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GpuqConfig } from '@gpuq/shared';
import { simulatedGpus } from '@gpuq/scheduler/dist/core/gpu-spec.js';
import { coreOptionsFor, POLICIES, type PolicyName } from '@gpuq/scheduler/dist/core/policies.js';
import { simulate, TraceJob } from '@gpuq/scheduler/dist/core/simulator.js';
import { ROOT } from '@gpuq/testkit';
import { gpusOf } from './gpuq-config.js';
import { markdownTable, round } from './measure.js';
import { backlogTrace } from './trace.js';

export interface PolicyResult {
  policy: PolicyName;
  makespanS: number;
  /** Makespan over the lower bound: 1 is a perfect packing. */
  overLowerBound: number;
  /** Makespan over the exclusive policy's. */
  overExclusive: number;
  vramTimeUtilization: number;
  waitS: { p50: number; p95: number; max: number };
  completed: number;
  neverFit: number;
  overcommitted: boolean;
}

export interface TraceResult {
  trace: string;
  jobs: number;
  /**
   * No scheduler can finish sooner: the larger of the simulator's bound (total VRAM-seconds over
   * total VRAM, or the longest job) and the arrival bound (the latest submit + duration).
   */
  lowerBoundS: number;
  capacityBoundS: number;
  arrivalBoundS: number;
  policies: PolicyResult[];
}

export interface PackingResults {
  gpus: string;
  traces: TraceResult[];
}

const GPUS = [...gpusOf(4, 81_920), ...gpusOf(4, 24_576).map((g, i) => ({ ...g, id: `gpu${4 + i}` }))];
const GPUS_LABEL = '4×80 GiB + 4×24 GiB';
const BASELINE: PolicyName = 'exclusive';

function readTrace(file: string): TraceJob[] {
  return readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => TraceJob.parse(JSON.parse(line)));
}

function runPolicies(name: string, trace: readonly TraceJob[]): TraceResult {
  const { scheduler } = GpuqConfig.parse({});
  const gpus = simulatedGpus(GPUS).map((g) => ({ ...g, headroomMb: scheduler.headroomMb }));
  const reports = (Object.keys(POLICIES) as PolicyName[]).map((policy) => ({
    policy,
    report: simulate(trace, { gpus, core: coreOptionsFor(scheduler, policy), windowPerKind: scheduler.windowPerKind }),
  }));
  const baselineS = reports.find((r) => r.policy === BASELINE)!.report.makespanS;
  const capacityBoundS = reports[0]!.report.makespanLowerBoundS;
  const arrivalBoundS = round(Math.max(...trace.map((job) => job.submitAt + job.durationS)), 3);
  const lowerBoundS = Math.max(capacityBoundS, arrivalBoundS);
  return {
    trace: name,
    jobs: trace.length,
    lowerBoundS,
    capacityBoundS,
    arrivalBoundS,
    policies: reports.map(({ policy, report }) => ({
      policy,
      makespanS: report.makespanS,
      overLowerBound: round(report.makespanS / lowerBoundS),
      overExclusive: round(report.makespanS / baselineS),
      vramTimeUtilization: report.vramTimeUtilization,
      waitS: { p50: report.waitS.p50, p95: report.waitS.p95, max: report.waitS.max },
      completed: report.completed,
      neverFit: report.neverFit,
      overcommitted: report.overcommitted,
    })),
  };
}

export function benchPacking(): PackingResults {
  return {
    gpus: GPUS_LABEL,
    traces: [
      runPolicies('backlog (generated, seed 8): 500 jobs arriving in the first minute', backlogTrace({ jobs: 500, arrivalS: 60, seed: 8 })),
      runPolicies('traces/mixed-30min.jsonl: 432 jobs arriving over 30 minutes', readTrace('traces/mixed-30min.jsonl')),
    ],
  };
}

export function packingTable(results: PackingResults): string[] {
  return results.traces.flatMap((trace, i) => [
    ...(i > 0 ? [''] : []),
    `${trace.trace}, on ${results.gpus}. Lower bound ${trace.lowerBoundS} s: the larger of VRAM-seconds over VRAM (or the longest job), ${trace.capacityBoundS} s, and the last arrival plus its duration, ${trace.arrivalBoundS} s.`,
    '',
    ...markdownTable(
      ['policy', 'makespan s', '÷ lower bound', `÷ ${BASELINE}`, 'VRAM-time used', 'wait s p50 / p95 / max'],
      ['l', 'r', 'r', 'r', 'r', 'r'],
      trace.policies.map((p) => [
        p.policy === 'best-fit' ? 'best-fit (gpuq default)' : p.policy === BASELINE ? `${p.policy} (baseline: one job per GPU)` : p.policy,
        p.makespanS,
        p.overLowerBound,
        p.overExclusive,
        `${Math.round(p.vramTimeUtilization * 100)} %`,
        `${p.waitS.p50} / ${p.waitS.p95} / ${p.waitS.max}`,
      ]),
    ),
  ]);
}
