// What the schedulers have published: who is alive and active for which box, and each active
// box's GPU inventory. Read by the job view (a queued job's standing) and, later, GET /v1/gpus.
import { Inventory, keys, SchedulerHeartbeat, type QueueStanding } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';

/** A heartbeat older than this is a scheduler that is gone. */
export const HEARTBEAT_STALE_MS = 30_000;

export interface SchedulerState {
  heartbeats: Record<string, SchedulerHeartbeat>;
  inventories: Inventory[];
}

export async function readSchedulerState(redis: Redis, now = Date.now()): Promise<SchedulerState> {
  const heartbeats: Record<string, SchedulerHeartbeat> = {};
  for (const [id, text] of Object.entries(await redis.hgetall(keys.schedulers))) {
    const parsed = SchedulerHeartbeat.safeParse(safeJson(text));
    if (parsed.success) heartbeats[id] = parsed.data;
  }
  const activeBoxes = [
    ...new Set(
      Object.values(heartbeats)
        .filter((h) => h.role === 'active' && now - h.heartbeatAt < HEARTBEAT_STALE_MS)
        .map((h) => h.boxId),
    ),
  ];
  const texts = activeBoxes.length > 0 ? await redis.mget(activeBoxes.map((box) => keys.inventory(box))) : [];
  const inventories = texts.flatMap((text) => {
    const parsed = Inventory.safeParse(safeJson(text));
    return parsed.success ? [parsed.data] : [];
  });
  return { heartbeats, inventories };
}

/** Where a job not yet fetched stands: the jobs held by the schedulers of its kind, plus those queued ahead. */
export function standingOf(state: SchedulerState, kind: string, queuedAhead: number): QueueStanding {
  const serving = state.inventories.filter((inventory) => inventory.kinds.includes(kind));
  return {
    heldByScheduler: serving.reduce((sum, inventory) => sum + (inventory.heldByKind[kind] ?? 0), 0),
    queuedAhead,
    isSchedulerRunning: serving.length > 0,
  };
}

/** Reads the scheduler state at most once per `ttlMs`: submits check admission against it. */
export class SchedulerStateCache {
  private cached: { at: number; state: Promise<SchedulerState> } | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly ttlMs = 1_000,
  ) {}

  get(): Promise<SchedulerState> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.ttlMs) {
      const state = readSchedulerState(this.redis, now);
      this.cached = { at: now, state };
      state.catch(() => (this.cached = undefined));
    }
    return this.cached.state;
  }
}

function safeJson(text: string | null | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
