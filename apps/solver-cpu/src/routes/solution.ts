// GET and DELETE /cuopt/solution/{id}, and its incumbents: results kept in the encoding chosen at
// submit (a wildcard Accept gets that one), errors for unknown ids in the Accept as it came.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { rawAcceptMedia, replyMedia, type WireMedia } from '@gpuq/cuopt-wire';
import type { SolveRequest } from '../request-store.js';
import { acceptOf, sendEncoded, sendError } from '../replies.js';
import type { SolverContext } from './context.js';

/** cuOpt 25.08's end marker: the request is over and no incumbent is left. */
export const INCUMBENTS_END = [{ solution: [], cost: null }];

const isFinished = (request: SolveRequest) => request.state === 'completed' || request.state === 'aborted';

/** The request; or undefined, with the 415 or 404 that cuOpt answers before it looks at the result sent. */
function find(reply: FastifyReply, store: SolverContext['store'], id: string, accept: string): SolveRequest | undefined {
  const negotiated = replyMedia(accept, 'solution');
  if ('unsupported' in negotiated) {
    sendError(reply, 415, negotiated.unsupported, false, 'json');
    return undefined;
  }
  const found = store.get(id);
  if (!found) sendError(reply, 404, `job ${id} does not exist`, false, rawAcceptMedia(accept));
  return found;
}

function solutionBody(request: SolveRequest): { status: number; value: unknown } {
  const id = request.id;
  if (request.state === 'aborted') return { status: 500, value: { error: `${id} was aborted`, error_result: true } };
  const outcome = request.outcome;
  if (request.state !== 'completed' || !outcome) return { status: 200, value: { reqId: id } };
  if (!outcome.ok) return { status: outcome.status, value: { error: outcome.error, error_result: true } };
  const warnings = [...request.submitWarnings, ...outcome.warnings];
  return {
    status: 200,
    value: {
      response: outcome.response,
      reqId: id,
      ...(warnings.length > 0 ? { warnings } : {}),
      ...(outcome.notes.length > 0 ? { notes: outcome.notes } : {}),
    },
  };
}

export const solutionRoutes: FastifyPluginAsync<SolverContext> = async (app, { store }) => {
  app.get<{ Params: { id: string } }>('/cuopt/solution/:id', async (request, reply) => {
    const accept = acceptOf(request);
    const found = find(reply, store, request.params.id, accept);
    if (!found) return reply;
    const media = (replyMedia(accept, 'solution', found.resultMedia) as { media: WireMedia }).media;
    const { status, value } = solutionBody(found);
    return sendEncoded(reply, status, value, media);
  });

  app.get<{ Params: { id: string } }>('/cuopt/solution/:id/incumbents', async (request, reply) => {
    const accept = acceptOf(request);
    const found = find(reply, store, request.params.id, accept);
    if (!found) return reply;
    const media = (replyMedia(accept, 'incumbents') as { media: WireMedia }).media;
    // Each incumbent once; once the request is over and none is left, the end marker, on every read.
    const incumbents = isFinished(found) && found.incumbents.length === 0 ? INCUMBENTS_END : found.incumbents.splice(0);
    return sendEncoded(reply, 200, incumbents, media);
  });

  app.delete<{ Params: { id: string } }>('/cuopt/solution/:id', async (request, reply) => {
    const found = find(reply, store, request.params.id, acceptOf(request));
    if (!found) return reply;
    // cuOpt removes only a finished result: deleting a pending one is a no-op that still answers 200.
    if (isFinished(found)) store.delete(found.id);
    return reply.code(200).send();
  });
};
