import { describe, expect, it } from 'vitest';
import { earliestStart, fitsOverTime } from '../src/core/timeline.js';

const limits = { usableMb: 10, maxJobs: 3 };

describe('fitsOverTime', () => {
  it('checks VRAM at every moment a later interval starts', () => {
    const reserved = [{ start: 100, end: 200, vramMb: 8 }];
    expect(fitsOverTime(reserved, { start: 0, end: 100, vramMb: 5 }, limits)).toBe(true);
    expect(fitsOverTime(reserved, { start: 0, end: 101, vramMb: 5 }, limits)).toBe(false);
    expect(fitsOverTime(reserved, { start: 0, end: 500, vramMb: 2 }, limits)).toBe(true);
  });

  it('checks the job count too', () => {
    const three = [0, 1, 2].map(() => ({ start: 0, end: 10, vramMb: 1 }));
    expect(fitsOverTime(three, { start: 5, end: 20, vramMb: 1 }, limits)).toBe(false);
    expect(fitsOverTime(three, { start: 10, end: 20, vramMb: 1 }, limits)).toBe(true);
  });
});

describe('earliestStart', () => {
  it('is the first end after which the job fits for its whole duration', () => {
    const running = [
      { start: 0, end: 50, vramMb: 4 },
      { start: 0, end: 80, vramMb: 4 },
    ];
    expect(earliestStart(running, 2, 10, 0, limits)).toBe(0);
    expect(earliestStart(running, 6, 10, 0, limits)).toBe(50);
    expect(earliestStart(running, 9, 10, 0, limits)).toBe(80);
    expect(earliestStart(running, 11, 10, 0, limits)).toBeUndefined();
  });
});
