// One active scheduler per GPU box. The active one holds a Redis lease (its id, with a TTL) and
// renews it; a second scheduler for the same box waits as standby and takes over when the lease
// lapses. Each takeover bumps the box's fencing token, which every state change checks
// (fenced-writes.ts). A scheduler that cannot renew in time stops writing (isHeld is false) but
// keeps trying: if the fence is still its own when Redis answers again, no one took over and it
// goes on; otherwise the lease is lost.
import { setTimeout as sleep } from 'node:timers/promises';
import { keys } from '@gpuq/shared';
import type { Logger, Redis } from '@gpuq/runtime';

// Renews our lease; or, when the key is gone (Redis restarted, or was down past the TTL) and the
// fence is still ours, takes it back: no one else can have held it, since a takeover bumps the fence.
const RENEW = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if holder == false and redis.call('GET', KEYS[2]) == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

export interface LeaseOptions {
  redis: Redis;
  boxId: string;
  schedulerId: string;
  ttlMs: number;
  log: Logger;
  /** Called once when a held lease is lost. */
  onLost: (reason: string) => void;
}

export class Lease {
  private fenceToken: number | undefined;
  private renewedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private isClosed = false;
  /** Not renewed within the TTL: nothing is written until it is again (or it turns out lost). */
  private isLapsed = false;
  private readonly leaseKey: string;
  readonly fenceKey: string;

  constructor(private readonly options: LeaseOptions) {
    this.leaseKey = keys.schedulerLease(options.boxId);
    this.fenceKey = keys.schedulerFence(options.boxId);
  }

  /** The fencing token while the lease is held. */
  get fence(): number | undefined {
    return this.isHeld ? this.fenceToken : undefined;
  }

  /** Held, and renewed recently enough that no standby can have taken it yet. */
  get isHeld(): boolean {
    return this.fenceToken !== undefined && Date.now() - this.renewedAt < this.options.ttlMs;
  }

  /** Waits (as standby) until this scheduler holds the lease; `onStandby` is done before standby is logged. */
  async acquire(signal: AbortSignal, onStandby: (holder: string) => Promise<void> | void): Promise<void> {
    const { redis, schedulerId, ttlMs } = this.options;
    let isWaiting = false;
    while (!signal.aborted) {
      const startedAt = Date.now();
      if ((await redis.set(this.leaseKey, schedulerId, 'PX', ttlMs, 'NX')) === 'OK') {
        this.fenceToken = await redis.incr(this.fenceKey);
        this.renewedAt = startedAt;
        this.timer = setInterval(() => void this.renew(), Math.floor(ttlMs / 3));
        this.options.log.info({ boxId: this.options.boxId, fence: this.fenceToken }, 'holding the box lease: active');
        return;
      }
      if (!isWaiting) {
        isWaiting = true;
        const holder = (await redis.get(this.leaseKey)) ?? 'unknown';
        await onStandby(holder);
        this.options.log.info({ boxId: this.options.boxId, holder }, 'another scheduler holds this box: standby');
      }
      await sleep(Math.floor(ttlMs / 4), undefined, { signal }).catch(() => undefined);
    }
  }

  private async renew(): Promise<void> {
    if (this.isClosed || this.fenceToken === undefined) return;
    const attemptAt = Date.now();
    try {
      const renewed = await this.options.redis.eval(RENEW, 2, this.leaseKey, this.fenceKey, this.options.schedulerId, String(this.options.ttlMs), String(this.fenceToken));
      if (renewed === 1 || renewed === 2) {
        if (renewed === 2 || this.isLapsed) this.options.log.warn({ boxId: this.options.boxId, fence: this.fenceToken }, 'took the lapsed box lease back: no other scheduler held it meanwhile');
        this.isLapsed = false;
        this.renewedAt = attemptAt;
        return;
      }
      this.lose('another scheduler holds the lease now');
    } catch (err) {
      if (!this.isLapsed && Date.now() - this.renewedAt >= this.options.ttlMs) {
        this.isLapsed = true;
        this.options.log.error({ boxId: this.options.boxId, err }, 'could not renew the box lease within its TTL: writing nothing until Redis answers and the fence is still ours');
      }
    }
  }

  private lose(reason: string): void {
    if (this.fenceToken === undefined) return;
    this.fenceToken = undefined;
    clearInterval(this.timer);
    this.options.log.error({ boxId: this.options.boxId, reason }, 'lost the box lease');
    this.options.onLost(reason);
  }

  /** Gives the lease up at once, so a standby need not wait for it to lapse. */
  async release(): Promise<void> {
    this.isClosed = true;
    clearInterval(this.timer);
    if (this.fenceToken === undefined) return;
    this.fenceToken = undefined;
    await this.options.redis.eval(RELEASE, 1, this.leaseKey, this.options.schedulerId);
  }
}
