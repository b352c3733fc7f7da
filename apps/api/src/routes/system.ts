// /v1/gpus (the inventory the schedulers publish) and /v1/system/status (admins: schedulers,
// queue depths, version).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { GpusView, KINDS, SystemStatus } from '@gpuq/shared';
import { API_VERSION } from '../plugins/swagger.js';
import { HEARTBEAT_STALE_MS, readBoxStates } from '@gpuq/runtime';
import { errorResponses } from './error-responses.js';

export const systemRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/v1/gpus',
    {
      schema: {
        summary: 'The GPUs of every box with an active scheduler: VRAM total, reserved, free, not ours; jobs; drain reasons',
        tags: ['system'],
        response: { 200: GpusView, ...errorResponses(401, 429, 503) },
      },
    },
    async (request) => {
      const state = await readBoxStates(app.redis);
      const canSeeUrls = request.principal.isAdmin;
      return {
        boxes: state.inventories.map(({ boxId, schedulerId, updatedAt, kinds, gpus, solveServers, drainedReason }) => ({
          boxId,
          schedulerId,
          updatedAt,
          kinds,
          gpus,
          // Internal addresses are the operator's: a tenant sees what a server takes and how busy it is.
          solveServers: canSeeUrls ? solveServers : solveServers.map(({ url: _url, ...server }) => server),
          drainedReason,
        })),
      };
    },
  );

  app.get(
    '/v1/system/status',
    {
      config: { auth: 'admin' },
      schema: {
        summary: 'Schedulers (active or standby, last heartbeat), queue depths, version',
        tags: ['system'],
        response: { 200: SystemStatus, ...errorResponses(401, 403, 429, 503) },
      },
    },
    async () => {
      const now = Date.now();
      const state = await readBoxStates(app.redis, now);
      const queues: SystemStatus['queues'] = {};
      for (const kind of KINDS) {
        const counts = await app.queues.get(kind)!.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
        const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
        const active = counts.active ?? 0;
        // Held is what the boxes last published (every 200 ms at most): never more than BullMQ's active.
        const held = Math.min(active, state.inventories.reduce((sum, inventory) => sum + (inventory.heldByKind[kind] ?? 0), 0));
        queues[kind] = {
          queued: waiting + held,
          held,
          running: active - held,
          waiting,
          active,
          delayed: counts.delayed ?? 0,
          completed: counts.completed ?? 0,
          failed: counts.failed ?? 0,
        };
      }
      return {
        version: API_VERSION,
        schedulers: Object.entries(state.heartbeats).map(([id, h]) => ({ id, boxId: h.boxId, role: h.role, heartbeatAt: h.heartbeatAt, isAlive: now - h.heartbeatAt < HEARTBEAT_STALE_MS })),
        queues,
      };
    },
  );
};
