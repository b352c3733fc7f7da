// Benchmark 1, submit: POST /v1/jobs with auth, validation, admission and the tenant index, against
// a bare Fastify route that only calls Queue.add, and against BullMQ's Queue.add and addBulk with
// no HTTP at all: the same body, the same Redis, one after the other in one run.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { BULLMQ_PREFIX } from '@gpuq/shared';
import { bullConnection, Redis } from '@gpuq/runtime';
import { AppProcess, freePort, waitFor } from '@gpuq/testkit';
import { httpLoad, round, type Throughput } from './measure.js';

/** The LP from CONTRACTS.md: what a small solve submit looks like. */
export const SUBMIT_BODY = JSON.stringify({
  kind: 'solve',
  input: {
    csr_constraint_matrix: { offsets: [0, 2, 4], indices: [0, 1, 0, 1], values: [3.0, 4.0, 2.7, 10.1] },
    constraint_bounds: { upper_bounds: [5.4, 4.9], lower_bounds: ['ninf', 'ninf'] },
    objective_data: { coefficients: [-0.2, 0.1], scalability_factor: 1.0, offset: 0.0 },
    variable_bounds: { upper_bounds: ['inf', 'inf'], lower_bounds: [0.0, 0.0] },
    maximize: false,
  },
  labels: { bench: 'submit' },
});

const KEY = 'bench-key-0123456789abcdef';

export interface SubmitResults {
  api: Throughput;
  bareRoute: Throughput;
  ratio: number;
  queueAddPerS: number;
  addBulkPerS: number;
}

async function startServer(script: string, env: Record<string, string>, ready: string): Promise<{ process: AppProcess; url: string }> {
  const port = await freePort();
  const process = new AppProcess(script, script, { PORT: String(port), LOG_LEVEL: 'warn', ...env });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, { what: ready, timeoutMs: 20_000 });
  return { process, url };
}

/** Queue.add (or addBulk of 100) from `concurrency` callers for `durationS`: jobs per second. */
async function bullmqAdds(redisUrl: string, durationS: number, concurrency: number, bulk: number): Promise<number> {
  const queue = new Queue('bench-direct', { connection: bullConnection(redisUrl), prefix: BULLMQ_PREFIX });
  const data = JSON.parse(SUBMIT_BODY) as object;
  const deadline = Date.now() + durationS * 1000;
  let added = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        if (bulk === 1) await queue.add('job', data);
        else await queue.addBulk(Array.from({ length: bulk }, () => ({ name: 'job', data })));
        added += bulk;
      }
    }),
  );
  await queue.close();
  return Math.round(added / durationS);
}

/** The better of several loads: on a shared machine the worse one measures the neighbours. */
function best(results: Throughput[]): Throughput {
  return results.reduce((a, b) => (b.requestsPerS > a.requestsPerS ? b : a));
}

export async function benchSubmit(redisUrl: string, options: { durationS: number; connections: number; rounds: number }): Promise<SubmitResults> {
  const dir = mkdtempSync(join(tmpdir(), 'gpuq-bench-'));
  const config = join(dir, 'gpuq.json');
  // Auth on; the rate limit far above what one machine can send, so it is counted but never hit.
  writeFileSync(config, JSON.stringify({ api: { rateLimitPerMinute: 100_000_000 } }));
  const redis = new Redis(redisUrl);
  const load = { body: SUBMIT_BODY, connections: options.connections, durationS: options.durationS };
  const api = await startServer('apps/api/dist/server.js', { REDIS_URL: redisUrl, GPUQ_CONFIG: config, GPUQ_API_KEYS: `bench:${KEY}`, API_WEBHOOKS: 'false' }, 'the API');
  const bare = await startServer('bench/dist/bare-server.js', { REDIS_URL: redisUrl }, 'the bare route');
  const apiLoad = { ...load, url: `${api.url}/v1/jobs`, headers: { authorization: `Bearer ${KEY}` } };
  const bareLoad = { ...load, url: `${bare.url}/jobs`, headers: {} };
  try {
    // Warm both up, then alternate, so a noisy moment hits both alike.
    await httpLoad({ ...apiLoad, durationS: 2 });
    await httpLoad({ ...bareLoad, durationS: 2 });
    const apiResults: Throughput[] = [];
    const bareResults: Throughput[] = [];
    for (let round = 0; round < options.rounds; round++) {
      apiResults.push(await httpLoad(apiLoad));
      await redis.flushdb();
      bareResults.push(await httpLoad(bareLoad));
      await redis.flushdb();
    }
    const apiResult = best(apiResults);
    const bareResult = best(bareResults);
    const queueAddPerS = await bullmqAdds(redisUrl, options.durationS, options.connections, 1);
    await redis.flushdb();
    const addBulkPerS = await bullmqAdds(redisUrl, options.durationS, 2, 100);
    await redis.flushdb();
    return { api: apiResult, bareRoute: bareResult, ratio: round(apiResult.requestsPerS / bareResult.requestsPerS), queueAddPerS, addBulkPerS };
  } finally {
    await Promise.all([api.process.stop(), bare.process.stop()]);
    await redis.quit();
  }
}
