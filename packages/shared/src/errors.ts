// Error codes, defined once. The API turns `ApiErrorCode`s into
// `{"error":{"code","message","details"}}` with the status given here; a job that ends failed
// carries a `JobErrorCode` that says what a person can do about it.
import { z } from 'zod';

export const apiErrors = {
  validation_failed: { status: 400, message: 'The request is not valid; see details for each field.' },
  unauthorized: { status: 401, message: 'Send a valid API key: Authorization: Bearer <key>.' },
  forbidden: { status: 403, message: 'This API key may not do that: it needs the admin role.' },
  job_not_found: { status: 404, message: 'No job with that id.' },
  batch_not_found: { status: 404, message: 'No batch with that id.' },
  artifact_not_found: { status: 404, message: 'The job has no artifact with that name.' },
  route_not_found: { status: 404, message: 'No such route.' },
  request_timeout: { status: 408, message: 'The request did not arrive in time (its headers, or all of it with its body); send it again, faster or smaller.' },
  job_finished: { status: 409, message: 'The job has already finished.' },
  job_not_succeeded: { status: 409, message: 'The job has no result: it has not finished, or it did not succeed (see its error).' },
  idempotency_key_reused: { status: 409, message: 'This Idempotency-Key was already used with a different body.' },
  payload_too_large: { status: 413, message: 'The request body is larger than this server accepts.' },
  uri_too_long: { status: 414, message: 'A part of the path is longer than this server reads; no name or id here is longer than 255 characters.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  timeout_above_max: { status: 422, message: 'timeoutSeconds is above the maximum for this kind.' },
  never_fits: { status: 422, message: 'The job needs more VRAM than any GPU offers; it could never run.' },
  kind_not_served: { status: 422, message: 'No scheduler runs jobs of this kind.' },
  problem_not_served: { status: 422, message: 'No solve server takes this kind of problem.' },
  batch_too_large: { status: 422, message: 'The batch has more jobs than this server accepts at once.' },
  webhook_host_not_allowed: { status: 422, message: "The webhook's host is not one this server may call." },
  webhook_secret_missing: { status: 422, message: 'Webhooks are signed with your tenant\'s secret, and it has none: set it in GPUQ_WEBHOOK_SECRETS.' },
  rate_limited: { status: 429, message: 'Too many requests; retry after the number of seconds in Retry-After.' },
  too_many_large_requests: { status: 429, message: 'Your earlier large requests are still being checked; send this one again when one of them is answered.' },
  headers_too_large: { status: 431, message: "The request's headers are larger than this server reads (16 KiB in all, by default)." },
  body_too_costly: { status: 413, message: 'The body takes more memory or time to check than one request may use; split the work into smaller jobs.' },
  internal_error: { status: 500, message: 'Something went wrong on our side; it has been logged.' },
  redis_unavailable: { status: 503, message: 'The job store is unreachable; try again shortly.' },
  not_ready: { status: 503, message: 'Not ready to serve yet.' },
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
    code: ApiErrorCode,
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
  'gpu_out_of_memory', // the GPU ran out of memory: retried on a larger GPU if there is one
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

/** How a job cancelled by a user ended, in the view and in the scheduler's failure alike. */
export const CANCELLED_ON_REQUEST = { code: 'cancelled', message: 'cancelled on request' } as const satisfies JobError;
