// Where a job goes: best fit (the GPU with the least free VRAM that still fits, keeping large
// holes for large jobs), spread (the most free), or first fit (the first in order, as the simplest
// schedulers do). Solve servers' slots have no VRAM: the first with a free slot, in the order of
// preference, wins. When it fits nowhere, a reason a person reads.
import type { GpuCapacity } from './ledger.js';

export type PackingPolicy = 'best-fit' | 'spread' | 'first-fit';

export interface PlacementOptions {
  policy: PackingPolicy;
  maxJobsPerGpu: number;
  /** GPUs this job may use; all when absent. */
  allowedGpus?: ReadonlySet<string>;
}

export type PlacementResult = { ok: true; gpu: string } | { ok: false; reason: string };

export function place(gpus: readonly GpuCapacity[], vramMb: number, options: PlacementOptions): PlacementResult {
  const candidates = gpus.filter((g) => !options.allowedGpus || options.allowedGpus.has(g.id));
  let best: GpuCapacity | undefined;
  for (const gpu of candidates) {
    if (hasRoom(gpu, vramMb, options) && (!best || isBetterPick(options.policy, gpu, best))) best = gpu;
  }
  if (best) return { ok: true, gpu: best.id };
  return { ok: false, reason: whyNot(candidates, vramMb, options) };
}

export const maxJobsOn = (gpu: GpuCapacity, options: Pick<PlacementOptions, 'maxJobsPerGpu'>) => gpu.maxJobs ?? options.maxJobsPerGpu;

/** Open, under its job limit, with `vramMb` free now. */
export const hasRoom = (gpu: GpuCapacity, vramMb: number, options: Pick<PlacementOptions, 'maxJobsPerGpu'>) =>
  gpu.drainedReason === undefined && gpu.jobs < maxJobsOn(gpu, options) && gpu.freeMb >= vramMb;

/** Whether the policy prefers `gpu` to `best` (both with room); on a tie the earlier GPU stays. */
export const isBetterPick = (policy: PackingPolicy, gpu: GpuCapacity, best: GpuCapacity) =>
  (policy === 'best-fit' && gpu.freeMb < best.freeMb) || (policy === 'spread' && gpu.freeMb > best.freeMb);

function whyNot(gpus: readonly GpuCapacity[], vramMb: number, options: PlacementOptions): string {
  if (gpus.length === 0) return 'no GPU is allowed for this kind';
  if (gpus.every((g) => g.solveServer !== undefined)) return whyNoServer(gpus, options);
  const open = gpus.filter((g) => g.drainedReason === undefined);
  if (open.length === 0) return `every GPU it may use is drained (${gpus.map((g) => `${g.label}: ${g.drainedReason}`).join('; ')})`;
  const withRoom = open.filter((g) => g.freeMb >= vramMb);
  if (withRoom.length > 0) {
    return `every GPU with ${vramMb} MiB free already runs its limit of ${options.maxJobsPerGpu} jobs`;
  }
  const largest = open.reduce((a, b) => (b.freeMb > a.freeMb ? b : a));
  return `needs ${vramMb} MiB; largest free is ${Math.max(0, largest.freeMb)} MiB on ${largest.label}`;
}

/** Every solve server that takes the job is down or busy: say which, and how busy. */
function whyNoServer(servers: readonly GpuCapacity[], options: PlacementOptions): string {
  const states = servers.map((s) => {
    if (s.drainedReason !== undefined) return `${s.label} is unavailable (${s.drainedReason})`;
    const max = maxJobsOn(s, options);
    return `${s.label} is solving ${s.jobs} of ${max} at a time`;
  });
  return `waiting for a solve server: ${states.join('; ')}`;
}
