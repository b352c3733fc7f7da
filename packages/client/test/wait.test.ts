import { describe, expect, it } from 'vitest';
import type { JobView } from '@gpuq/shared';
import { GpuqApiError, GpuqWaitTimeoutError } from '../src/errors.js';
import type { JobEvent } from '../src/job-events.js';
import { waitForJob, type JobSource } from '../src/wait.js';
import { jobView } from './job-view.js';

const FAST_POLL = { initialMs: 1, factor: 1, maxMs: 1 };
const queued = jobView();
const running = jobView({ status: 'running', pendingReason: null, queuePosition: null, startedAt: 1_700_000_001_000 });
const progressed = jobView({ ...running, progress: { incumbents: 1, bestObjective: 3, bound: 1, gap: 0.5 } });
const succeeded = jobView({ ...running, status: 'succeeded', finishedAt: 1_700_000_002_000 });

/** An event stream that fails at once, as opening it would. */
function failingEvents(err: Error): AsyncIterable<JobEvent> {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }) };
}

/** A source whose reads walk through `views` (staying on the last), and whose events are `events`. */
function source(views: JobView[], events?: () => AsyncIterable<JobEvent>): JobSource & { reads: number } {
  const src = {
    reads: 0,
    async get() {
      return views[Math.min(src.reads++, views.length - 1)]!;
    },
    events: events ?? (() => failingEvents(new GpuqApiError(404, 'route_not_found', 'No such route.'))),
  };
  return src;
}

describe('waitForJob', () => {
  it('follows the event stream, giving each new view to onProgress once', async () => {
    const seen: JobView[] = [];
    const src = source([], async function* () {
      for (const job of [queued, running, running, progressed, succeeded]) yield { type: 'job', job };
      yield { type: 'end', id: succeeded.id, status: 'succeeded' };
    });
    const final = await waitForJob(src, succeeded.id, { onProgress: (view) => seen.push(view) });
    expect(final).toEqual(succeeded);
    expect(seen.map((v) => v.status)).toEqual(['queued', 'running', 'running', 'succeeded']);
    expect(seen[2]!.progress).toEqual(progressed.progress);
    expect(src.reads).toBe(0);
  });

  it('polls when the API has no event stream, until the job ends', async () => {
    const seen: string[] = [];
    const src = source([queued, queued, running, progressed, succeeded]);
    const final = await waitForJob(src, succeeded.id, { onProgress: (view) => seen.push(view.status), pollBackoff: FAST_POLL });
    expect(final.status).toBe('succeeded');
    expect(src.reads).toBe(5);
    expect(seen).toEqual(['queued', 'running', 'running', 'succeeded']);
  });

  it('reads the final view when the stream ends before showing it', async () => {
    const src = source([succeeded], async function* () {
      yield { type: 'job', job: running };
      yield { type: 'end', id: succeeded.id, status: 'succeeded' };
    });
    await expect(waitForJob(src, succeeded.id, { pollBackoff: FAST_POLL })).resolves.toEqual(succeeded);
  });

  it('passes on a job that does not exist rather than polling it', async () => {
    const src = source([], () => failingEvents(new GpuqApiError(404, 'job_not_found', 'no job with id x')));
    await expect(waitForJob(src, 'x')).rejects.toMatchObject({ code: 'job_not_found' });
    expect(src.reads).toBe(0);
  });

  it('gives up at the deadline with the last view it saw', async () => {
    const error = await waitForJob(source([running]), running.id, { timeoutMs: 50, pollBackoff: FAST_POLL }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GpuqWaitTimeoutError);
    expect((error as GpuqWaitTimeoutError).lastView?.status).toBe('running');
    expect((error as Error).message).toBe(`job ${running.id} had not ended after 0.05 s (it is running)`);
  });

  it('stops when its signal is aborted, with the signal’s reason', async () => {
    const controller = new AbortController();
    const pending = waitForJob(source([running]), running.id, { signal: controller.signal, pollBackoff: FAST_POLL });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
