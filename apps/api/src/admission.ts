// Refuses at submit what can never run: a solve problem no solve server takes (known from config),
// and, once the published inventories let us know, a kind no active scheduler runs or more VRAM
// than any GPU the job may use offers. The job's need is the kind catalog's, the same the
// scheduler places by, so a job admitted here is never failed there as `never_fits`. With no
// scheduler up, the job waits for one.
import { capacityOf, gpusFor, type Kind, type PlacementNeed, type VramNeed } from '@gpuq/shared';
import { ApiError } from './errors.js';
import type { BoxStates } from '@gpuq/runtime';

const mib = (n: number) => `${n} MiB`;

export function checkAdmission(state: BoxStates, kind: Kind, need: PlacementNeed, path = ''): void {
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
  // The GPUs each box says the job may use there (its model's, its kind's): the rule the schedulers place by.
  const largestMb = Math.max(0, ...serving.flatMap((inventory) => gpusFor(inventory, kind, need).map(capacityOf)));
  if (need.vramMb > largestMb) {
    const isPinned = need.model !== undefined && serving.some((inventory) => inventory.modelGpus[need.model!] !== undefined);
    const { message, field } = neverFits(kind, need, largestMb, isPinned);
    throw new ApiError('never_fits', message, [{ path: `${path}${field}`, message }]);
  }
}

/** Why, in words that say what to change, and the request field that sets the figure. */
function neverFits(kind: Kind, need: VramNeed, largestMb: number, isPinned: boolean): { message: string; field: string } {
  const offer = `the largest GPU that ${isPinned ? 'its model may use' : `runs ${kind} jobs`} offers ${mib(largestMb)}; it could never run`;
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
