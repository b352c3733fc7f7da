// bull-board at /admin/queues: BullMQ's own view of every kind's queue, for admins. Read-only: a
// retry or remove from there would act on a job behind its scheduler's back (and its fencing).
// Its pages are navigated to, so a browser cannot send a Bearer header: they take HTTP Basic auth
// with an admin key as the password (any user name), and answer 401 with a challenge so the
// browser asks for it. Encapsulated on purpose: the hook guards these routes only.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { keyFromAuthorization } from '../auth/key-from-header.js';
import type { KeyRing } from '../auth/key-ring.js';
import { sendError } from './error-handler.js';

export const QUEUE_BOARD_PATH = '/admin/queues';

/** How bull-board's view maps to gpuq's job states. */
export const BULLMQ_STATES_NOTE =
  "BullMQ's view. Active = taken by a box: held there waiting for a GPU (gpuq: queued) or running; the job's run record says which (GET /v1/jobs/:id, /ui). Priority is BullMQ's: 101 − gpuq's priority (gpuq 50 shows as 51; lower runs first).";

export interface QueueBoardOptions {
  keys: KeyRing;
}

export const queueBoardPlugin: FastifyPluginAsync<QueueBoardOptions> = async (app, { keys }) => {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    // BullMQ's states are not gpuq's: say so on every queue, so no operator is misled.
    queues: [...app.queues.values()].map((queue) => new BullMQAdapter(queue, { readOnlyMode: true, description: BULLMQ_STATES_NOTE })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'gpuq queues' } },
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (keys.isEmpty) return;
    // Key guesses here count against the address as on every other route (plugins/auth.ts).
    const refused = app.sourceLimit.refused(request, reply);
    if (refused) return sendError(reply, refused.code, refused.message);
    const key = keyFromAuthorization(request.headers.authorization);
    const principal = key === undefined ? undefined : keys.identify(key);
    if (!principal) {
      const limited = await app.sourceLimit.count(request, reply);
      if (limited) return sendError(reply, limited.code, limited.message);
      void reply.header('www-authenticate', 'Basic realm="gpuq admin", charset="UTF-8"');
      return sendError(reply, 'unauthorized', 'Sign in with an admin API key as the password (any user name).');
    }
    if (!principal.isAdmin) return sendError(reply, 'forbidden');
  });

  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
};
