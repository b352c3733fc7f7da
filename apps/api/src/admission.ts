// Refuses at submit what can never run, when the published inventories let us know: a kind no
// active scheduler runs, or more VRAM than any GPU a kind may use offers. With no scheduler up,
// nothing is known and the job waits for one.
import type { Kind } from '@gpuq/shared';
import { ApiError } from './errors.js';
import type { SchedulerState } from './scheduler-state.js';

export function checkAdmission(state: SchedulerState, kind: Kind, vramMb: number | undefined, path = ''): void {
  if (state.inventories.length === 0) return;
  const serving = state.inventories.filter((inventory) => inventory.kinds.includes(kind));
  if (serving.length === 0) {
    const message = `no scheduler runs ${kind} jobs (they run: ${[...new Set(state.inventories.flatMap((i) => i.kinds))].join(', ')})`;
    throw new ApiError('kind_not_served', message, [{ path: `${path}kind`, message }]);
  }
  if (vramMb === undefined) return;
  const largestMb = Math.max(0, ...serving.flatMap((inventory) => inventory.gpus.map((g) => g.totalMb - g.headroomMb)));
  if (vramMb > largestMb) {
    const message = `needs ${vramMb} MiB but the largest GPU that runs ${kind} jobs offers ${largestMb} MiB; it could never run`;
    throw new ApiError('never_fits', message, [{ path: `${path}resources.vramMb`, message }]);
  }
}
