// Which jobs at the head of the shared queues this box takes now (ADR 0004). A box takes a job only
// when it can place it now, so waiting jobs stay in Redis where every box sees them, and the order
// of the queues (priority, then age) holds across boxes: each box takes the first jobs it can
// start. The exceptions: a job that has waited past the starvation bound goes to the box where it
// would start soonest, which then reserves a GPU for it (the core's reservation); a pipeline job
// (a CPU stage first) may be taken a little ahead by that box, so its CPU stage runs while it waits
// for a GPU; and a job that no box could ever run is taken to be failed. Pure: the live scheduler
// and the multi-box simulator run this same rule.
import { canEverRunOn, earliestStartOn, whyNoBoxCanRun, type Inventory, type PlacementNeed } from '@gpuq/shared';
import type { GpuCapacity } from './ledger.js';
import type { PackingPolicy } from './placement.js';
import { RoomIndex } from './room-index.js';

/** A job at the head of a queue, as this box reads it. */
export interface Candidate {
  id: string;
  kind: string;
  /** What one attempt needs here (its minimum after running out of memory included); undefined: its data cannot be read. */
  need: PlacementNeed | undefined;
  /** The devices here it may use: undefined for any GPU, empty for none. */
  devices: ReadonlySet<string> | undefined;
  priority: number;
  submittedAt: number;
  isCancelled: boolean;
  /** Its kind runs a CPU stage before it needs a GPU (a pipeline): that stage may run while it waits here. */
  hasCpuStageFirst: boolean;
  /** Its last attempt ran on this box (which may re-attach to it), or on another box that is still up (which will). */
  lastBox?: { boxId: string; isUp: boolean };
}

export interface ClaimContext {
  boxId: string;
  /** An admin drained this box: it takes nothing but jobs to end. */
  isDrained: boolean;
  /** This box's GPUs (and solve servers' slots) now. */
  capacities: readonly GpuCapacity[];
  /** Jobs this box took and has not placed yet: they will use room first. */
  pending: ReadonlyArray<{ vramMb: number; devices: ReadonlySet<string> | undefined }>;
  packing: PackingPolicy;
  maxJobsPerGpu: number;
  starvationAfterMs: number;
  /** This box as the others see it (its published inventory, now). */
  own: Inventory;
  /** The other boxes that are up. */
  others: readonly Inventory[];
  /** The most jobs to take in one pass. */
  maxClaims: number;
  /** Jobs of each kind this box holds or is taking now; a pipeline kind's look-ahead stops at `lookaheadPerKind`. */
  heldByKind: ReadonlyMap<string, number>;
  lookaheadPerKind: number;
  now: number;
}

export type ClaimReason =
  /** It fits a GPU here now. */
  | 'fits'
  /** It waited past the starvation bound and would start here soonest of all boxes. */
  | 'starving'
  /** A pipeline job that would start here soonest: its CPU stage runs while it waits for a GPU. */
  | 'look-ahead'
  /** Cancelled while queued, or its data is unreadable: taken to be ended. */
  | 'cancelled'
  | 'unreadable'
  /** No box could ever run it. */
  | 'never-fits';

export interface Claim {
  id: string;
  kind: string;
  reason: ClaimReason;
  /** For never-fits: why, naming the largest GPU any box offers. */
  why?: string;
}

/** The jobs to take, in the order given (the caller merges the queues by priority, then age). */
export function chooseClaims(candidates: readonly Candidate[], ctx: ClaimContext): Claim[] {
  // This pass's own view of each GPU's room, used up as it takes jobs.
  const rooms = new RoomIndex(ctx.capacities, ctx.packing, ctx);
  for (const job of ctx.pending) takeRoom(rooms, job.vramMb, job.devices);
  const boxes = [ctx.own, ...ctx.others];
  const claims: Claim[] = [];
  const held = new Map(ctx.heldByKind);
  let placed = 0;
  for (const job of candidates) {
    if (placed >= ctx.maxClaims) break;
    if (job.isCancelled) {
      claims.push({ id: job.id, kind: job.kind, reason: 'cancelled' });
      continue;
    }
    if (!job.need) {
      claims.push({ id: job.id, kind: job.kind, reason: 'unreadable' });
      continue;
    }
    // Its box may re-attach to its last attempt, still running there: only that box takes it.
    if (job.lastBox && job.lastBox.boxId !== ctx.boxId && job.lastBox.isUp) continue;
    const never = whyNoBoxCanRun(boxes, job.kind, job.need);
    if (never !== undefined) {
      claims.push({ id: job.id, kind: job.kind, reason: 'never-fits', why: never });
      continue;
    }
    if (ctx.isDrained) continue;
    const vramMb = job.need.type === 'vram' ? job.need.vramMb : 0;
    if (takeRoom(rooms, vramMb, job.devices)) {
      claims.push({ id: job.id, kind: job.kind, reason: 'fits' });
      placed++;
      continue;
    }
    const isStarving = ctx.now - job.submittedAt >= ctx.starvationAfterMs;
    const isLookAhead = job.hasCpuStageFirst && (held.get(job.kind) ?? 0) < ctx.lookaheadPerKind;
    if ((isStarving || isLookAhead) && isSoonestHere(job, job.need, ctx)) {
      claims.push({ id: job.id, kind: job.kind, reason: isStarving ? 'starving' : 'look-ahead' });
      held.set(job.kind, (held.get(job.kind) ?? 0) + 1);
      placed++;
    }
  }
  return claims;
}

/** Places `vramMb` on the room the packing policy picks among the allowed devices; false when none has it. */
function takeRoom(rooms: RoomIndex, vramMb: number, devices: ReadonlySet<string> | undefined): boolean {
  // A job with no devices of its own may use any GPU, never a solve server's slot.
  return rooms.take(vramMb, devices, devices ? undefined : isSolveServerSlot) !== undefined;
}

const isSolveServerSlot = (room: GpuCapacity) => room.solveServer !== undefined;

/** This box can run it, and no other box that can would start it sooner. */
function isSoonestHere(job: Candidate, need: PlacementNeed, ctx: ClaimContext): boolean {
  if (!canEverRunOn(ctx.own, job.kind, need)) return false;
  const here = earliestStartOn(ctx.own, job.kind, need, ctx.now);
  if (here === undefined) return false;
  // Ties go to the box whose id sorts first, so two boxes never both take it.
  return ctx.others.every((box) => {
    const there = earliestStartOn(box, job.kind, need, ctx.now);
    return there === undefined || here < there || (here === there && ctx.boxId < box.boxId);
  });
}
