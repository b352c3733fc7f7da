// What can go wrong talking to the API, as classes a caller can tell apart: the API said no
// (GpuqApiError), it could not be reached (GpuqConnectionError), it answered something this client
// does not understand (GpuqResponseError), or a wait ran out of time (GpuqWaitTimeoutError).
import type { ErrorDetail, JobView } from '@gpuq/shared';

/** The API answered with an error: its status, the stable code, its message and the fields at fault. */
export class GpuqApiError extends Error {
  /** The first field at fault (`input.csr_constraint_matrix.indices`), when the API named one. */
  readonly field: string | undefined;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** From Retry-After, on a 429 or 503. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'GpuqApiError';
    this.field = details[0]?.path;
  }
}

/** The API could not be reached (refused, reset, no such host) even after retrying. */
export class GpuqConnectionError extends Error {
  constructor(
    readonly url: string,
    readonly attempts: number,
    options: { cause?: unknown; reason?: string } = {},
  ) {
    const why = options.reason ?? describeCause(options.cause);
    super(`cannot reach the gpuq API at ${url}${why ? `: ${why}` : ''}${attempts > 1 ? ` (tried ${attempts} times)` : ''}`, { cause: options.cause });
    this.name = 'GpuqConnectionError';
  }
}

/** The API answered, but not in the shape this client knows: most likely a client/server version mismatch. */
export class GpuqResponseError extends Error {
  constructor(
    readonly url: string,
    problem: string,
  ) {
    super(`unexpected answer from ${url}: ${problem} (is this client the same version as the API?)`);
    this.name = 'GpuqResponseError';
  }
}

/** wait() gave up before the job ended; the job itself goes on. */
export class GpuqWaitTimeoutError extends Error {
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
    /** The last view seen, if any. */
    readonly lastView: JobView | undefined,
  ) {
    super(`job ${jobId} had not ended after ${timeoutMs / 1000} s${lastView ? ` (it is ${lastView.status})` : ''}`);
    this.name = 'GpuqWaitTimeoutError';
  }
}

/** Node's fetch hides the socket error in `cause` (ECONNREFUSED and friends). */
function describeCause(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) return undefined;
  const inner = cause.cause as { code?: string; message?: string } | undefined;
  if (inner?.code) return inner.code === 'ECONNREFUSED' ? 'connection refused' : inner.code === 'ECONNRESET' ? 'connection reset' : `${inner.code}${inner.message ? ` (${inner.message})` : ''}`;
  return inner?.message ?? cause.message;
}
