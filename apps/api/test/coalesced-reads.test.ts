// The event stream's re-reads: one at a time, and a request during a read is never lost.
import { describe, expect, it } from 'vitest';
import { CoalescedReads } from '../src/coalesced-reads.js';

/** A read that finishes when the test says so, counting how often it started. */
function controlledRead() {
  const finishers: Array<() => void> = [];
  return {
    finishNext: async () => {
      finishers.shift()?.();
      // Let the loop see the finished read and start the next, if any.
      await new Promise((resolve) => setImmediate(resolve));
    },
    read: () => new Promise<void>((resolve) => finishers.push(resolve)),
  };
}

describe('CoalescedReads', () => {
  it('reads once more after a read during which a request came, so the last change is seen', async () => {
    let reads = 0;
    const control = controlledRead();
    const coalesced = new CoalescedReads(() => {
      reads++;
      return control.read();
    });
    const first = coalesced.request();
    expect(reads).toBe(1);
    // A notice while the first read is under way.
    void coalesced.request();
    await control.finishNext();
    expect(reads).toBe(2);
    await control.finishNext();
    await first;
    expect(reads).toBe(2);
  });

  it('folds many requests during one read into a single follow-up read', async () => {
    let reads = 0;
    const control = controlledRead();
    const coalesced = new CoalescedReads(() => {
      reads++;
      return control.read();
    });
    const done = coalesced.request();
    for (let i = 0; i < 5; i++) void coalesced.request();
    await control.finishNext();
    await control.finishNext();
    await done;
    expect(reads).toBe(2);
  });

  it('starts afresh once idle, and never runs two reads at once', async () => {
    let inFlight = 0;
    let most = 0;
    const coalesced = new CoalescedReads(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
    });
    await Promise.all([coalesced.request(), coalesced.request(), coalesced.request()]);
    await coalesced.request();
    expect(most).toBe(1);
  });
});
