// The baseline for POST /v1/jobs: a bare Fastify route that only calls Queue.add with the body as
// it came, no auth, no validation, no index. Run as its own process, as the API is.
import Fastify from 'fastify';
import { Queue } from 'bullmq';
import { BULLMQ_PREFIX } from '@gpuq/shared';
import { bullConnection } from '@gpuq/runtime';

const port = Number(process.env.PORT);
const queue = new Queue('bare', { connection: bullConnection(process.env.REDIS_URL!), prefix: BULLMQ_PREFIX });
const app = Fastify({ bodyLimit: 16 * 1024 * 1024 });
app.post('/jobs', async (request, reply) => {
  const job = await queue.add('job', request.body);
  return reply.code(202).send({ id: job.id });
});
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ host: '127.0.0.1', port });
process.stdout.write('{"msg":"bare ready"}\n');
process.once('SIGTERM', () => void app.close().then(() => queue.close()).then(() => process.exit(0)));
