// Error codes, defined once. The API turns `ApiErrorCode`s into
// `{"error":{"code","message","details"}}` with the status given here; a job that ends failed
// carries a `JobErrorCode` that says what a person can do about it.
import { z } from 'zod';

export const apiErrors = {
  validation_failed: { status: 400, message: 'The request is not valid; see details for each field.' },
  job_not_found: { status: 404, message: 'No job with that id.' },
  route_not_found: { status: 404, message: 'No such route.' },
  method_not_allowed: { status: 405, message: 'That method is not allowed on this route.' },
  payload_too_large: { status: 413, message: 'The request body is larger than this server accepts.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  timeout_above_max: { status: 422, message: 'timeoutSeconds is above the maximum for this kind.' },
  internal_error: { status: 500, message: 'Something went wrong on our side; it has been logged.' },
  redis_unavailable: { status: 503, message: 'The job store is unreachable; try again shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ApiErrorCode = keyof typeof apiErrors;
export const ApiErrorCode = z.enum(Object.keys(apiErrors) as [ApiErrorCode, ...ApiErrorCode[]]);

export const ErrorDetail = z.object({
  path: z.string().describe('The field, as a dotted path into the body (`input.csr_constraint_matrix.offsets`).'),
  message: z.string(),
});
export type ErrorDetail = z.infer<typeof ErrorDetail>;

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(ErrorDetail).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Why a job ended failed. Each code means one thing a person can act on. */
export const JobErrorCode = z.enum([
  'invalid_input', // the worker rejected the input: fix the request
  'worker_error', // the worker failed while running it: see the message; retried while attempts remain
  'worker_unavailable', // the worker server could not be reached: retried while attempts remain
  'timed_out', // ran longer than timeoutSeconds: raise it or make the job smaller
  'cancelled', // a user cancelled it
  'never_fits', // needs more VRAM than any GPU has
  'stalled', // its scheduler died while holding it, more often than allowed
  'internal', // a bug in gpuq: the message says where
]);
export type JobErrorCode = z.infer<typeof JobErrorCode>;

export const JobError = z.object({
  code: JobErrorCode,
  message: z.string(),
});
export type JobError = z.infer<typeof JobError>;
