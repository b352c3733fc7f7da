import { describe, expect, it } from 'vitest';
import type { cuopt } from '@gpuq/shared';
import { IncumbentFeed, IncumbentProgress } from '../src/executors/incumbents.js';

describe('IncumbentProgress', () => {
  it('keeps the latest incumbent as the best, counts them, and gives the gap to the bound', () => {
    const progress = new IncumbentProgress();
    expect(progress.add([])).toBeUndefined();
    expect(progress.add([{ solution: [1], cost: 120, bound: 90 }])).toEqual({ incumbents: 1, bestObjective: 120, bound: 90, gap: 0.25 });
    expect(progress.add([{ solution: [2], cost: 110, bound: 95 }, { solution: [3], cost: 100, bound: 95 }])).toEqual({ incumbents: 3, bestObjective: 100, bound: 95, gap: 0.05 });
  });

  it('ignores cuOpt’s end marker', () => {
    const progress = new IncumbentProgress();
    progress.add([{ solution: [1], cost: 7, bound: 7 }]);
    expect(progress.add([{ solution: [], cost: null, bound: null }])).toBeUndefined();
    expect(progress.progress()).toEqual({ incumbents: 1, bestObjective: 7, bound: 7, gap: 0 });
  });

  it('has no bound and no gap from a server that sends no bound (cuOpt 25.08)', () => {
    const progress = new IncumbentProgress();
    expect(progress.add([{ solution: [1, 0], cost: 12.5 }])).toEqual({ incumbents: 1, bestObjective: 12.5, bound: null, gap: null });
  });
});

describe('IncumbentFeed', () => {
  const collect = () => {
    const seen = { incumbents: [] as cuopt.Incumbent[], progress: [] as unknown[] };
    return { seen, hooks: { onIncumbent: (i: cuopt.Incumbent) => seen.incumbents.push(i), onProgress: (p: unknown) => seen.progress.push(p) } };
  };

  it('hands on each incumbent as sent, in either shape, and stops at either end marker', () => {
    const { seen, hooks } = collect();
    const feed = new IncumbentFeed();
    // cuOpt 25.08 (job_queue.py, solver.py): {solution, cost}; the end marker {solution: [], cost: null}.
    expect(feed.take([{ solution: [1, 1], cost: 2 }], hooks)).toBe(true);
    expect(feed.take([], hooks)).toBe(false);
    expect(feed.take([{ solution: [], cost: null }], hooks)).toBe(false);
    expect(feed.isOver).toBe(true);
    expect(seen.incumbents).toEqual([{ solution: [1, 1], cost: 2 }]);
    expect(seen.progress).toEqual([{ incumbents: 1, bestObjective: 2, bound: null, gap: null }]);

    // Newer servers add bound, null in the end marker.
    const newer = collect();
    const withBound = new IncumbentFeed();
    withBound.take([{ solution: [0, 1], cost: 1, bound: 0.5 }, { solution: [], cost: null, bound: null }], newer.hooks);
    expect(withBound.isOver).toBe(true);
    expect(newer.seen.incumbents).toEqual([{ solution: [0, 1], cost: 1, bound: 0.5 }]);
  });

  it('ignores a body that is not a list of incumbents', () => {
    const { seen, hooks } = collect();
    const feed = new IncumbentFeed();
    expect(feed.take({ error: 'job x does not exist', error_result: false }, hooks)).toBe(false);
    expect(feed.take([{ solution: 'no', cost: 1 }], hooks)).toBe(false);
    expect(seen).toEqual({ incumbents: [], progress: [] });
  });
});
