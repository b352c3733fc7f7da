// Several boxes sharing one queue, on a simulated clock: each box runs the scheduler's own core on
// its GPUs and takes jobs from the shared backlog by the live scheduler's rule (claim-choice.ts),
// seeing the other boxes as they publish themselves. One box holding every GPU is the "one pool"
// the same GPUs would make; the two are compared to size boxes and to see what splitting costs.
import type { GpuState, Inventory } from '@gpuq/shared';
import { chooseClaims, type Candidate } from './claim-choice.js';
import type { GpuSpec } from './gpu-spec.js';
import { VramLedger } from './ledger.js';
import { SchedulerCore, type CoreJob, type CoreOptions } from './scheduler-core.js';
import { percentiles, roundAll, type Percentiles, type TraceJob } from './simulator.js';

export interface SimulatedBox {
  id: string;
  gpus: GpuSpec[];
}

export interface BoxSimulationOptions {
  boxes: SimulatedBox[];
  core: CoreOptions;
  /** The most jobs a box takes in one pass. */
  maxClaims: number;
}

export interface BoxSimulationReport {
  jobs: number;
  completed: number;
  /** Jobs no box could ever run (failed as never fitting). */
  neverFit: number;
  /** Jobs left waiting when nothing else could happen (should be 0). */
  stuck: number;
  makespanS: number;
  waitS: Percentiles;
  maxWaitByKindS: Record<string, number>;
  /** Jobs each box ran. */
  ranByBox: Record<string, number>;
  /** True if reserved VRAM ever exceeded what a GPU can hand out. */
  overcommitted: boolean;
}

interface SimJob extends CoreJob {
  trace: TraceJob;
}

interface Box {
  id: string;
  ledger: VramLedger;
  core: SchedulerCore<SimJob>;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** A box as it would publish itself at `now`, for the others' choices. */
function inventoryOf(box: Box, kinds: string[]): Inventory {
  const gpus: GpuState[] = box.ledger.capacities().map((c) => ({
    id: c.id,
    isSimulated: true,
    totalMb: c.totalMb,
    headroomMb: c.headroomMb,
    notOursMb: c.notOursMb,
    usedByUsMb: 0,
    usableMb: c.usableMb,
    reservedMb: c.reservedMb,
    freeMb: c.freeMb,
    jobs: c.jobs,
    drainedReason: null,
    utilizationPercent: null,
    temperatureC: null,
    busyUntil: box.ledger.busyUntil(c.id) ?? null,
  }));
  return { schedulerId: box.id, updatedAt: 0, boxId: box.id, kinds, unavailableKinds: {}, heldByKind: {}, gpus, solveServers: [], kindGpus: {}, modelGpus: {}, drainedReason: null, gpuMonitor: null };
}

export function simulateBoxes(trace: readonly TraceJob[], options: BoxSimulationOptions): BoxSimulationReport {
  const kinds = [...new Set(trace.map((j) => j.kind))];
  const boxes: Box[] = options.boxes.map((b) => {
    const ledger = new VramLedger(b.gpus);
    return { id: b.id, ledger, core: new SchedulerCore<SimJob>(ledger, options.core) };
  });
  const arrivals = [...trace].sort((a, b) => a.submitAt - b.submitAt);
  const backlog: SimJob[] = [];
  const completions: Array<{ at: number; jobId: string; box: Box }> = [];
  const waits: number[] = [];
  const maxWaitByKindS: Record<string, number> = {};
  const ranByBox: Record<string, number> = Object.fromEntries(boxes.map((b) => [b.id, 0]));
  let next = 0;
  let now = 0;
  let completed = 0;
  let neverFit = 0;
  let overcommitted = false;
  let makespanS = 0;

  /** One box's pass: it takes what the rule gives it, then places. True when anything moved. */
  const pass = (box: Box): boolean => {
    const inventories = boxes.map((b) => inventoryOf(b, kinds));
    const own = inventories.find((i) => i.boxId === box.id)!;
    backlog.sort((a, b) => b.priority - a.priority || a.submittedAt - b.submittedAt);
    const candidates: Candidate[] = backlog.map((job) => ({
      id: job.id,
      kind: job.kind,
      need: { type: 'vram', vramMb: job.vramMb, estimateMb: job.vramMb, source: 'declared' },
      devices: undefined,
      priority: job.priority,
      submittedAt: job.submittedAt,
      isCancelled: false,
      hasCpuStageFirst: false,
    }));
    const claims = chooseClaims(candidates, {
      boxId: box.id,
      isDrained: false,
      capacities: box.ledger.capacities(),
      pending: box.core.window.ordered().map((job) => ({ vramMb: job.vramMb, devices: undefined })),
      packing: options.core.packing,
      maxJobsPerGpu: options.core.maxJobsPerGpu,
      starvationAfterMs: options.core.starvationAfterMs,
      own,
      others: inventories.filter((i) => i.boxId !== box.id),
      maxClaims: options.maxClaims,
      heldByKind: new Map(),
      lookaheadPerKind: 0,
      now: now * 1000,
    });
    for (const claim of claims) {
      const index = backlog.findIndex((j) => j.id === claim.id);
      const [job] = backlog.splice(index, 1);
      if (claim.reason === 'never-fits') neverFit++;
      else box.core.hold(job!);
    }
    let moved = claims.length > 0;
    for (const decision of box.core.plan(now * 1000)) {
      if (decision.type !== 'dispatch') continue;
      moved = true;
      const { trace: job } = decision.job;
      const waitS = now - job.submitAt;
      waits.push(waitS);
      maxWaitByKindS[job.kind] = Math.max(maxWaitByKindS[job.kind] ?? 0, waitS);
      completions.push({ at: now + job.durationS, jobId: job.id, box });
      ranByBox[box.id]! += 1;
    }
    for (const gpu of box.ledger.capacities()) if (gpu.reservedMb > gpu.usableMb) overcommitted = true;
    return moved;
  };

  for (;;) {
    const waiting = [...backlog, ...boxes.flatMap((b) => b.core.window.ordered())];
    const starvationAt = waiting.map((job) => (job.submittedAt + options.core.starvationAfterMs) / 1000).filter((t) => t > now);
    const times = [arrivals[next]?.submitAt, ...completions.map((c) => c.at), ...starvationAt].filter((t): t is number => t !== undefined);
    if (times.length === 0) break;
    now = Math.max(now, Math.min(...times));
    for (let i = completions.length - 1; i >= 0; i--) {
      const c = completions[i]!;
      if (c.at > now) continue;
      c.box.core.finish(c.jobId);
      makespanS = Math.max(makespanS, c.at);
      completions.splice(i, 1);
      completed++;
    }
    while (next < arrivals.length && arrivals[next]!.submitAt <= now) {
      const job = arrivals[next++]!;
      backlog.push({ id: job.id, kind: job.kind, priority: job.priority, submittedAt: job.submitAt * 1000, vramMb: job.vramMb, runBoundMs: (job.timeoutS ?? job.durationS) * 1000, trace: job });
    }
    // Every box looks until none takes or places anything more at this moment.
    while (boxes.map(pass).some(Boolean));
  }

  return {
    jobs: trace.length,
    completed,
    neverFit,
    stuck: backlog.length + boxes.reduce((sum, b) => sum + b.core.window.size, 0),
    makespanS: round(makespanS),
    waitS: roundAll(percentiles(waits)),
    maxWaitByKindS: Object.fromEntries(Object.entries(maxWaitByKindS).map(([k, v]) => [k, round(v)])),
    ranByBox,
    overcommitted,
  };
}
