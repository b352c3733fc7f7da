// Every scheduler, active or standby, says it is alive in one Redis hash, for the system status.
// A scheduler killed with -9 never removes its entry: the one that becomes active removes the
// entries of its box that still claim to be, and every beat drops entries silent for long.
import { keys, parseStored, SchedulerHeartbeat, type SchedulerRole } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';

/** An entry silent this long is a scheduler that is gone, not one that is slow. */
const FORGET_AFTER_MS = 10 * 60_000;

export class Heartbeat {
  private role: SchedulerRole = 'starting';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly schedulerId: string,
    private readonly boxId: string,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.beat().catch(() => undefined), this.intervalMs);
    void this.beat().catch(() => undefined);
  }

  async setRole(role: SchedulerRole): Promise<void> {
    this.role = role;
    await this.beat();
  }

  private async beat(): Promise<void> {
    const beat: SchedulerHeartbeat = { boxId: this.boxId, role: this.role, heartbeatAt: Date.now(), pid: process.pid };
    await this.redis.hset(keys.schedulers, this.schedulerId, JSON.stringify(beat));
    await this.forgetTheGone(beat);
  }

  /** Holding the lease, this one is the box's only active scheduler: any other entry saying so is dead. */
  private async forgetTheGone(own: SchedulerHeartbeat): Promise<void> {
    const gone: string[] = [];
    for (const [id, text] of Object.entries(await this.redis.hgetall(keys.schedulers))) {
      if (id === this.schedulerId) continue;
      // Unreadable: forgotten as silent.
      const other = parseStored(SchedulerHeartbeat, text);
      const isSilent = other === undefined || own.heartbeatAt - other.heartbeatAt > FORGET_AFTER_MS;
      const isDeposed = own.role === 'active' && other?.boxId === own.boxId && other?.role === 'active';
      if (isSilent || isDeposed) gone.push(id);
    }
    if (gone.length > 0) await this.redis.hdel(keys.schedulers, ...gone);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.hdel(keys.schedulers, this.schedulerId);
  }
}
