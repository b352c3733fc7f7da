// What is done with a submit's body bytes before its route sees them: parsed (JSON with prototype
// keys refused, as Fastify's own parser refuses them; a cuOpt request in its own encodings),
// checked against its route's schema, and each job in it checked (checked-job.ts). The outcome is
// plain data, so it can cross from a body-check thread; a refusal carries the error it becomes.
import secureJson from 'secure-json-parse';
import type { z } from 'zod';
import { BatchRequest, issuesToDetails, JobRequest, type ApiErrorCode, type ErrorDetail, type GpuqConfig } from '@gpuq/shared';
import { ApiError } from '../errors.js';
import { joined } from './body-chunks.js';
import { checkJobRequest, type CheckedJob } from './checked-job.js';
import { checkCuoptBody, cuoptProblemJson, CuoptError, type CuoptBody } from './cuopt-body.js';

/** A body as the chunks it arrived in (body-chunks.ts), and what to do with it. */
export type BodyTask = { body: Uint8Array[] } & (
  | { type: 'job'; withHash: boolean }
  | { type: 'batch' }
  /** `check`: as a submit or validation_only; `decode`: only decoded, for cache=true. */
  | ({ type: 'cuopt'; mode: 'check' | 'decode' } & Omit<CuoptBody, 'bytes'>)
);

export type BodyTaskValue =
  | { type: 'job'; job: CheckedJob }
  | { type: 'batch'; jobs: CheckedJob[] }
  | { type: 'cuopt'; isBatch: boolean; jobs: CheckedJob[] }
  | { type: 'cuopt-problem'; isBatch: boolean; json: string | Uint8Array };

export type BodyRefusal = { type: 'api'; code: ApiErrorCode; message: string; details?: ErrorDetail[] } | { type: 'cuopt'; status: number; message: string };

export type BodyOutcome = { ok: true; value: BodyTaskValue } | { ok: false; refusal: BodyRefusal };

export function runBodyTask(task: BodyTask, config: GpuqConfig): BodyOutcome {
  try {
    return { ok: true, value: valueOf(task, config) };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, refusal: { type: 'api', code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
    if (err instanceof CuoptError) return { ok: false, refusal: { type: 'cuopt', status: err.status, message: err.message } };
    throw err;
  }
}

/** A task's value, as the type its task gives. */
export function checkedValue<T extends BodyTaskValue['type']>(value: BodyTaskValue, type: T): Extract<BodyTaskValue, { type: T }> {
  if (value.type !== type) throw new Error(`a body check gave a ${value.type}, not a ${type}`);
  return value as Extract<BodyTaskValue, { type: T }>;
}

/** The error a refusal is answered with. */
export function refusalError(refusal: BodyRefusal): ApiError | CuoptError {
  return refusal.type === 'api' ? new ApiError(refusal.code, refusal.message, refusal.details) : new CuoptError(refusal.status, refusal.message);
}

function valueOf(task: BodyTask, config: GpuqConfig): BodyTaskValue {
  const bytes = joined(task.body);
  switch (task.type) {
    case 'job':
      return { type: 'job', job: checkJobRequest(validated(JobRequest, parseJson(bytes)), config, { withHash: task.withHash }) };
    case 'batch':
      return { type: 'batch', jobs: checkEach(validated(BatchRequest, parseJson(bytes)).jobs, config) };
    case 'cuopt': {
      const body = { bytes, media: task.media, decoding: task.decoding };
      return task.mode === 'check' ? { type: 'cuopt', ...checkCuoptBody(body, config) } : { type: 'cuopt-problem', ...cuoptProblemJson(body) };
    }
  }
}

/** Every job of a batch is checked, so that one answer names every field at fault. */
function checkEach(jobs: JobRequest[], config: GpuqConfig): CheckedJob[] {
  const max = config.api.maxBatchSize;
  if (jobs.length > max) throw new ApiError('batch_too_large', `the batch has ${jobs.length} jobs; at most ${max} at once`, [{ path: 'jobs', message: `at most ${max} jobs` }]);
  const checked: CheckedJob[] = [];
  const details: ErrorDetail[] = [];
  for (const [i, job] of jobs.entries()) {
    try {
      checked.push(checkJobRequest(job, config, { path: `jobs[${i}].` }));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      details.push(...(err.details ?? []));
    }
  }
  if (details.length > 0) throw new ApiError('validation_failed', undefined, details);
  return checked;
}

/** The body as JSON; an empty body is `undefined` (the schema then says what is required). */
export function parseJson(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    const message = `the body is not valid JSON: ${(err as Error).message}`;
    throw new ApiError('validation_failed', message, [{ path: '(body)', message }]);
  }
}

function validated<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new ApiError('validation_failed', undefined, issuesToDetails(result.error.issues));
  return result.data;
}
