// The exit codes of `gpuq`, defined once: `gpuq --help` prints this table, and every error and
// job outcome is mapped to a code here.
import type { JobStatus } from '@gpuq/shared';
import { GpuqApiError, GpuqConnectionError, GpuqResponseError, GpuqWaitTimeoutError } from '../errors.js';
import { UsageError } from './usage-error.js';

export const ExitCode = {
  ok: 0,
  jobFailed: 1,
  usage: 2,
  jobCancelled: 3,
  waitTimedOut: 4,
  unavailable: 5,
  notFound: 6,
  unauthorized: 7,
  internal: 70,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_MEANINGS: ReadonlyArray<readonly [ExitCode, string]> = [
  [ExitCode.ok, 'done; with --wait or --follow: the job succeeded'],
  [ExitCode.jobFailed, 'the job failed (its reason is printed)'],
  [ExitCode.usage, 'bad arguments or input, or the API refused the request (4xx: code, field and message printed)'],
  [ExitCode.jobCancelled, 'the job was cancelled'],
  [ExitCode.waitTimedOut, '--wait-timeout passed before the job ended (the job goes on)'],
  [ExitCode.unavailable, 'the API cannot be reached, or failed (5xx, or still 429 after retries)'],
  [ExitCode.notFound, 'no such job (or artifact)'],
  [ExitCode.unauthorized, 'no valid API key (--key, GPUQ_API_KEY), or the key may not do that'],
  [ExitCode.internal, 'a bug in gpuq (the message says where)'],
  [ExitCode.interrupted, 'interrupted (Ctrl-C); a job it was waiting for goes on'],
];

/** The code for a job that has ended with `status`. */
export function exitCodeForStatus(status: JobStatus): ExitCode {
  if (status === 'succeeded') return ExitCode.ok;
  if (status === 'cancelled') return ExitCode.jobCancelled;
  if (status === 'failed') return ExitCode.jobFailed;
  return ExitCode.waitTimedOut;
}

export function exitCodeForError(err: unknown): ExitCode {
  if (err instanceof UsageError) return ExitCode.usage;
  if (err instanceof GpuqWaitTimeoutError) return ExitCode.waitTimedOut;
  if (err instanceof GpuqConnectionError || err instanceof GpuqResponseError) return ExitCode.unavailable;
  if (err instanceof GpuqApiError) {
    if (err.status === 401 || err.status === 403) return ExitCode.unauthorized;
    if (err.status === 404) return ExitCode.notFound;
    if (err.status === 429 || err.status >= 500) return ExitCode.unavailable;
    return ExitCode.usage;
  }
  if (err instanceof Error && err.name === 'AbortError') return ExitCode.interrupted;
  return ExitCode.internal;
}
