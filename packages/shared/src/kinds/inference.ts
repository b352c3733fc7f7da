// The `inference` kind's input: texts to classify with a model the server's config names. The
// limits here are the most any server takes; config can lower them (kinds.inference).
import { z } from 'zod';
import { Prediction } from '../inference-protocol.js';

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
    /** The label most texts got (ties: the first in label order), and its share. */
    majority: z.object({ label: z.string(), share: z.number() }),
    confidence: z.object({ mean: z.number(), min: z.number(), max: z.number(), lowConfidenceTexts: z.number().int() }),
    words: z.number().int(),
    sentences: z.number().int(),
  }),
});
export type InferenceResult = z.infer<typeof InferenceResult>;
