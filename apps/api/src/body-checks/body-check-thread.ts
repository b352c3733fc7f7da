// A body-check thread: runs one body task at a time (body-tasks.ts) with the config it was
// started with. The inputs it checked never cross to the requests' thread: with a Redis URL it
// stages each in Redis itself (keys.stagedInput; the submit renames it to the job's input key);
// without one (version 1 job data, which carries inputs inline) they go back as bytes,
// transferred rather than copied.
import { randomUUID } from 'node:crypto';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { keys, type GpuqConfig } from '@gpuq/shared';
import { createRedis, type Redis } from '@gpuq/runtime';
import { runBodyTask, type BodyOutcome, type BodyTask, type BodyTaskValue } from './body-tasks.js';
import type { CheckedJob } from './checked-job.js';

export interface BodyCheckThreadData {
  /**
   * The config as the requests' thread parsed it (a structured clone), used as it is: parsing a
   * parsed config again is not the same (defaults it filled in, such as a cuOpt server's slots,
   * then conflict with what it was given).
   */
  config: GpuqConfig;
  /** Where to stage checked inputs; absent: they go back as bytes. */
  redisUrl?: string;
}

export type BodyCheckMessage = BodyTask & { id: number };
export type BodyCheckReply = { id: number; outcome: BodyOutcome } | { id: number; crash: string };

/** Nice value of a body-check thread: well below the requests' thread, above nothing else. */
const BODY_CHECK_NICE = 10;

/** How long a staged input waits for its job to be added (admission takes milliseconds). */
export const STAGED_INPUT_TTL_S = 600;

const data = workerData as BodyCheckThreadData;
const config = data.config;
// Checks yield the CPU to the requests' thread: on Linux a thread has its own nice value, so this
// thread runs below the requests' thread (elsewhere the value may be the process's: not set).
if (process.platform === 'linux') setPriority(0, BODY_CHECK_NICE);
const redis: Redis | undefined = data.redisUrl ? createRedis(data.redisUrl, 'gpuq-api-body-checks', { maxRetriesPerRequest: 2 }) : undefined;
const encoder = new TextEncoder();

/** Each checked input written to Redis, in one round trip; the jobs then name their keys. */
async function staged(jobs: CheckedJob[], redis: Redis): Promise<CheckedJob[]> {
  const write = redis.multi();
  const out = jobs.map((job) => {
    if (typeof job.input !== 'string') return job;
    const stagedKey = keys.stagedInput(randomUUID());
    write.set(stagedKey, job.input, 'EX', STAGED_INPUT_TTL_S);
    return { ...job, input: { stagedKey } };
  });
  await write.exec();
  return out;
}

/** Bytes, transferred: the requests' thread hands them to Redis as they are. */
function asBytes(text: string | Uint8Array, transfers: ArrayBuffer[]): Uint8Array {
  if (typeof text !== 'string') return text;
  const bytes = encoder.encode(text);
  transfers.push(bytes.buffer);
  return bytes;
}

async function sendable(value: BodyTaskValue, transfers: ArrayBuffer[]): Promise<BodyTaskValue> {
  const jobs = async (list: CheckedJob[]) =>
    redis ? staged(list, redis) : list.map((job) => (typeof job.input === 'string' ? { ...job, input: asBytes(job.input, transfers) } : job));
  switch (value.type) {
    case 'job':
      return { type: 'job', job: (await jobs([value.job]))[0]! };
    case 'batch':
    case 'cuopt':
      return { ...value, jobs: await jobs(value.jobs) };
    case 'cuopt-problem':
      return { ...value, json: asBytes(value.json, transfers) };
  }
}

async function handle(message: BodyCheckMessage): Promise<void> {
  let outcome: BodyOutcome;
  try {
    outcome = runBodyTask(message, config);
  } catch (err) {
    parentPort!.postMessage({ id: message.id, crash: (err as Error).stack ?? String(err) } satisfies BodyCheckReply);
    return;
  }
  const transfers: ArrayBuffer[] = [];
  if (outcome.ok) {
    try {
      outcome = { ok: true, value: await sendable(outcome.value, transfers) };
    } catch {
      outcome = { ok: false, refusal: { type: 'api', code: 'redis_unavailable', message: 'The job store is unreachable; try again shortly.' } };
    }
  }
  parentPort!.postMessage({ id: message.id, outcome } satisfies BodyCheckReply, transfers);
}

parentPort!.on('message', (message: BodyCheckMessage) => void handle(message));
