// The box lease and fenced writes against a real Redis: one active scheduler per box, and a
// scheduler that lost the box finds its writes refused.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger, Redis } from '@gpuq/runtime';
import { freshRedisUrl } from '../../../test/helpers/redis-db.js';
import { waitFor } from '@gpuq/testkit';
import { FencedOutError, FencedWriter } from '../src/box/fenced-writes.js';
import { Lease } from '../src/box/lease.js';

const log = createLogger('lease-test', process.env.TEST_LOG_LEVEL ?? 'silent');
let redis: Redis;
beforeAll(async () => {
  redis = new Redis(await freshRedisUrl(), { maxRetriesPerRequest: 2 });
});
afterAll(async () => {
  await redis.quit();
});

const lease = (schedulerId: string, onLost = vi.fn()) => new Lease({ redis, boxId: 'box-a', schedulerId, ttlMs: 1_000, log, onLost });

describe('Lease', () => {
  it('lets one scheduler be active; the second waits as standby and takes over when the first stops renewing', async () => {
    const first = lease('first');
    await first.acquire(new AbortController().signal, () => undefined);
    expect(first.isHeld).toBe(true);

    const second = lease('second');
    const onStandby = vi.fn();
    const waiting = second.acquire(new AbortController().signal, onStandby);
    await waitFor(() => onStandby.mock.calls.length > 0, { what: 'the second to go standby' });
    expect(onStandby).toHaveBeenCalledWith('first');
    expect(second.isHeld).toBe(false);

    await first.release();
    await waiting;
    expect(second.isHeld).toBe(true);
    expect(second.fence).toBe(2);
    await second.release();
  });

  it('fences out a scheduler whose lease lapsed: its writes are refused, its successor’s go through', async () => {
    const onLost = vi.fn();
    const old = lease('old', onLost);
    await old.acquire(new AbortController().signal, () => undefined);
    const oldFence = old.fence;
    const oldWriter = new FencedWriter(redis, old.fenceKey, () => oldFence);
    await oldWriter.write('gpuq:test:record', { set: { owner: 'old' } });

    // Someone else takes the box (as a standby would once the old one stopped renewing).
    await redis.del('gpuq:box:box-a:lease');
    const successor = lease('new');
    await successor.acquire(new AbortController().signal, () => undefined);
    const newWriter = new FencedWriter(redis, successor.fenceKey, () => successor.fence);

    await expect(oldWriter.write('gpuq:test:record', { set: { owner: 'old-again' } })).rejects.toThrow(FencedOutError);
    // A write can read fields back in its round trip: after its own increments, null when unset.
    expect(await newWriter.write('gpuq:test:record', { set: { owner: 'new' }, incr: { seconds: 1.5 }, read: ['owner', 'seconds', 'absent'] })).toEqual(['new', '1.5', null]);
    expect(await newWriter.write('gpuq:test:record', { incr: { seconds: 2 } })).toEqual([]);
    expect(await redis.hget('gpuq:test:record', 'owner')).toBe('new');
    // The old one notices at its next renewal.
    await waitFor(() => onLost.mock.calls.length > 0, { what: 'the old scheduler to notice', timeoutMs: 3_000 });
    expect(old.isHeld).toBe(false);
    await successor.release();
  });

  it('takes its lease back when the key vanished (Redis restarted) and no one else took the box meanwhile', async () => {
    const onLost = vi.fn();
    const active = lease('survivor', onLost);
    await active.acquire(new AbortController().signal, () => undefined);
    const fence = active.fence;
    // What a Redis that was down past the TTL looks like once it is back: the key expired, the fence kept.
    await redis.del('gpuq:box:box-a:lease');
    await waitFor(async () => (await redis.get('gpuq:box:box-a:lease')) === 'survivor', { what: 'the lease to be taken back', timeoutMs: 3_000 });
    expect(onLost).not.toHaveBeenCalled();
    expect(active.isHeld).toBe(true);
    expect(active.fence).toBe(fence);
    expect(await redis.get(active.fenceKey)).toBe(String(fence));
    await active.release();
  });
});
