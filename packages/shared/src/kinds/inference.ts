// The `inference` kind's input: texts to classify with a model the server's config names. The
// limits here are the most any server takes; config can lower them (kinds.inference).
import { z } from 'zod';
import type { GpuqConfig, InferenceModelConfig } from '../config.js';
import { Prediction } from '../inference-protocol.js';
import { vramNeed, type KindIssue, type KindSpec } from './kind-spec.js';

export const MAX_INFERENCE_TEXTS = 1_024;
export const MAX_INFERENCE_TEXT_CHARS = 100_000;

export const InferenceInput = z.strictObject({
  model: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a model name: letters, digits, "_", "." and "-"')
    .default('default')
    .describe('A model from the server’s config (kinds.inference.models); `default` when absent.'),
  texts: z
    .array(
      z
        .string()
        .max(MAX_INFERENCE_TEXT_CHARS)
        .refine((text) => /\S/.test(text), 'is empty: a text needs at least one visible character'),
    )
    .min(1, 'give at least one text')
    .max(MAX_INFERENCE_TEXTS)
    .describe('The texts to classify, in order; each prediction comes back at the same index.'),
});
export type InferenceInput = z.infer<typeof InferenceInput>;

/** One text after the CPU preprocess stage: cleaned, with what was counted. */
export interface PreparedText {
  text: string;
  words: number;
  sentences: number;
}

/** The job's result, after the CPU postprocess stage. */
export const InferenceResult = z.object({
  model: z.string(),
  modelVersion: z.string(),
  device: z.string(),
  predictions: z.array(
    Prediction.extend({
      index: z.number().int(),
      words: z.number().int(),
      sentences: z.number().int(),
    }),
  ),
  summary: z.object({
    texts: z.number().int(),
    /** Texts per label. */
    labels: z.record(z.string(), z.number().int()),
    /**
     * The label most texts got, and its share. On a tie, the first in label order, and `tiedWith`
     * the others as many texts got (added after 0.3: absent from older results).
     */
    majority: z.object({ label: z.string(), share: z.number(), tiedWith: z.array(z.string()).default([]) }),
    confidence: z.object({ mean: z.number(), min: z.number(), max: z.number(), lowConfidenceTexts: z.number().int() }),
    words: z.number().int(),
    sentences: z.number().int(),
  }),
});
export type InferenceResult = z.infer<typeof InferenceResult>;

/** The model an inference job names, as config defines it. */
export function inferenceModelOf(input: Pick<InferenceInput, 'model'>, config: GpuqConfig): InferenceModelConfig | undefined {
  return Object.hasOwn(config.kinds.inference.models, input.model) ? config.kinds.inference.models[input.model] : undefined;
}

/** The inference kind: its GPU stage holds its model's VRAM, on its model's GPUs; config caps the texts. */
export const inferenceKind: KindSpec<InferenceInput> = {
  input: InferenceInput,
  check({ input }, config) {
    const { maxTexts, maxTextChars, models } = config.kinds.inference;
    const issues: KindIssue[] = [];
    if (!inferenceModelOf(input, config)) issues.push({ path: ['input', 'model'], message: `no model ${input.model} here; this server serves ${Object.keys(models).join(', ')}` });
    if (input.texts.length > maxTexts) issues.push({ path: ['input', 'texts'], message: `has ${input.texts.length} texts; this server takes at most ${maxTexts} per job` });
    const long = input.texts.findIndex((text) => text.length > maxTextChars);
    if (long >= 0) issues.push({ path: ['input', 'texts', long], message: `has ${input.texts[long]!.length} characters; this server takes at most ${maxTextChars} per text` });
    return issues;
  },
  need({ input, requestedVramMb }, config) {
    const model = inferenceModelOf(input, config);
    const gpus = { ...(model?.gpus ? { gpus: model.gpus } : {}), model: input.model };
    if (model?.vramMb !== undefined) {
      return vramNeed(requestedVramMb, { vramMb: model.vramMb, source: 'model', configField: `kinds.inference.models.${input.model}.vramMb`, ...gpus });
    }
    return vramNeed(requestedVramMb, { vramMb: config.kinds.inference.defaultVramMb, source: 'default', configField: 'kinds.inference.defaultVramMb', ...gpus });
  },
};
