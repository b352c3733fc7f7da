// The gpuq inference protocol v1 (docs/inference-protocol.md): every body a model server takes
// and gives, as zod schemas. model-cpu and the GPU server in deploy/images/inference speak it; the
// scheduler's inference stage reads it. Labels are each model's own.
import { z } from 'zod';

export const ModelInfo = z.object({
  name: z.string(),
  version: z.string(),
  labels: z.array(z.string()),
  /** The most texts one request may carry. */
  maxTexts: z.number().int(),
  /** The longest text, in Unicode code points (what Python's `len` counts). */
  maxTextChars: z.number().int(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

export const HealthReply = z.object({
  status: z.literal('ok'),
  device: z.string(),
  models: z.array(ModelInfo),
});
export type HealthReply = z.infer<typeof HealthReply>;

export const LoadingReply = z.object({ status: z.literal('loading') });
export type LoadingReply = z.infer<typeof LoadingReply>;

/** A request body to show in messages, so that a person sees what to send. */
export const EXAMPLE_BODY = '{"model": "default", "texts": ["…"]}';

/** What a JSON value is, in words: `null`, `an array`, `a number`. */
const typeName = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;

// Messages are predicates: the error handler puts the field's path before them (`texts[2] must be…`).
const required = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `is required: ${what}` : `must be ${what}, not ${typeName(issue.input)}`;

/** The shape only: each model's own limits are checked once the model is known (text-limits.ts). */
export const ClassifyBody = z.object(
  {
    model: z.string({ error: required('the name of a served model, e.g. "default"') }).min(1, 'is empty; name a served model, e.g. "default"'),
    texts: z
      .array(z.string({ error: required('a string') }), { error: required('an array of strings') })
      .min(1, 'is empty; send at least one text'),
  },
  { error: (issue) => `must be a JSON object such as ${EXAMPLE_BODY}, not ${typeName(issue.input)}` },
);
export type ClassifyBody = z.infer<typeof ClassifyBody>;

export const Prediction = z.object({
  label: z.string(),
  /** The probability of `label`. */
  score: z.number().min(0).max(1),
  /** One probability per label; they sum to 1. */
  scores: z.record(z.string(), z.number()),
});
export type Prediction = z.infer<typeof Prediction>;

export const ClassifyReply = z.object({
  model: z.string(),
  version: z.string(),
  device: z.string(),
  /** One per text, in the order of the texts. */
  predictions: z.array(Prediction),
  inferenceMs: z.number(),
});
export type ClassifyReply = z.infer<typeof ClassifyReply>;

/** The protocol's error codes, each with its HTTP status. */
export const modelErrors = {
  invalid_request: 400,
  route_not_found: 404,
  model_not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  inference_failed: 500,
  loading: 503,
} as const satisfies Record<string, number>;

export type ModelErrorCode = keyof typeof modelErrors;
export const ModelErrorCode = z.enum(Object.keys(modelErrors) as [ModelErrorCode, ...ModelErrorCode[]]);

/** Every error a model server sends: `{"error":{"code","message"}}`. */
export const ErrorReply = z.object({
  error: z.object({ code: ModelErrorCode, message: z.string() }),
});
export type ErrorReply = z.infer<typeof ErrorReply>;
