// What the schedulers have published, read the same way by the API and by every scheduler: who is
// alive and in which role, and the inventory of each box an active scheduler runs. Boxes whose
// active scheduler stopped beating are left out: they take no jobs.
import { Inventory, keys, parseStored, SchedulerHeartbeat } from '@gpuq/shared';
import type { Redis } from './redis.js';

/** A heartbeat older than this is a scheduler that is gone. */
export const HEARTBEAT_STALE_MS = 30_000;

export interface BoxStates {
  heartbeats: Record<string, SchedulerHeartbeat>;
  /** One per box with a live active scheduler. */
  inventories: Inventory[];
}

export async function readBoxStates(redis: Redis, now = Date.now()): Promise<BoxStates> {
  const heartbeats: Record<string, SchedulerHeartbeat> = {};
  for (const [id, text] of Object.entries(await redis.hgetall(keys.schedulers))) {
    const beat = parseStored(SchedulerHeartbeat, text);
    if (beat) heartbeats[id] = beat;
  }
  const activeBoxes = [...new Set(Object.values(heartbeats).filter((h) => h.role === 'active' && now - h.heartbeatAt < HEARTBEAT_STALE_MS).map((h) => h.boxId))];
  const texts = activeBoxes.length > 0 ? await redis.mget(activeBoxes.map((box) => keys.inventory(box))) : [];
  const inventories = texts.flatMap((text) => parseStored(Inventory, text) ?? []);
  return { heartbeats, inventories };
}

/** Reads the box states at most once per `ttlMs`: many decisions a second share one read. */
export class BoxStatesCache {
  private cached: { at: number; states: Promise<BoxStates> } | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly ttlMs = 1_000,
  ) {}

  get(): Promise<BoxStates> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.ttlMs) {
      const states = readBoxStates(this.redis, now);
      this.cached = { at: now, states };
      states.catch(() => (this.cached = undefined));
    }
    return this.cached.states;
  }
}
