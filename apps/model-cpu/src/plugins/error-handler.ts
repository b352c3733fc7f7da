// The one place errors become replies: `{"error":{"code","message"}}`. A client's mistake gets its
// 4xx code and words; anything else is logged and answered 500 without internals.
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyServerOptions } from 'fastify';
import { modelServer } from '@gpuq/shared';
import { ModelServerError } from '../errors.js';

export function sendError(reply: FastifyReply, code: modelServer.ModelErrorCode, message: string) {
  return reply
    .code(modelServer.modelErrors[code])
    .type('application/json')
    .send({ error: { code, message } } satisfies modelServer.ErrorReply);
}

const mebibytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;

/** Requests that are not valid HTTP (a bad Content-Length, headers too large) never reach a route. */
export const clientErrorHandler: NonNullable<FastifyServerOptions['clientErrorHandler']> = (err, socket) => {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const body = JSON.stringify({ error: { code: 'invalid_request', message: `the request is not valid HTTP (${err.code ?? err.message})` } } satisfies modelServer.ErrorReply);
  if (socket.writable) {
    socket.write(`HTTP/1.1 400 Bad Request\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
};

export interface ErrorHandlerOptions {
  maxBodyBytes: number;
}

export const errorHandlerPlugin = fp<ErrorHandlerOptions>(
  async (app, options) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if (err instanceof ModelServerError) return sendError(reply, err.code, err.message);
      switch (err.code) {
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
          const type = request.headers['content-type'];
          return sendError(reply, 'unsupported_media_type', `send the body as JSON with content-type: application/json${type ? `, not ${type}` : ''}`);
        }
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          return sendError(reply, 'payload_too_large', `the body is larger than ${mebibytes(options.maxBodyBytes)}, the most this server accepts; send fewer texts per request`);
      }
      // Fastify's other refusals of what the client sent (a bad content-length, a bad URL).
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
        return sendError(reply, 'invalid_request', err.message);
      }
      request.log.error({ err }, 'request failed');
      return sendError(reply, 'inference_failed', 'the model failed on this request; the cause is in the server log. Retry, and report it if it persists.');
    });
    app.setNotFoundHandler((request, reply) =>
      sendError(reply, 'route_not_found', `no route ${request.method} ${request.url.split('?')[0]}; this server serves GET /health and POST /v1/classify`),
    );
  },
  { name: 'error-handler' },
);
