// What a pick costs: the rooms it reads, counted through getters, stay a few dozen on a box of ten
// thousand GPUs, where the linear scan it replaced read every one for every job.
import { describe, expect, it } from 'vitest';
import type { GpuCapacity } from '../src/core/ledger.js';
import type { PackingPolicy } from '../src/core/placement.js';
import { RoomIndex } from '../src/core/room-index.js';

/** Rooms whose free VRAM, job count and drain state count each read. */
function countedRooms(count: number): { rooms: GpuCapacity[]; reads: { count: number } } {
  const reads = { count: 0 };
  const rooms = Array.from({ length: count }, (_, i) => {
    const [freeMb, jobs] = [[81_920, 49_152, 24_576][i % 3]!, i % 5];
    return {
      id: `gpu${i}`,
      label: `gpu${i}`,
      totalMb: freeMb,
      headroomMb: 0,
      notOursMb: 0,
      usableMb: freeMb,
      reservedMb: 0,
      get freeMb() {
        reads.count++;
        return freeMb;
      },
      get jobs() {
        reads.count++;
        return jobs;
      },
      maxJobs: undefined,
      solveServer: undefined,
      get drainedReason() {
        reads.count++;
        return i % 11 === 0 ? 'failed 3 jobs in a row' : undefined;
      },
    };
  });
  return { rooms, reads };
}

describe('RoomIndex', () => {
  it.each<PackingPolicy>(['best-fit', 'spread', 'first-fit'])('%s: takes room for each of a hundred jobs on 10,000 GPUs reading a few dozen rooms, not 10,000', (policy) => {
    const { rooms, reads } = countedRooms(10_000);
    const index = new RoomIndex(rooms, policy, { maxJobsPerGpu: 8 });
    reads.count = 0;
    for (let job = 0; job < 100; job++) expect(index.take([2_048, 10_240, 40_960][job % 3]!)).toBeDefined();
    expect(reads.count / 100).toBeLessThan(100);
  });

  it('limited to a few GPUs, looks at those rather than walking past the rest', () => {
    const { rooms, reads } = countedRooms(10_000);
    const index = new RoomIndex(rooms, 'best-fit', { maxJobsPerGpu: 8 });
    reads.count = 0;
    expect(index.pick(2_048, new Set(['gpu9998', 'gpu9999']))?.id).toBe('gpu9998');
    expect(reads.count).toBeLessThan(100);
  });
});
