// A job's input, where its data says it is: inline (version 1 data) or apart, at keys.jobInput
// (version 2, docs/adr/0003). Read when the scheduler takes the job; deleted when the job ends
// for good (KindQueue), so a finished job keeps only what its owner reads: its view and result.
import { keys, type JobData, type JobDataWithInput } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';

export type InputRead = { ok: true; data: JobDataWithInput } | { ok: false; reason: string };

export async function withInput(redis: Redis, jobId: string, data: JobData): Promise<InputRead> {
  return withStoredInput(data, data.v === 1 ? null : await redis.get(keys.jobInput(jobId)));
}

/** The job's data with its input: inline (version 1), or `text`, as stored apart (version 2; null when gone). */
export function withStoredInput(data: JobData, text: string | null): InputRead {
  if (data.v === 1) return { ok: true, data };
  if (text === null) return { ok: false, reason: 'its input is no longer in Redis (deleted or evicted); submit the job again' };
  try {
    return { ok: true, data: { ...data, input: JSON.parse(text) as unknown } };
  } catch {
    return { ok: false, reason: 'its stored input is not valid JSON; submit the job again' };
  }
}
