// cuOpt's health routes: always JSON, whatever Accept says.
import type { FastifyPluginAsync } from 'fastify';
import { cuopt } from '@gpuq/shared';
import { sendEncoded } from '../replies.js';

export const healthRoutes: FastifyPluginAsync = async (app) => {
  const health = { status: 'RUNNING', version: cuopt.CUOPT_VERSION } satisfies cuopt.HealthReply;
  for (const path of ['/cuopt/health', '/v2/health/ready', '/v2/health/live']) {
    app.get(path, async (_request, reply) => sendEncoded(reply, 200, health, 'json'));
  }
};
