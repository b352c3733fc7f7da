// Replies in the cuOpt server's encodings: the exact content type, and error bodies as its
// handlers write them (`error_result` only where its encode() adds it).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { encodeReply, MEDIA_TYPES, type WireMedia } from '@gpuq/cuopt-wire';

export function sendEncoded(reply: FastifyReply, status: number, value: unknown, media: WireMedia): FastifyReply {
  const { contentType, body } = encodeReply(value, media);
  return reply.code(status).type(contentType).send(body);
}

/** An error as cuOpt's encode() sends it: `{"error", "error_result"}` in the reply encoding. */
export function sendError(reply: FastifyReply, status: number, error: string, errorResult: boolean, media: WireMedia): FastifyReply {
  return sendEncoded(reply, status, { error, error_result: errorResult }, media);
}

/** An error as cuOpt's handlers send it when no encode() is involved: `{"error"}`, always JSON. */
export function sendPlainError(reply: FastifyReply, status: number, error: string): FastifyReply {
  return sendEncoded(reply, status, { error }, 'json');
}

/** A header's value as FastAPI reads it (the first, when repeated). */
export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** FastAPI's default for a missing Accept header on cuOpt's routes. */
export const acceptOf = (request: FastifyRequest): string => header(request, 'accept') ?? MEDIA_TYPES.json;
