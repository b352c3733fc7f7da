// Property tests of the room index against the linear scan it replaced: over random rooms (many
// ties, drained rooms, job limits, solve servers' slots), allowed sets and rooms passed over, and
// random sequences of takes, releases and other changes, it picks the very room the scan picks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VramLedger, type GpuCapacity } from '../src/core/ledger.js';
import type { PackingPolicy } from '../src/core/placement.js';
import { RoomIndex } from '../src/core/room-index.js';

/** The pick as placement made it before the index: one scan over every room, in order; a tie keeps the earlier room. */
function linearPick(rooms: readonly GpuCapacity[], vramMb: number, policy: PackingPolicy, maxJobsPerGpu: number, among?: ReadonlySet<string>, isSkipped?: (room: GpuCapacity) => boolean) {
  let pick: GpuCapacity | undefined;
  for (const room of rooms) {
    if ((among && !among.has(room.id)) || isSkipped?.(room)) continue;
    if (room.drainedReason !== undefined || room.jobs >= (room.maxJobs ?? maxJobsPerGpu) || room.freeMb < vramMb) continue;
    if (!pick || (policy === 'best-fit' && room.freeMb < pick.freeMb) || (policy === 'spread' && room.freeMb > pick.freeMb)) pick = room;
  }
  return pick;
}

// Free VRAM from a few values, so that ties are common; a little negative when others grew into our reservations.
const freeMb = fc.constantFrom(-512, 0, 1_000, 2_000, 4_000, 8_000, 8_000, 24_000);
const roomState = fc.record({
  freeMb,
  jobs: fc.integer({ min: 0, max: 5 }),
  maxJobs: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  isDrained: fc.constantFrom(false, false, false, true),
  isSlot: fc.constantFrom(false, false, false, true),
});
type RoomState = typeof roomState extends fc.Arbitrary<infer S> ? S : never;

const roomOf = (id: string, s: RoomState): GpuCapacity => ({
  id,
  label: id,
  totalMb: 24_000,
  headroomMb: 0,
  notOursMb: 0,
  usableMb: 24_000,
  reservedMb: 24_000 - s.freeMb,
  freeMb: s.isSlot ? 0 : s.freeMb,
  jobs: s.jobs,
  maxJobs: s.maxJobs,
  solveServer: s.isSlot ? id : undefined,
  drainedReason: s.isDrained ? 'failed 3 jobs in a row' : undefined,
});

/** Room numbers, some past the last room (ids no room has); often only a few, as a model's GPUs or a solve server's slots. */
const someRooms = fc.option(fc.oneof(fc.uniqueArray(fc.nat({ max: 45 }), { maxLength: 3 }), fc.uniqueArray(fc.nat({ max: 45 }), { maxLength: 45 })), { nil: undefined });
const vramMb = fc.constantFrom(0, 500, 1_000, 2_000, 3_000, 4_000, 8_000, 9_000, 24_000, 30_000);

type Step =
  | { type: 'pick'; vramMb: number; among: number[] | undefined; skipped: number[] | undefined }
  | { type: 'take'; vramMb: number; among: number[] | undefined; isSlotFree: boolean }
  | { type: 'change'; room: number; state: RoomState }
  | { type: 'add'; state: RoomState };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ type: fc.constant('pick' as const), vramMb, among: someRooms, skipped: someRooms }),
  fc.record({ type: fc.constant('take' as const), vramMb, among: someRooms, isSlotFree: fc.boolean() }),
  fc.record({ type: fc.constant('change' as const), room: fc.nat(), state: roomState }),
  fc.record({ type: fc.constant('add' as const), state: roomState }),
);

const policy = fc.constantFrom<PackingPolicy>('best-fit', 'spread', 'first-fit');
const idsOf = (numbers: number[] | undefined) => (numbers ? new Set(numbers.map((n) => `r${n}`)) : undefined);

describe('RoomIndex', () => {
  it('picks the room the linear scan picks, through takes, releases, drains, limit changes and new rooms', () => {
    fc.assert(
      fc.property(fc.array(roomState, { maxLength: 40, size: 'medium' }), fc.integer({ min: 1, max: 5 }), policy, fc.array(step, { maxLength: 60, size: 'medium' }), (states, maxJobsPerGpu, packing, steps) => {
        const rooms = states.map((s, i) => roomOf(`r${i}`, s));
        const index = new RoomIndex(rooms, packing, { maxJobsPerGpu });
        const scan = (vram: number, among?: ReadonlySet<string>, isSkipped?: (room: GpuCapacity) => boolean) => linearPick(rooms, vram, packing, maxJobsPerGpu, among, isSkipped);
        for (const s of steps) {
          if (s.type === 'pick') {
            const among = idsOf(s.among);
            const skipped = idsOf(s.skipped);
            const isSkipped = skipped && ((room: GpuCapacity) => skipped.has(room.id));
            expect(index.pick(s.vramMb, among, isSkipped)).toEqual(scan(s.vramMb, among, isSkipped));
          } else if (s.type === 'take') {
            // As a claim pass takes room: a job without devices never uses a solve server's slot.
            const among = idsOf(s.among);
            const isSkipped = among || s.isSlotFree ? undefined : (room: GpuCapacity) => room.solveServer !== undefined;
            const pick = scan(s.vramMb, among, isSkipped);
            expect(index.take(s.vramMb, among, isSkipped)).toEqual(pick);
            if (pick) rooms[rooms.indexOf(pick)] = { ...pick, freeMb: pick.freeMb - s.vramMb, jobs: pick.jobs + 1 };
          } else if (s.type === 'change' && rooms.length > 0) {
            const at = s.room % rooms.length;
            rooms[at] = roomOf(rooms[at]!.id, s.state);
            index.set(rooms[at]);
          } else if (s.type === 'add') {
            rooms.push(roomOf(`r${rooms.length}`, s.state));
            index.set(rooms.at(-1)!);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('follows the ledger through its change notices: reserve, release, adopt, others’ use, drain, undrain, limits and new GPUs', () => {
    type LedgerStep =
      | { type: 'reserve' | 'adopt'; gpu: number; vramMb: number }
      | { type: 'release'; pick: number }
      | { type: 'not-ours'; gpu: number; mb: number }
      | { type: 'drain'; gpu: number; isDrained: boolean }
      | { type: 'max-jobs'; gpu: number; maxJobs: number }
      | { type: 'add-gpu'; totalMb: number }
      | { type: 'pick'; vramMb: number; among: number[] | undefined };
    const ledgerStep: fc.Arbitrary<LedgerStep> = fc.oneof(
      fc.record({ type: fc.constantFrom('reserve' as const, 'adopt' as const), gpu: fc.nat(), vramMb }),
      fc.record({ type: fc.constant('release' as const), pick: fc.nat() }),
      fc.record({ type: fc.constant('not-ours' as const), gpu: fc.nat(), mb: fc.constantFrom(0, 1_000, 8_000) }),
      fc.record({ type: fc.constant('drain' as const), gpu: fc.nat(), isDrained: fc.boolean() }),
      fc.record({ type: fc.constant('max-jobs' as const), gpu: fc.nat(), maxJobs: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ type: fc.constant('add-gpu' as const), totalMb: fc.constantFrom(8_000, 24_000) }),
      fc.record({ type: fc.constant('pick' as const), vramMb, among: someRooms }),
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom(8_000, 24_000, 80_000), { minLength: 1, maxLength: 12, size: 'medium' }), fc.integer({ min: 1, max: 4 }), policy, fc.array(ledgerStep, { maxLength: 80, size: 'medium' }), (sizes, maxJobsPerGpu, packing, steps) => {
        const ledger = new VramLedger(sizes.map((totalMb, i) => ({ id: `r${i}`, totalMb, isSimulated: true })));
        const index = new RoomIndex(ledger.capacities(), packing, { maxJobsPerGpu });
        ledger.onChange((gpuId) => index.set(ledger.capacity(gpuId)!));
        const gpuAt = (n: number) => ledger.specs()[n % ledger.specs().length]!.id;
        let jobs = 0;
        for (const s of steps) {
          if (s.type === 'reserve' && s.vramMb <= ledger.capacity(gpuAt(s.gpu))!.freeMb) ledger.reserve(`j${jobs++}`, gpuAt(s.gpu), s.vramMb, 0);
          else if (s.type === 'adopt') ledger.adopt({ jobId: `j${jobs++}`, gpu: gpuAt(s.gpu), vramMb: s.vramMb, endsBy: 0 });
          else if (s.type === 'release') ledger.release(`j${s.pick % Math.max(1, jobs)}`);
          else if (s.type === 'not-ours') ledger.setNotOurs(gpuAt(s.gpu), s.mb);
          else if (s.type === 'drain') {
            if (s.isDrained) ledger.drain(gpuAt(s.gpu), 'failed 3 jobs in a row');
            else ledger.undrain(gpuAt(s.gpu));
          } else if (s.type === 'max-jobs') ledger.setMaxJobs(gpuAt(s.gpu), s.maxJobs);
          else if (s.type === 'add-gpu') ledger.addGpu({ id: `r${ledger.specs().length}`, totalMb: s.totalMb, isSimulated: true });
          else if (s.type === 'pick') {
            const among = idsOf(s.among);
            expect(index.pick(s.vramMb, among)).toEqual(linearPick(ledger.capacities(), s.vramMb, packing, maxJobsPerGpu, among));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
