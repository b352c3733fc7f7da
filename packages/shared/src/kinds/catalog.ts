// The kind catalog: every kind gpuq runs, with its input schema, its config checks and what one
// attempt needs (kind-spec.ts). The API's submit and the scheduler's placement both read a job
// through it, so they agree on every job's VRAM. Adding a kind: its file here, its entry below
// (the compiler asks for one per Kind), its config section, and its executor in the scheduler.
import type { GpuqConfig } from '../config.js';
import type { Kind } from '../job.js';
import { foldKind } from './fold.js';
import { inferenceKind } from './inference.js';
import type { KindIssue, KindRequest, KindSpec, PlacementNeed } from './kind-spec.js';
import { solveKind } from './solve/solve-kind.js';

export const KIND_CATALOG = {
  solve: solveKind,
  fold: foldKind,
  inference: inferenceKind,
} as const satisfies Record<Kind, unknown>;

const specOf = (kind: Kind) => KIND_CATALOG[kind] as unknown as KindSpec;

/** Checks of a schema-valid request against this server's config; paths from the request's root. */
export function checkKindRequest(kind: Kind, request: KindRequest, config: GpuqConfig): KindIssue[] {
  return specOf(kind).check(request, config);
}

/** What one attempt of a job needs to run: VRAM on a GPU, or a solve server's slot. */
export function placementNeedOf(kind: Kind, request: KindRequest, config: GpuqConfig): PlacementNeed {
  return specOf(kind).need(request, config);
}

/**
 * The GPUs a kind may use, by rule, for any box: those config lists for it (kinds.<kind>.gpus),
 * else every GPU but those a cuOpt server owns. A job may narrow this further (VramNeed.gpus).
 */
export function kindGpuRule(kind: Kind, config: GpuqConfig): { only?: readonly string[]; except: readonly string[] } {
  const listed = config.kinds[kind].gpus;
  if (listed) return { only: listed, except: [] };
  const servers = config.kinds.solve.servers ?? [];
  return { except: kind === 'solve' ? [] : servers.flatMap((s) => (s.sharesGpus ? [] : (s.gpus ?? []))) };
}
