// The one place errors become responses: `{"error":{"code","message","details"}}`. Anything a
// client sent gets a 4xx with a code; anything else is logged and answered without internals.
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply } from 'fastify';
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
};

const REDIS_DOWN = /Connection is closed|max retries per request|ECONNREFUSED|Stream isn't writeable|ETIMEDOUT/i;

function isRedisUnavailable(err: Error): boolean {
  return err.name === 'MaxRetriesPerRequestError' || REDIS_DOWN.test(err.message);
}

export function sendError(reply: FastifyReply, code: ApiErrorCode, message?: string, details?: ErrorDetail[]) {
  const body: ErrorBody = { error: { code, message: message ?? apiErrors[code].message, ...(details ? { details } : {}) } };
  reply.server.apiMetrics?.errors.inc({ code });
  return reply.code(apiErrors[code].status).type('application/json').send(body);
}

export const errorHandlerPlugin = fp(
  async (app) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if (err instanceof RequestValidationError) {
        return sendError(reply, 'validation_failed', undefined, err.details());
      }
      if (err instanceof ApiError) return sendError(reply, err.code, err.message, err.details);
      const fastifyCode = err.code ? FASTIFY_CODES[err.code] : undefined;
      if (fastifyCode) {
        const isBodyProblem = fastifyCode === 'validation_failed';
        return sendError(reply, fastifyCode, isBodyProblem ? err.message : undefined, isBodyProblem ? [{ path: '(body)', message: err.message }] : undefined);
      }
      if (err instanceof SyntaxError || err.statusCode === 400) {
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
