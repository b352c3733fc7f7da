// Refuses at submit what can never run, when the published inventories let us know: a kind no
// active scheduler runs, or more VRAM than any GPU a kind may use offers. With no scheduler up,
// nothing is known and the job waits for one.
import type { Kind } from '@gpuq/shared';
import { ApiError } from './errors.js';
import type { SchedulerState } from './scheduler-state.js';

/** The VRAM a job needs: declared, or estimated from its input (`basis` says from what). */
export interface VramNeed {
  vramMb: number;
  estimatedFrom?: string;
}

const mib = (n: number) => `${n} MiB`;

export function checkAdmission(state: SchedulerState, kind: Kind, need: VramNeed | undefined, path = ''): void {
  if (state.inventories.length === 0) return;
  const serving = state.inventories.filter((inventory) => inventory.kinds.includes(kind));
  if (serving.length === 0) {
    const why = state.inventories.flatMap((i) => (i.unavailableKinds[kind] ? [`${i.boxId}: ${i.unavailableKinds[kind]}`] : []));
    const message = why.length > 0 ? `no scheduler can run ${kind} jobs (${why.join('; ')})` : `no scheduler runs ${kind} jobs (they run: ${[...new Set(state.inventories.flatMap((i) => i.kinds))].join(', ')})`;
    throw new ApiError('kind_not_served', message, [{ path: `${path}kind`, message }]);
  }
  if (need === undefined) return;
  const largestMb = Math.max(0, ...serving.flatMap((inventory) => inventory.gpus.map((g) => g.totalMb - g.headroomMb)));
  if (need.vramMb > largestMb) {
    const offer = `the largest GPU that runs ${kind} jobs offers ${mib(largestMb)}; it could never run`;
    const message = need.estimatedFrom
      ? `estimated to need ${mib(need.vramMb)} for ${need.estimatedFrom}, but ${offer} (declare resources.vramMb if you know it needs less)`
      : `needs ${mib(need.vramMb)} but ${offer}`;
    throw new ApiError('never_fits', message, [{ path: `${path}${need.estimatedFrom ? 'input' : 'resources.vramMb'}`, message }]);
  }
}
