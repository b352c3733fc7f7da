// Refuses at submit what can never run: a solve problem no solve server takes (known from config),
// and, once the published inventories let us know, a kind no active scheduler runs or more VRAM
// than any GPU the job may use offers. The job's need is the kind catalog's, the same the
// scheduler places by, so a job admitted here is never failed there as `never_fits`. With no
// scheduler up, the job waits for one.
import type { GpuqConfig, Kind, PlacementNeed, VramNeed } from '@gpuq/shared';
import { kindGpuRule } from '@gpuq/shared';
import { ApiError } from './errors.js';
import type { SchedulerState } from './scheduler-state.js';

const mib = (n: number) => `${n} MiB`;

export function checkAdmission(state: SchedulerState, kind: Kind, need: PlacementNeed, config: GpuqConfig, path = ''): void {
  if (need.type === 'server-slot' && need.servers.length === 0) {
    const message = need.whyNone ?? `no solve server takes ${need.problem} problems`;
    throw new ApiError('problem_not_served', message, [{ path: `${path}input`, message }]);
  }
  if (state.inventories.length === 0) return;
  const serving = state.inventories.filter((inventory) => inventory.kinds.includes(kind));
  if (serving.length === 0) {
    const why = state.inventories.flatMap((i) => (i.unavailableKinds[kind] ? [`${i.boxId}: ${i.unavailableKinds[kind]}`] : []));
    const message = why.length > 0 ? `no scheduler can run ${kind} jobs (${why.join('; ')})` : `no scheduler runs ${kind} jobs (they run: ${[...new Set(state.inventories.flatMap((i) => i.kinds))].join(', ')})`;
    throw new ApiError('kind_not_served', message, [{ path: `${path}kind`, message }]);
  }
  if (need.type !== 'vram') return;
  const rule = kindGpuRule(kind, config);
  const mayUse = (id: string) => (need.gpus ? need.gpus.includes(id) : rule.only ? rule.only.includes(id) : !rule.except.includes(id));
  const largestMb = Math.max(0, ...serving.flatMap((inventory) => inventory.gpus.filter((g) => mayUse(g.id)).map((g) => g.totalMb - g.headroomMb)));
  if (need.vramMb > largestMb) {
    const { message, field } = neverFits(kind, need, largestMb);
    throw new ApiError('never_fits', message, [{ path: `${path}${field}`, message }]);
  }
}

/** Why, in words that say what to change, and the request field that sets the figure. */
function neverFits(kind: Kind, need: VramNeed, largestMb: number): { message: string; field: string } {
  const offer = `the largest GPU that ${need.gpus ? 'its model may use' : `runs ${kind} jobs`} offers ${mib(largestMb)}; it could never run`;
  switch (need.source) {
    case 'declared':
      return { message: `needs ${mib(need.vramMb)} but ${offer}`, field: 'resources.vramMb' };
    case 'input':
      return { message: `estimated to need ${mib(need.vramMb)} for ${need.basis ?? 'its input'}, but ${offer} (declare resources.vramMb if you know it needs less)`, field: 'input' };
    case 'model':
      return { message: `its model reserves ${mib(need.vramMb)} (${need.configField}), but ${offer}`, field: 'input.model' };
    case 'default':
      return { message: `${kind} jobs reserve ${mib(need.vramMb)} unless they declare less (${need.configField}), but ${offer} (declare resources.vramMb)`, field: 'resources.vramMb' };
  }
}
