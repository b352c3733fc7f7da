// GET /cuopt/request/{id} (status) and DELETE /cuopt/request/{id} (abort, or drop a cached body).
import type { FastifyPluginAsync } from 'fastify';
import { rawAcceptMedia, replyMedia } from '@gpuq/cuopt-wire';
import type { cuopt } from '@gpuq/shared';
import { ParamReader, validationErrorText } from '../fastapi-params.js';
import { acceptOf, sendEncoded, sendError, sendPlainError } from '../replies.js';
import type { SolverContext } from './context.js';

export const requestRoutes: FastifyPluginAsync<SolverContext> = async (app, { store, pool }) => {
  app.get<{ Params: { id: string } }>('/cuopt/request/:id', async (request, reply) => {
    // This route never refuses an Accept value: anything cuOpt does not know gets JSON.
    const media = rawAcceptMedia(acceptOf(request));
    const found = store.get(request.params.id);
    if (!found) return sendError(reply, 404, `job ${request.params.id} does not exist`, false, media);
    return sendEncoded(reply, 200, found.state satisfies cuopt.RequestStatus, media);
  });

  app.delete<{ Params: { id: string }; Querystring: Record<string, string | string[]> }>('/cuopt/request/:id', async (request, reply) => {
    const params = new ParamReader(request.query);
    const given = { running: params.bool('running'), queued: params.bool('queued'), cached: params.bool('cached') };
    if (params.errors.length > 0) return sendPlainError(reply, 422, validationErrorText(params.errors));
    const accept = acceptOf(request);
    const negotiated = replyMedia(accept, 'abort');
    if ('unsupported' in negotiated) return sendError(reply, 415, negotiated.unsupported, false, 'json');
    const { id } = request.params;
    // cuOpt: a specific id with no flags means all three; with '*' or any flag given, unset ones are false.
    const explicit = id === '*' || Object.values(given).some((v) => v !== undefined);
    const running = given.running ?? !explicit;
    const queued = given.queued ?? !explicit;
    const cached = given.cached ?? !explicit;
    if (id === '*' && !running && !queued && !cached) return sendError(reply, 400, 'Request id is wildcard but no flags set', false, negotiated.media);

    const counts = { cached: 0, queued: 0, running: 0 };
    if (cached) counts.cached = store.dropCached(id);
    // An id is a cached body or a request, never both.
    if ((running || queued) && !(counts.cached !== 0 && id !== '*')) Object.assign(counts, pool.abort(id, { running, queued }));
    // FastAPI writes JSON in its response model's field order; msgpack and zlib keep cuOpt's dict order.
    const value = negotiated.media === 'json' ? { queued: counts.queued, running: counts.running, cached: counts.cached } : counts;
    return sendEncoded(reply, 200, value satisfies cuopt.AbortReply, negotiated.media);
  });
};
