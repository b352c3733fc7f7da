// What the boxes can do for a queued job, read from the inventories they publish: whether any box
// can ever run it, when it could start on a box, and why it waits, in words that name box and GPU.
// The API's admission and pending reasons and each scheduler's choice of what to take from the
// shared queue follow these same rules, so they never disagree about a job.
import type { GpuState, Inventory } from './inventory.js';
import type { PlacementNeed, VramNeed } from './kinds/kind-spec.js';

/** A GPU as people see it wherever boxes share a queue: `box-a/gpu1`. */
export const gpuName = (boxId: string, gpuId: string): string => `${boxId}/${gpuId}`;

/** What a GPU can ever hand out: its memory less its headroom. */
export const capacityOf = (gpu: Pick<GpuState, 'totalMb' | 'headroomMb'>): number => gpu.totalMb - gpu.headroomMb;

const gib = (mb: number) => `${Math.round(mb / 1024)} GiB`;
const inWords = (ms: number) => (ms < 90_000 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${Math.round(ms / 60_000)} min`);

/** The GPUs of a box a VRAM need may use there: its model's, else its kind's, else all of them. */
export function gpusFor(inventory: Inventory, kind: string, need: Pick<VramNeed, 'model'>): GpuState[] {
  const allowed = (need.model !== undefined ? inventory.modelGpus[need.model] : undefined) ?? inventory.kindGpus[kind];
  return allowed ? inventory.gpus.filter((g) => allowed.includes(g.id)) : inventory.gpus;
}

/** Whether the box could ever run the job: it runs the kind, and a GPU it may use (or a solve server) takes it. */
export function canEverRunOn(inventory: Inventory, kind: string, need: PlacementNeed): boolean {
  if (!inventory.kinds.includes(kind)) return false;
  if (need.type === 'server-slot') return inventory.solveServers.some((s) => s.problems.includes(need.problem));
  return gpusFor(inventory, kind, need).some((g) => capacityOf(g) >= need.vramMb);
}

/**
 * Why no box can ever run the job, naming what the largest GPU it may use offers; undefined when
 * some box can. With no box known, nothing is known: undefined.
 */
export function whyNoBoxCanRun(inventories: readonly Inventory[], kind: string, need: PlacementNeed): string | undefined {
  if (inventories.length === 0 || inventories.some((i) => canEverRunOn(i, kind, need))) return undefined;
  if (need.type === 'server-slot') return `no box has a solve server that takes ${need.problem.toUpperCase()} problems`;
  const serving = inventories.filter((i) => i.kinds.includes(kind));
  if (serving.length === 0) return `no box runs ${kind} jobs`;
  const largest = serving.flatMap((i) => gpusFor(i, kind, need).map((g) => ({ mb: capacityOf(g), name: gpuName(i.boxId, g.id) }))).reduce((a, b) => (b.mb > a.mb ? b : a), { mb: 0, name: 'none' });
  return `needs ${need.vramMb} MiB but the largest GPU any box offers ${kind} jobs is ${largest.name} with ${largest.mb} MiB; it could never run`;
}

/** Whether the GPU takes `vramMb` more now (the scheduler's job cap is not published: the drain and memory are). */
const hasRoomNow = (gpu: GpuState, vramMb: number) => gpu.drainedReason === null && gpu.freeMb >= vramMb;

/**
 * When the job could start on this box at the earliest, by what the box published: now where a GPU
 * it may use has room, else when the first of those GPUs is done with the jobs it runs (their
 * timeouts bound it). Undefined when the box will not take it (it cannot run it, or it is drained).
 */
export function earliestStartOn(inventory: Inventory, kind: string, need: PlacementNeed, now: number): number | undefined {
  if (inventory.drainedReason !== null || !canEverRunOn(inventory, kind, need)) return undefined;
  if (need.type === 'server-slot') {
    const open = inventory.solveServers.filter((s) => s.problems.includes(need.problem) && s.unavailableReason === null);
    return open.some((s) => s.running < s.slots) ? now : undefined;
  }
  let soonest: number | undefined;
  for (const gpu of gpusFor(inventory, kind, need)) {
    if (capacityOf(gpu) < need.vramMb || gpu.drainedReason !== null) continue;
    const at = hasRoomNow(gpu, need.vramMb) ? now : Math.max(now, gpu.busyUntil ?? now);
    if (soonest === undefined || at < soonest) soonest = at;
  }
  return soonest;
}

/**
 * Why a job no box has taken yet is waiting, across every box: the largest free block, the GPU it
 * could start on soonest and when, boxes that are drained. Its position is added by the caller.
 */
export function whyWaitingAcrossBoxes(inventories: readonly Inventory[], kind: string, need: PlacementNeed, now: number): string {
  const serving = inventories.filter((i) => i.kinds.includes(kind));
  if (serving.length === 0) return `no box runs ${kind} jobs now`;
  const drained = serving.filter((i) => i.drainedReason !== null && canEverRunOn(i, kind, need));
  const open = serving.filter((i) => i.drainedReason === null);
  const drainedNote = drained.length > 0 ? `; drained: ${drained.map((i) => `${i.boxId} (${i.drainedReason})`).join(', ')}` : '';
  if (need.type === 'server-slot') {
    const servers = open.flatMap((i) => i.solveServers.filter((s) => s.problems.includes(need.problem)).map((s) => ({ box: i.boxId, s })));
    if (servers.length === 0) return `no open box has a solve server that takes ${need.problem.toUpperCase()} problems${drainedNote}`;
    const states = servers.map(({ box, s }) => (s.unavailableReason !== null ? `${s.name} on ${box} is unavailable (${s.unavailableReason})` : `${s.name} on ${box} is solving ${s.running} of ${s.slots} at a time`));
    return `waiting for a solve server: ${states.join('; ')}${drainedNote}`;
  }
  const gpus = open.flatMap((i) => gpusFor(i, kind, need).map((g) => ({ box: i, g })));
  const bigEnough = gpus.filter(({ g }) => capacityOf(g) >= need.vramMb);
  if (bigEnough.length === 0) {
    return drained.length > 0 ? `needs ${need.vramMb} MiB; only drained boxes have a GPU that large${drainedNote}` : `needs ${need.vramMb} MiB; no open box has a GPU that large`;
  }
  const capable = bigEnough.filter(({ g }) => g.drainedReason === null);
  if (capable.length === 0) {
    return `every GPU that can take it is drained (${bigEnough.map(({ box, g }) => `${gpuName(box.boxId, g.id)}: ${g.drainedReason}`).join('; ')})${drainedNote}`;
  }
  const largest = gpus.filter(({ g }) => g.drainedReason === null).reduce((a, b) => (b.g.freeMb > a.g.freeMb ? b : a));
  const parts = [`needs ${need.vramMb} MiB`, `largest free is ${Math.max(0, largest.g.freeMb)} MiB on ${gpuName(largest.box.boxId, largest.g.id)}`];
  const roomy = capable.find(({ g }) => hasRoomNow(g, need.vramMb));
  if (roomy) {
    parts.push(`${gpuName(roomy.box.boxId, roomy.g.id)} has room: a scheduler takes it next`);
  } else {
    const soonest = capable.reduce((a, b) => ((b.g.busyUntil ?? Infinity) < (a.g.busyUntil ?? Infinity) ? b : a));
    const name = `${gpuName(soonest.box.boxId, soonest.g.id)} (${gib(soonest.g.totalMb)})`;
    if (soonest.g.busyUntil !== null) parts.push(`${name} is busy, expected free in ~${inWords(soonest.g.busyUntil - now)} at the latest`);
    else if (soonest.g.notOursMb > 0) parts.push(`${name} has ${soonest.g.notOursMb} MiB in use by processes that are not gpuq's`);
    else parts.push(`${name} is busy`);
  }
  return parts.join('; ') + drainedNote;
}
