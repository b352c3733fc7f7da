// The one place errors become responses: `{"error":{"code","message","details"}}`. Anything a
// client sent gets a 4xx with a code; anything else is logged and answered without internals.
// Fastify answers some errors before any route or hook runs (a path it cannot route, a request Node
// could not read or that came too slowly): frameworkErrors and answerClientError, given to Fastify
// in app.ts, answer those in the same shape.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiErrors, type ApiErrorCode, type ErrorBody, type ErrorDetail } from '@gpuq/shared';
import { ApiError, RequestValidationError } from '../errors.js';

/** Fastify's own client errors, by their codes. */
const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_INVALID_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_INVALID_TYPE: 'validation_failed',
  FST_ERR_BAD_URL: 'validation_failed',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
  FST_ERR_NOT_FOUND: 'route_not_found',
};

/** Any other client error, by its status: a Fastify error this table does not know yet still gets the shape. */
const CODES_BY_STATUS: Partial<Record<number, ApiErrorCode>> = {
  400: 'validation_failed',
  404: 'route_not_found',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
};

/** Codes whose message names the part of the request at fault: the error's own message is kept, as a detail. */
const REQUEST_PART_PROBLEMS = new Set<ApiErrorCode>(['validation_failed']);

const REDIS_DOWN = /Connection is closed|max retries per request|ECONNREFUSED|Stream isn't writeable|ETIMEDOUT/i;

/** Said in Retry-After when a 429 has no window to point at (a tenant's large bodies still being checked). */
const DEFAULT_RETRY_AFTER_S = 1;

function isRedisUnavailable(err: Error): boolean {
  return err.name === 'MaxRetriesPerRequestError' || REDIS_DOWN.test(err.message);
}

const errorBody = (code: ApiErrorCode, message?: string, details?: ErrorDetail[]): ErrorBody => ({
  error: { code, message: message ?? apiErrors[code].message, ...(details ? { details } : {}) },
});

export function sendError(reply: FastifyReply, code: ApiErrorCode, message?: string, details?: ErrorDetail[]) {
  const status = apiErrors[code].status;
  reply.server.apiMetrics?.errors.inc({ code });
  // Every 429 says when to come back.
  if (status === 429 && !reply.hasHeader('retry-after')) void reply.header('retry-after', String(DEFAULT_RETRY_AFTER_S));
  return reply.code(status).type('application/json').send(errorBody(code, message, details));
}

/** A Fastify error that a client caused, in our shape; undefined for anything else. */
function sendFastifyClientError(reply: FastifyReply, err: FastifyError) {
  const code = (err.code ? FASTIFY_CODES[err.code] : undefined) ?? (err.statusCode !== undefined ? CODES_BY_STATUS[err.statusCode] : undefined);
  if (!code) return undefined;
  const isRequestPartProblem = REQUEST_PART_PROBLEMS.has(code);
  return sendError(reply, code, isRequestPartProblem ? err.message : undefined, isRequestPartProblem ? [{ path: err.code === 'FST_ERR_BAD_URL' ? '(url)' : '(body)', message: err.message }] : undefined);
}

/** Fastify's answer to a path it cannot route (a bad percent-escape, a part over maxParamLength), before any route runs. */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (!sendFastifyClientError(reply, err)) void sendError(reply, 'internal_error');
}

/**
 * Node's answer to a request it could not read, or that did not arrive in time (headersTimeout,
 * requestTimeout): our shape, written on the socket before it is closed. Bound to the Fastify
 * instance by Fastify.
 */
export function answerClientError(this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  // Reset by the client: there is no one to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ApiErrorCode = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'validation_failed';
  const message = code === 'validation_failed' ? 'The request is not valid HTTP/1.1.' : undefined;
  this.log.debug({ err }, 'client error');
  this.apiMetrics?.errors.inc({ code });
  // As Node does: answer only when no answer has started on this socket, lest it be corrupted.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const status = apiErrors[code].status;
    const body = JSON.stringify(errorBody(code, message));
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

export const errorHandlerPlugin = fp(
  async (app) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if (err instanceof RequestValidationError) {
        return sendError(reply, 'validation_failed', undefined, err.details());
      }
      if (err instanceof ApiError) return sendError(reply, err.code, err.message, err.details);
      const answered = sendFastifyClientError(reply, err);
      if (answered) return answered;
      if (err instanceof SyntaxError) {
        return sendError(reply, 'validation_failed', err.message, [{ path: '(body)', message: err.message }]);
      }
      if (isRedisUnavailable(err)) {
        request.log.error({ err }, 'redis unavailable');
        return sendError(reply, 'redis_unavailable');
      }
      request.log.error({ err }, 'unhandled error');
      return sendError(reply, 'internal_error');
    });
    app.setNotFoundHandler((_request, reply) => sendError(reply, 'route_not_found'));
  },
  { name: 'error-handler' },
);
