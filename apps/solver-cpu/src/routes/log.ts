// GET and DELETE /cuopt/log/{id}: the solver log of a request submitted with solver_logs=true,
// read from a byte offset. A missing log is 404 in plain JSON, as cuOpt answers it.
import type { FastifyPluginAsync } from 'fastify';
import { replyMedia } from '@gpuq/cuopt-wire';
import { ParamReader, validationErrorText } from '../fastapi-params.js';
import { acceptOf, sendEncoded, sendError, sendPlainError } from '../replies.js';
import type { SolverContext } from './context.js';

const notFound = (id: string) => `log not found for request ${id}`;

export const logRoutes: FastifyPluginAsync<SolverContext> = async (app, { store }) => {
  app.get<{ Params: { id: string }; Querystring: Record<string, string | string[]> }>('/cuopt/log/:id', async (request, reply) => {
    const params = new ParamReader(request.query);
    const fromByte = params.int('frombyte') ?? 0;
    if (params.errors.length > 0) return sendPlainError(reply, 422, validationErrorText(params.errors));
    const negotiated = replyMedia(acceptOf(request), 'log');
    if ('unsupported' in negotiated) return sendPlainError(reply, 415, negotiated.unsupported);
    const log = store.log(request.params.id);
    if (!log) return sendPlainError(reply, 404, notFound(request.params.id));
    // Python's seek() refuses a negative offset, and cuOpt reports that as an unhandled exception.
    if (fromByte < 0) return sendPlainError(reply, 500, `cuOpt unhandled exception, please include this message in any error report: negative seek position ${fromByte}`);
    return sendEncoded(reply, 200, log.read(fromByte), negotiated.media);
  });

  app.delete<{ Params: { id: string } }>('/cuopt/log/:id', async (request, reply) => {
    const negotiated = replyMedia(acceptOf(request), 'log');
    if ('unsupported' in negotiated) return sendError(reply, 415, negotiated.unsupported, false, 'json');
    if (!store.deleteLog(request.params.id)) return sendPlainError(reply, 404, notFound(request.params.id));
    // cuOpt's handler returns nothing, which FastAPI writes as JSON null.
    return sendEncoded(reply, 200, null, 'json');
  });
};
