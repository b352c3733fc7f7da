// Benchmark 1, submit: POST /v1/jobs with auth, validation, admission and the tenant index, against
// a bare Fastify route that only calls Queue.add, and against BullMQ's Queue.add and addBulk with
// no HTTP at all: the same body, the same Redis, one after the other in one run.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { benchRedis, bullOptions, ignoreErrors } from './connections.js';
import { mainThreadProfile, type AreaTime } from './cpu-profile.js';
import { SOLVE_INPUT } from './job-data.js';
import { httpLoad, markdownTable, round, type Throughput } from './measure.js';
import { API_KEY, startApi, startServerProcess } from './server-process.js';

/** A small solve, as a client submits it. */
export const SUBMIT_BODY = JSON.stringify({
  kind: 'solve',
  input: SOLVE_INPUT,
  labels: { bench: 'submit' },
});

export interface SubmitResults {
  api: Throughput;
  bareRoute: Throughput;
  ratio: number;
  queueAddPerS: number;
  addBulkPerS: number;
  /** With --profile: the API's .cpuprofile and its CPU time per request it answered. */
  profile?: { path: string; requests: number; cpuUsPerJob: number; byArea: AreaTime[] };
}

/** Queue.add (or addBulk of 100) from `concurrency` callers for `durationS`: jobs per second. */
async function bullmqAdds(redisUrl: string, durationS: number, concurrency: number, bulk: number): Promise<number> {
  const queue = ignoreErrors(new Queue('bench-direct', bullOptions(redisUrl)));
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

export async function benchSubmit(redisUrl: string, options: { durationS: number; connections: number; rounds: number; profileDir?: string | undefined }): Promise<SubmitResults> {
  const dir = mkdtempSync(join(tmpdir(), 'gpuq-bench-'));
  const config = join(dir, 'gpuq.json');
  // Auth on; the rate limit far above what one machine can send, so it is counted but never hit.
  writeFileSync(config, JSON.stringify({ api: { rateLimitPerMinute: 100_000_000 } }));
  const redis = benchRedis(redisUrl);
  const load = { body: SUBMIT_BODY, connections: options.connections, durationS: options.durationS };
  if (options.profileDir !== undefined) mkdirSync(options.profileDir, { recursive: true });
  const api = await startApi(redisUrl, config, options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`]);
  /** Every request the API answered, warm-up included: the profile covers them all. */
  let apiRequests = 0;
  const bare = await startServerProcess('bench/dist/bare-server.js', { REDIS_URL: redisUrl }, 'the bare route').catch(async (err: unknown) => {
    await api.stop();
    throw err;
  });
  const apiLoad = { ...load, url: `${api.url}/v1/jobs`, headers: { authorization: `Bearer ${API_KEY}` } };
  const bareLoad = { ...load, url: `${bare.url}/jobs`, headers: {} };
  try {
    // Warm both up, then alternate, so a noisy moment hits both alike.
    apiRequests += (await httpLoad({ ...apiLoad, durationS: 2 })).requests;
    await httpLoad({ ...bareLoad, durationS: 2 });
    const apiResults: Throughput[] = [];
    const bareResults: Throughput[] = [];
    for (let round = 0; round < options.rounds; round++) {
      apiResults.push(await httpLoad(apiLoad));
      apiRequests += apiResults.at(-1)!.requests;
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
    await api.stop();
    // Written when the API exits: its CPU per request, start-up and warm-up included.
    const profile = options.profileDir === undefined ? undefined : { ...mainThreadProfile(options.profileDir, api.process.pid, apiRequests, 'the API'), requests: apiRequests };
    return { api: apiResult, bareRoute: bareResult, ratio: round(apiResult.requestsPerS / bareResult.requestsPerS), queueAddPerS, addBulkPerS, ...(profile && { profile }) };
  } finally {
    await Promise.all([api.stop(), bare.stop()]);
    await redis.quit();
  }
}

export function submitTable(submit: SubmitResults, connections: number): string[] {
  const row = (name: string, t: Throughput) => [name, t.requestsPerS, t.p50Ms, t.p99Ms, t.errors + t.non2xx];
  return [
    ...markdownTable(
      ['path', 'req/s', 'p50 ms', 'p99 ms', 'errors'],
      ['l', 'r', 'r', 'r', 'r'],
      [
        row('gpuq POST /v1/jobs', submit.api),
        row('bare route + Queue.add', submit.bareRoute),
        [`BullMQ Queue.add, no HTTP (${connections} callers)`, submit.queueAddPerS, '', '', ''],
        ['BullMQ addBulk of 100, no HTTP (2 callers)', submit.addBulkPerS, '', '', ''],
      ],
    ),
    '',
    `gpuq / bare route: ${submit.ratio}`,
    ...(submit.profile
      ? [
          '',
          `API CPU profile: ${submit.profile.path}`,
          `  ${submit.profile.cpuUsPerJob} µs of API CPU per request answered (start-up to exit: a short run counts its start-up heavily): ${submit.profile.byArea
            .filter((a) => a.area !== 'idle' && a.usPerJob >= 1)
            .map((a) => `${a.area} ${a.usPerJob}`)
            .join(', ')}`,
          `  by function: node bench/dist/profile-summary.js ${submit.profile.path} --jobs ${submit.profile.requests}`,
        ]
      : []),
  ];
}
