// Refusals with the inference protocol's error codes (defined in packages/shared, each with its HTTP
// status); plugins/error-handler.ts writes them as `{"error":{"code","message"}}`.
import { modelServer } from '@gpuq/shared';

/** A refusal with a protocol code; the message is sent as it is, so it must be fit for the client. */
export class ModelServerError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: modelServer.ModelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelServerError';
    this.statusCode = modelServer.modelErrors[code];
  }
}

/** Several problems in one message: the first few, and how many more there are. */
export function problemsMessage(problems: readonly string[], shown = 3): string {
  const head = problems.slice(0, shown).join('. ');
  return problems.length > shown ? `${head}. (and ${problems.length - shown} more problems)` : head;
}
