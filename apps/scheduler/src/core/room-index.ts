// The rooms (GPUs, and solve servers' slots) that can take a job now, kept in the order the packing
// policy prefers them, so that a pick walks from the first room with enough free VRAM instead of
// scanning every GPU: a pass over a large window on a large box costs what it places, not GPUs ×
// jobs. It picks exactly what the linear scan of placement.ts picks: best fit the least free VRAM
// that fits, spread the most, first fit the first in order, and on a tie the room given earlier.
import type { GpuCapacity } from './ledger.js';
import { hasRoom, isBetterPick, maxJobsOn, type PackingPolicy, type PlacementOptions } from './placement.js';

/** The open rooms (not drained, under their job limit) in one policy's order. */
interface RoomOrder {
  add(position: number): void;
  /** Called while `rooms[position]` still holds the state it was added with. */
  remove(position: number): void;
  /** Offers `accept` each open room with `vramMb` free, most preferred first, until it returns true. */
  walk(vramMb: number, accept: (position: number) => boolean): void;
}

export class RoomIndex {
  /** Each room's latest state, at its position in the order first given (the tie-break). */
  private readonly rooms: GpuCapacity[];
  /** Built when first needed: a claim pass builds an index per pass and rarely needs it. */
  private positions: Map<string, number> | undefined;
  private readonly order: RoomOrder;

  constructor(
    rooms: readonly GpuCapacity[],
    private readonly policy: PackingPolicy,
    private readonly limits: Pick<PlacementOptions, 'maxJobsPerGpu'>,
  ) {
    this.rooms = [...rooms];
    const open: number[] = [];
    for (let position = 0; position < this.rooms.length; position++) if (this.isOpen(this.rooms[position]!)) open.push(position);
    this.order = policy === 'first-fit' ? new FirstInOrder(this.rooms, open) : new ByFreeVram(this.rooms, policy === 'spread', open);
  }

  /** A room's new state (a reservation, a release, a drain, its limit); a room not seen before goes last. */
  set(room: GpuCapacity): void {
    const positions = this.positionsById();
    const position = positions.get(room.id);
    if (position !== undefined) return this.replace(position, room);
    positions.set(room.id, this.rooms.length);
    this.rooms.push(room);
    if (this.isOpen(room)) this.order.add(this.rooms.length - 1);
  }

  /**
   * The policy's pick among the rooms with `vramMb` free now, limited to `among` (every room when
   * absent) and leaving out those `isSkipped` names; undefined when none has room.
   */
  pick(vramMb: number, among?: ReadonlySet<string>, isSkipped?: (room: GpuCapacity) => boolean): GpuCapacity | undefined {
    const position = this.pickPosition(vramMb, among, isSkipped);
    return position === undefined ? undefined : this.rooms[position];
  }

  /** As `pick`, then takes `vramMb` and one job's place on the room picked (a claim pass using up its own view). */
  take(vramMb: number, among?: ReadonlySet<string>, isSkipped?: (room: GpuCapacity) => boolean): GpuCapacity | undefined {
    const position = this.pickPosition(vramMb, among, isSkipped);
    if (position === undefined) return undefined;
    const room = this.rooms[position]!;
    this.replace(position, { ...room, freeMb: room.freeMb - vramMb, jobs: room.jobs + 1 });
    return room;
  }

  private pickPosition(vramMb: number, among?: ReadonlySet<string>, isSkipped?: (room: GpuCapacity) => boolean): number | undefined {
    // Each room walked past costs a step: a job limited to a few rooms gives up after as many steps
    // as it has rooms and compares those instead, so it never costs more than its set.
    let stepsLeft = among ? among.size : Infinity;
    let picked: number | undefined;
    let isGivenUp = false;
    this.order.walk(vramMb, (position) => {
      const room = this.rooms[position]!;
      if ((!among || among.has(room.id)) && !isSkipped?.(room)) picked = position;
      else if (--stepsLeft < 0) isGivenUp = true;
      return picked !== undefined || isGivenUp;
    });
    return isGivenUp ? this.pickAmong(among!, vramMb, isSkipped) : picked;
  }

  /** The linear pick over a set of rooms: the policy's preference, then the earlier position. */
  private pickAmong(among: ReadonlySet<string>, vramMb: number, isSkipped?: (room: GpuCapacity) => boolean): number | undefined {
    let best: number | undefined;
    for (const id of among) {
      const position = this.positionsById().get(id);
      if (position === undefined) continue;
      const room = this.rooms[position]!;
      if (!hasRoom(room, vramMb, this.limits) || isSkipped?.(room)) continue;
      if (best === undefined || this.isPreferred(position, best)) best = position;
    }
    return best;
  }

  private replace(position: number, room: GpuCapacity): void {
    if (this.isOpen(this.rooms[position]!)) this.order.remove(position);
    this.rooms[position] = room;
    if (this.isOpen(room)) this.order.add(position);
  }

  private positionsById(): Map<string, number> {
    this.positions ??= new Map(this.rooms.map((room, position) => [room.id, position]));
    return this.positions;
  }

  private isPreferred(position: number, than: number): boolean {
    const [room, other] = [this.rooms[position]!, this.rooms[than]!];
    return isBetterPick(this.policy, room, other) || (!isBetterPick(this.policy, other, room) && position < than);
  }

  /** Not drained and under its job limit: it takes a job that fits its free VRAM. */
  private isOpen(room: GpuCapacity): boolean {
    return room.drainedReason === undefined && room.jobs < maxJobsOn(room, this.limits);
  }
}

/**
 * Best fit and spread: the open rooms' positions sorted by free VRAM (ascending for best fit,
 * descending for spread), then by position. Best fit starts at the first with enough (a binary
 * search); spread starts at the most and stops at the first without.
 */
class ByFreeVram implements RoomOrder {
  private readonly sorted: number[];

  constructor(
    private readonly rooms: readonly GpuCapacity[],
    private readonly isMostFirst: boolean,
    open: number[],
  ) {
    this.sorted = open.sort(this.compare);
  }

  private readonly compare = (a: number, b: number): number => {
    const byFree = this.rooms[a]!.freeMb - this.rooms[b]!.freeMb;
    return (this.isMostFirst ? -byFree : byFree) || a - b;
  };

  add(position: number): void {
    this.sorted.splice(this.firstIndex((p) => this.compare(p, position) >= 0), 0, position);
  }

  remove(position: number): void {
    this.sorted.splice(this.firstIndex((p) => this.compare(p, position) >= 0), 1);
  }

  walk(vramMb: number, accept: (position: number) => boolean): void {
    const start = this.isMostFirst ? 0 : this.firstIndex((p) => this.rooms[p]!.freeMb >= vramMb);
    for (let i = start; i < this.sorted.length; i++) {
      const position = this.sorted[i]!;
      if (this.rooms[position]!.freeMb < vramMb || accept(position)) return;
    }
  }

  /** The first index where `isAtOrAfter` holds: it must hold from some index on. */
  private firstIndex(isAtOrAfter: (position: number) => boolean): number {
    let [low, high] = [0, this.sorted.length];
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (isAtOrAfter(this.sorted[mid]!)) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}

/**
 * First fit: a tree over positions whose every node holds the most free VRAM among the open rooms
 * below it, so the first room with enough is found by descending, skipping subtrees without.
 */
class FirstInOrder implements RoomOrder {
  /** Node 1 is the root, node n's children 2n and 2n + 1; the leaves start at `leaves`. Closed rooms hold −∞. */
  private most = new Float64Array(2).fill(-Infinity);
  private leaves = 1;

  constructor(
    private readonly rooms: readonly GpuCapacity[],
    open: readonly number[],
  ) {
    this.grow(rooms.length);
    for (const position of open) this.most[this.leaves + position] = rooms[position]!.freeMb;
    this.computeInnerNodes();
  }

  add(position: number): void {
    this.setLeaf(position, this.rooms[position]!.freeMb);
  }

  remove(position: number): void {
    this.setLeaf(position, -Infinity);
  }

  walk(vramMb: number, accept: (position: number) => boolean): void {
    for (let from = 0; ; ) {
      const position = this.firstFrom(1, 0, this.leaves, from, vramMb);
      if (position < 0 || accept(position)) return;
      from = position + 1;
    }
  }

  /** The first position at or after `from`, under `node` (covering [low, high)), with `vramMb` free; −1 if none. */
  private firstFrom(node: number, low: number, high: number, from: number, vramMb: number): number {
    if (high <= from || this.most[node]! < vramMb) return -1;
    if (high - low === 1) return low;
    const mid = (low + high) >>> 1;
    const left = this.firstFrom(2 * node, low, mid, from, vramMb);
    return left >= 0 ? left : this.firstFrom(2 * node + 1, mid, high, from, vramMb);
  }

  private setLeaf(position: number, freeMb: number): void {
    if (position >= this.leaves) this.grow(position + 1);
    let node = this.leaves + position;
    this.most[node] = freeMb;
    for (node >>= 1; node >= 1; node >>= 1) this.most[node] = Math.max(this.most[2 * node]!, this.most[2 * node + 1]!);
  }

  /** Doubles the leaves until `count` fit, keeping their values. */
  private grow(count: number): void {
    if (count <= this.leaves) return;
    let leaves = this.leaves;
    while (leaves < count) leaves *= 2;
    const most = new Float64Array(2 * leaves).fill(-Infinity);
    most.set(this.most.subarray(this.leaves, 2 * this.leaves), leaves);
    [this.most, this.leaves] = [most, leaves];
    this.computeInnerNodes();
  }

  private computeInnerNodes(): void {
    for (let node = this.leaves - 1; node >= 1; node--) this.most[node] = Math.max(this.most[2 * node]!, this.most[2 * node + 1]!);
  }
}
