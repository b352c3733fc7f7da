// A job request checked as far as its body alone allows: the kind's checks against config (an MPS
// read, a VRP matrix walked), what it needs to run, and its input as the JSON that will be stored.
// Pure and free of Fastify: it runs on the request's thread for small bodies and in a body-check
// thread for large ones (body-check-pool.ts), with the same outcome.
import { checkKindRequest, formatPath, placementNeedOf, type GpuqConfig, type JobRequest, type PlacementNeed } from '@gpuq/shared';
import { ApiError } from '../errors.js';
import { bodyHash } from '../idempotency.js';

/** An input a body-check thread already wrote to Redis, under this key (keys.stagedInput). */
export interface StagedInput {
  stagedKey: string;
}

export const isStagedInput = (input: unknown): input is StagedInput => typeof input === 'object' && input !== null && 'stagedKey' in input;

export interface CheckedJob {
  /** The parsed request, less its input. */
  request: Omit<JobRequest, 'input'>;
  /** The parsed input's JSON as it is stored; from a body-check thread, bytes or already in Redis. */
  input: string | Uint8Array | StagedInput;
  inputBytes: number;
  need: PlacementNeed;
  /** The whole parsed request's hash, for Idempotency-Key; absent when not asked for. */
  bodyHash?: string;
}

export function checkJobRequest(request: JobRequest, config: GpuqConfig, options: { path?: string; withHash?: boolean } = {}): CheckedJob {
  const path = options.path ?? '';
  const kindRequest = { input: request.input, requestedVramMb: request.resources?.vramMb };
  const issues = checkKindRequest(request.kind, kindRequest, config);
  if (issues.length > 0) {
    throw new ApiError('validation_failed', undefined, issues.map((issue) => ({ path: `${path}${formatPath(issue.path)}`, message: issue.message })));
  }
  const need = placementNeedOf(request.kind, kindRequest, config);
  const { input, ...rest } = request;
  const json = JSON.stringify(input);
  return { request: rest, input: json, inputBytes: Buffer.byteLength(json), need, ...(options.withHash ? { bodyHash: bodyHash(request) } : {}) };
}
