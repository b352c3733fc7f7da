// What every kind tells gpuq about its jobs, beyond its input schema: the checks that depend on this
// server's config, and what one attempt needs to run. The API's admission and the scheduler's
// placement both ask the kind catalog (catalog.ts), so they never disagree about a job.
import type { z } from 'zod';
import type { GpuqConfig, SolveProblem } from '../config.js';

/** A problem with a request, at a path from the request's root (`['input', 'texts', 3]`). */
export interface KindIssue {
  path: (string | number)[];
  message: string;
}

/** The parts of a job a kind's rules read: its input, and the VRAM it declared. */
export interface KindRequest<Input = unknown> {
  input: Input;
  requestedVramMb?: number | undefined;
}

/** Where the VRAM figure came from: declared by the job, the model's, estimated from the input, or the kind's default. */
export type VramSource = 'declared' | 'model' | 'input' | 'default';

/** A job placed on a GPU by VRAM. */
export interface VramNeed {
  type: 'vram';
  /** MiB to reserve: what the job declared, else `estimateMb`. */
  vramMb: number;
  /** The kind's own figure, before the scheduler's learning corrects it: the model's, the input's estimate, or the default. */
  estimateMb: number;
  source: VramSource;
  /** What an estimate from the input was made from, in words ("1,850 tokens"). */
  basis?: string;
  /** Where the figure is set in config, when it is config's (the model's vramMb, the kind's defaultVramMb). */
  configField?: string;
  /** The GPUs it may use, when the job narrows them (its model's server runs there). */
  gpus?: readonly string[];
  /** The inference model it runs: on another box, that box's GPUs for the model count. */
  model?: string;
}

/** A solve job that takes a slot of a solve server (kinds.solve.servers) instead of VRAM. */
export interface SlotNeed {
  type: 'server-slot';
  problem: SolveProblem;
  /** The servers that take its problem, in order of preference; none means it can never run. */
  servers: readonly string[];
  /** Why no server takes it, in words that say what to configure; set when `servers` is empty. */
  whyNone?: string;
}

export type PlacementNeed = VramNeed | SlotNeed;

export interface KindSpec<Input = unknown> {
  /** What a submit's `input` must be. */
  input: z.ZodType<Input>;
  /** Checks of a schema-valid request against this server's config (its limits, where it may go). */
  check(request: KindRequest<Input>, config: GpuqConfig): KindIssue[];
  /** What one attempt of the job needs to run. */
  need(request: KindRequest<Input>, config: GpuqConfig): PlacementNeed;
}

/** A kind's VRAM need when the job declares it, else from `estimate`. */
export function vramNeed(requestedVramMb: number | undefined, estimate: Omit<VramNeed, 'type' | 'vramMb' | 'estimateMb'> & { vramMb: number }): VramNeed {
  const { vramMb, ...rest } = estimate;
  const narrowed = { ...(rest.gpus ? { gpus: rest.gpus } : {}), ...(rest.model !== undefined ? { model: rest.model } : {}) };
  if (requestedVramMb !== undefined) return { type: 'vram', vramMb: requestedVramMb, estimateMb: vramMb, source: 'declared', ...narrowed };
  return { type: 'vram', ...rest, vramMb, estimateMb: vramMb };
}
