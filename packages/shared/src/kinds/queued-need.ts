// A queued job's need as it is kept beside the queue (keys.queueNeeds) for every box to read
// without loading the job's data: what it reserves (or the solve problem it brings), with its
// priority and age for ordering. Each box turns it back into a placement need with its own config
// (the servers that take a problem, the GPUs a model runs on are the box's own).
import { z } from 'zod';
import { SolveProblem, type GpuqConfig } from '../config.js';
import { inferenceModelOf } from './inference.js';
import type { PlacementNeed } from './kind-spec.js';
import { solveServersFor, whyNoSolveServerFor } from './solve/solve-request.js';

export const QueuedNeed = z.object({
  priority: z.number().int(),
  submittedAt: z.number().int(),
  /** VRAM it reserves on one GPU: what it declared, else its kind's figure. Absent for a solve server's slot. */
  vramMb: z.number().int().nonnegative().optional(),
  source: z.enum(['declared', 'model', 'input', 'default']).optional(),
  basis: z.string().optional(),
  /** The inference model it runs. */
  model: z.string().optional(),
  /** The solve problem, when it takes a solve server's slot. */
  problem: SolveProblem.optional(),
});
export type QueuedNeed = z.infer<typeof QueuedNeed>;

export function queuedNeedOf(data: { priority: number; submittedAt: number }, need: PlacementNeed): QueuedNeed {
  const order = { priority: data.priority, submittedAt: data.submittedAt };
  if (need.type === 'server-slot') return { ...order, problem: need.problem };
  return {
    ...order,
    vramMb: need.vramMb,
    source: need.source,
    ...(need.basis !== undefined ? { basis: need.basis } : {}),
    ...(need.model !== undefined ? { model: need.model } : {}),
  };
}

/** The placement need again, read with this box's config; `minVramMb` after an earlier attempt ran out of memory. */
export function placementNeedFrom(queued: QueuedNeed, config: GpuqConfig, minVramMb = 0): PlacementNeed {
  if (queued.problem !== undefined) {
    const servers = config.kinds.solve.servers ?? [];
    const takers = solveServersFor(queued.problem, servers).map((s) => s.name);
    return { type: 'server-slot', problem: queued.problem, servers: takers, ...(takers.length === 0 ? { whyNone: whyNoSolveServerFor(queued.problem, servers) } : {}) };
  }
  const vramMb = Math.max(queued.vramMb ?? 0, minVramMb);
  const gpus = queued.model !== undefined ? inferenceModelOf({ model: queued.model }, config)?.gpus : undefined;
  return {
    type: 'vram',
    vramMb,
    estimateMb: vramMb,
    source: queued.source ?? 'default',
    ...(queued.basis !== undefined ? { basis: queued.basis } : {}),
    ...(queued.model !== undefined ? { model: queued.model } : {}),
    ...(gpus ? { gpus } : {}),
  };
}
