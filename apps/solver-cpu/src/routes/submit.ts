// POST /cuopt/request: the checks cuOpt's postrequest makes, in its order, then the request is
// queued and its id returned at once (cuOpt waits 0 s for a solve).
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { PICKLE_REFUSED_MESSAGE, rawAcceptMedia, replyMedia, requestMedia, unsupportedContentTypeMessage } from '@gpuq/cuopt-wire';
import { clientVersionWarnings } from '../client-version.js';
import { ParamReader, validationErrorText } from '../fastapi-params.js';
import type { SolveRequest } from '../request-store.js';
import { acceptOf, header, sendEncoded, sendError, sendPlainError } from '../replies.js';
import type { SolverContext } from './context.js';

export const submitRoutes: FastifyPluginAsync<SolverContext> = async (app, { store, pool }) => {
  app.post<{ Querystring: Record<string, string | string[]> }>('/cuopt/request', async (request, reply) => {
    const params = new ParamReader(request.query);
    const cache = params.bool('cache') ?? false;
    const cachedId = params.string('reqId');
    const initialIds = params.list('initialId');
    const warmstartId = params.string('warmstartId');
    const validationOnly = params.bool('validation_only') ?? false;
    const wantsIncumbents = params.bool('incumbent_solutions') ?? false;
    const wantsLogs = params.bool('solver_logs') ?? false;
    params.requireHeader(request.headers, 'content-length');
    if (params.errors.length > 0) return sendPlainError(reply, 422, validationErrorText(params.errors));

    const accept = acceptOf(request);
    const contentType = header(request, 'content-type');
    const dataFile = header(request, 'cuopt-data-file');
    const submitWarnings = clientVersionWarnings(header(request, 'client-version') ?? '');
    const refuse = (status: number, error: string) => sendError(reply, status, error, false, rawAcceptMedia(accept));

    if (dataFile && (cache || cachedId)) {
      return refuse(422, "Query parameters 'cache' and 'reqId' are mutually exclusive with header value 'cuopt-data-file'");
    }
    if (cache && (cachedId || initialIds.length > 0)) return refuse(422, "Query parameters 'cache' and 'reqId' or 'initialId' are mutually exclusive");
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (body.length === 0 && !cachedId && !dataFile) return refuse(422, 'Data length is zero and reqId not set');
    let media = requestMedia(contentType);
    if (!media) return refuse(415, unsupportedContentTypeMessage(contentType ?? ''));
    const negotiated = replyMedia(accept, 'submit', media);
    if ('unsupported' in negotiated) return refuse(415, negotiated.unsupported);
    // cuOpt unpickles such a body (numpy classes only); solver-cpu has no safe unpickler and says so at once.
    if (media === 'pickle') return refuse(415, PICKLE_REFUSED_MESSAGE);
    if (dataFile) {
      // cuOpt reads CUOPT-DATA-FILE from CUOPT_DATA_DIR; solver-cpu has no data directory, as a cuOpt server started without one.
      return refuse(400, `unable to read optimization data from file ${dataFile}, cuopt server was started without data directory defined but local path ${dataFile} was specified`);
    }

    let data = body;
    if (cachedId) {
      const cached = store.cachedBody(cachedId);
      // The typo is cuOpt's own.
      if (!cached) return refuse(422, `Requtest id '${cachedId}' does not exist`);
      ({ body: data, media } = cached);
    }
    // Initial solutions are VRP's: an LP ignores them, but each id must be known.
    const unknownInitial = initialIds.find((id) => !store.get(id));
    if (unknownInitial !== undefined) return refuse(404, `job ${unknownInitial} does not exist`);
    if (warmstartId !== undefined) {
      // HiGHS keeps no PDLP warm-start data, so a known id has none, as a cuOpt result solved without PDLP.
      return refuse(404, store.get(warmstartId) ? `Warmstart data for id '${warmstartId}' not found` : `job ${warmstartId} does not exist`);
    }

    const id = randomUUID();
    if (cache) store.cache(id, { media, body: data, createdAt: Date.now() });
    const solveRequest: SolveRequest = {
      id,
      body: data,
      media,
      resultMedia: negotiated.media,
      state: 'queued',
      wantsIncumbents,
      wantsLogs,
      // cuOpt validates a body it caches, and keeps that answer as the cache id's result.
      validationOnly: validationOnly || cache,
      submitWarnings,
      createdAt: Date.now(),
      incumbents: [],
    };
    store.add(solveRequest);
    pool.submit(solveRequest);
    request.log.info({ cuoptReqId: id, bytes: data.length, media, cache, queued: pool.queuedCount() }, 'accepted a request');
    return sendEncoded(reply, 200, { reqId: id }, negotiated.media);
  });
};
