// The verdict on a stream of submissions after a fault: every submission was accepted under one
// job id (a retry with the same Idempotency-Key never made a second job), every job ended
// succeeded with the answer to its own input, and BullMQ holds exactly those jobs as completed:
// none lost, none extra.
import { expect } from 'vitest';
import { bullmqKey, type JobView } from '@gpuq/shared';
import type { Stack } from '../helpers/stack.js';
import type { JobStream } from './job-stream.js';
import { CONTRACTS_LP_OPTIMUM, objectiveOf } from './marked-jobs.js';

export interface AcceptedJob {
  marker: number;
  id: string;
  view: JobView;
}

export async function expectEveryJobSucceededOnce(stack: Stack, stream: JobStream, isLp: (marker: number) => boolean = () => true): Promise<AcceptedJob[]> {
  expect(stream.submissions.filter((s) => s.jobIds.size !== 1 || s.refusal !== undefined)).toEqual([]);
  const jobs: AcceptedJob[] = [];
  for (const submission of stream.accepted()) {
    const id = [...submission.jobIds][0]!;
    jobs.push({ marker: submission.index, id, view: await stack.waitForJob(id, undefined, 120_000) });
  }
  expect(jobs.filter((j) => j.view.status !== 'succeeded').map((j) => ({ id: j.id, status: j.view.status, error: j.view.error }))).toEqual([]);
  for (const job of jobs.filter((j) => isLp(j.marker))) {
    expect(objectiveOf(job.view), `job ${job.marker}`).toBeCloseTo(CONTRACTS_LP_OPTIMUM + job.marker, 6);
  }
  const completed = await stack.redis().zrange(bullmqKey('solve', 'completed'), 0, -1);
  expect(completed.sort()).toEqual(jobs.map((j) => j.id).sort());
  return jobs;
}
