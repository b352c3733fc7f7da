// What each kind knows of its own input beyond its schema: the VRAM it will need, and the checks
// that depend on this server's config.
import type { GpuqConfig, InferenceModelConfig } from '../config.js';
import type { Kind } from '../job.js';
import { foldTokenCount, foldVramEstimateMb, type FoldInput } from './fold.js';
import type { InferenceInput } from './inference.js';

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

/** The model an inference job names, as config defines it. */
export function inferenceModelOf(input: Pick<InferenceInput, 'model'>, config: GpuqConfig): InferenceModelConfig | undefined {
  return Object.hasOwn(config.kinds.inference.models, input.model) ? config.kinds.inference.models[input.model] : undefined;
}

/** Checks of a (schema-valid) input against this server's limits. */
export function checkInputLimits(kind: Kind, input: unknown, config: GpuqConfig): Issue[] {
  if (kind === 'fold') {
    const tokens = foldTokenCount(input as FoldInput);
    const max = config.kinds.fold.maxTokens;
    if (tokens > max) return [{ path: ['sequences'], message: `the complex has ${tokens} tokens; this server takes at most ${max}` }];
  }
  if (kind === 'inference') return checkInferenceLimits(input as InferenceInput, config);
  return [];
}

function checkInferenceLimits(input: InferenceInput, config: GpuqConfig): Issue[] {
  const { maxTexts, maxTextChars, models } = config.kinds.inference;
  const issues: Issue[] = [];
  if (!inferenceModelOf(input, config)) issues.push({ path: ['model'], message: `no model ${input.model} here; this server serves ${Object.keys(models).join(', ')}` });
  if (input.texts.length > maxTexts) issues.push({ path: ['texts'], message: `has ${input.texts.length} texts; this server takes at most ${maxTexts} per job` });
  const long = input.texts.findIndex((text) => text.length > maxTextChars);
  if (long >= 0) issues.push({ path: ['texts', long], message: `has ${input.texts[long]!.length} characters; this server takes at most ${maxTextChars} per text` });
  return issues;
}
