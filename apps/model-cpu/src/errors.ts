// Error codes of the inference protocol, defined once: each fixes its HTTP status. Replies are
// `{"error":{"code","message"}}` (ErrorBody), written by plugins/error-handler.ts.
import { z } from 'zod';

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

export const ErrorBody = z.object({
  error: z.object({ code: ModelErrorCode, message: z.string() }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** A refusal with a protocol code; the message is sent as it is, so it must be fit for the client. */
export class ModelServerError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelServerError';
    this.statusCode = modelErrors[code];
  }
}

/** Several problems in one message: the first few, and how many more there are. */
export function problemsMessage(problems: readonly string[], shown = 3): string {
  const head = problems.slice(0, shown).join('. ');
  return problems.length > shown ? `${head}. (and ${problems.length - shown} more problems)` : head;
}
