// Where a job no scheduler has taken yet stands, from what the schedulers published (read through
// @gpuq/runtime's box states, as the schedulers read them too).
import { whyWaitingAcrossBoxes, type PlacementNeed, type QueueStanding } from '@gpuq/shared';
import type { BoxStates } from '@gpuq/runtime';

/**
 * Where a job not yet taken stands: the jobs held by the schedulers of its kind, plus those queued
 * ahead, and (given its need) why no box has taken it, across every box.
 */
export function standingOf(state: BoxStates, kind: string, queuedAhead: number, need?: PlacementNeed, now = Date.now()): QueueStanding {
  const serving = state.inventories.filter((inventory) => inventory.kinds.includes(kind));
  return {
    heldByScheduler: serving.reduce((sum, inventory) => sum + (inventory.heldByKind[kind] ?? 0), 0),
    queuedAhead,
    isSchedulerRunning: serving.length > 0,
    ...(need && serving.length > 0 ? { reason: whyWaitingAcrossBoxes(state.inventories, kind, need, now) } : {}),
  };
}
