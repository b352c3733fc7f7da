// Every scheduler, active or standby, says it is alive in one Redis hash, for the system status.
import { keys, type SchedulerHeartbeat, type SchedulerRole } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';

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
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.hdel(keys.schedulers, this.schedulerId);
  }
}
