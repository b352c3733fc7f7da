import { describe, expect, it } from 'vitest';
import { IncumbentProgress } from '../src/executors/incumbents.js';

describe('IncumbentProgress', () => {
  it('keeps the latest incumbent as the best, counts them, and gives the gap to the bound', () => {
    const progress = new IncumbentProgress();
    expect(progress.add([])).toBeUndefined();
    expect(progress.add([{ solution: [1], cost: 120, bound: 90 }])).toEqual({ incumbents: 1, bestObjective: 120, bound: 90, gap: 0.25 });
    expect(progress.add([{ solution: [2], cost: 110, bound: 95 }, { solution: [3], cost: 100, bound: 95 }])).toEqual({ incumbents: 3, bestObjective: 100, bound: 95, gap: 0.05 });
  });

  it('ignores cuOpt’s end sentinel', () => {
    const progress = new IncumbentProgress();
    progress.add([{ solution: [1], cost: 7, bound: 7 }]);
    expect(progress.add([{ solution: [], cost: null, bound: null }])).toBeUndefined();
    expect(progress.progress()).toEqual({ incumbents: 1, bestObjective: 7, bound: 7, gap: 0 });
  });
});
