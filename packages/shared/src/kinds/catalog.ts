// What each kind knows of its own input beyond its schema: the VRAM it will need, and the checks
// that depend on this server's config.
import type { GpuqConfig } from '../config.js';
import type { Kind } from '../job.js';
import { foldTokenCount, foldVramEstimateMb, type FoldInput } from './fold.js';

type Issue = { path: (string | number)[]; message: string };

/** The VRAM a job of `kind` will need, from its input; undefined where the input does not tell. */
export function estimateVramMb(kind: Kind, input: unknown): number | undefined {
  if (kind === 'fold') return foldVramEstimateMb(input as FoldInput);
  return undefined;
}

/** What a kind's VRAM estimate is made from, in words ("1,850 tokens"). */
export function estimateBasis(kind: Kind, input: unknown): string | undefined {
  if (kind === 'fold') return `${foldTokenCount(input as FoldInput).toLocaleString('en')} tokens`;
  return undefined;
}

/** Checks of a (schema-valid) input against this server's limits. */
export function checkInputLimits(kind: Kind, input: unknown, config: GpuqConfig): Issue[] {
  if (kind === 'fold') {
    const tokens = foldTokenCount(input as FoldInput);
    const max = config.kinds.fold.maxTokens;
    if (tokens > max) return [{ path: ['sequences'], message: `the complex has ${tokens} tokens; this server takes at most ${max}` }];
  }
  return [];
}
