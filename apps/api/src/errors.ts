// API errors: each carries a code from the shared table, which fixes its status and wording.
import { apiErrors, issuesToDetails, type ApiErrorCode, type ErrorDetail } from '@gpuq/shared';
import type { z } from 'zod';

export class ApiError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string = apiErrors[code].message,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = apiErrors[code].status;
  }
}

/** A request part (body, params, query, headers) that failed its zod schema. */
export class RequestValidationError extends Error {
  readonly statusCode = 400;

  constructor(
    readonly part: string,
    readonly issues: readonly z.core.$ZodIssue[],
  ) {
    super(`invalid ${part}`);
    this.name = 'RequestValidationError';
  }

  details(): ErrorDetail[] {
    // Body paths read as they are written in the JSON; other parts are prefixed with their name.
    return issuesToDetails(this.issues, this.part === 'body' ? [] : [this.part]);
  }
}
