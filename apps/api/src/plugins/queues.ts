// One BullMQ Queue per kind, for adding jobs and reading them back; closed with the app.
import fp from 'fastify-plugin';
import { Queue, type RedisOptions } from 'bullmq';
import { BULLMQ_PREFIX, queueName, type Kind } from '@gpuq/shared';

declare module 'fastify' {
  interface FastifyInstance {
    queues: ReadonlyMap<Kind, Queue>;
  }
}

export interface QueuesOptions {
  kinds: readonly Kind[];
  connection: RedisOptions;
}

export const queuesPlugin = fp<QueuesOptions>(
  async (app, options) => {
    const queues = new Map<Kind, Queue>();
    for (const kind of options.kinds) {
      const queue = new Queue(queueName(kind), { connection: options.connection, prefix: BULLMQ_PREFIX });
      // An unhandled 'error' event would crash the process; a Redis outage is answered with 503s.
      queue.on('error', (err) => app.log.warn({ err, kind }, 'queue connection error'));
      queues.set(kind, queue);
    }
    app.decorate('queues', queues);
    app.addHook('onClose', async () => {
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
    });
  },
  { name: 'queues' },
);
