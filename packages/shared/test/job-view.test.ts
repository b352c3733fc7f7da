import { describe, expect, it } from 'vitest';
import { toJobView, type JobData, type QueuedJobFacts, type RunRecord } from '../src/index.js';

const data: JobData = {
  v: 1,
  kind: 'solve',
  tenant: 't',
  input: {},
  priority: 50,
  timeoutSeconds: 60,
  maxAttempts: 3,
  labels: { team: 'ops' },
  submittedAt: 1_000,
};

const facts = (over: Partial<QueuedJobFacts>): QueuedJobFacts => ({
  id: 'solve_x',
  state: 'waiting',
  data,
  attemptsMade: 0,
  attemptsStarted: 0,
  timestamp: 1_000,
  ...over,
});

describe('toJobView', () => {
  it('shows a waiting job as queued, with a reason', () => {
    const view = toJobView(facts({}), {});
    expect(view).toMatchObject({ status: 'queued', pendingReason: 'waiting in the queue for the scheduler', placement: null, result: null, error: null });
  });

  it('shows a held job as queued with the scheduler’s reason and position', () => {
    const run: RunRecord = { phase: 'held', attempt: 1, pendingReason: 'needs 40960 MiB; largest free is 22528 MiB on gpu1; 3 jobs ahead', ahead: 3 };
    expect(toJobView(facts({ state: 'active', attemptsStarted: 1 }), run)).toMatchObject({ status: 'queued', pendingReason: run.pendingReason, queuePosition: 3 });
  });

  it('places a job not yet fetched behind the held ones, and says when no scheduler runs its kind', () => {
    expect(toJobView(facts({ state: 'prioritized' }), {}, { standing: { heldByScheduler: 2, queuedAhead: 5, isSchedulerRunning: true } })).toMatchObject({
      pendingReason: 'waiting for the scheduler to take it: 7 jobs ahead (2 held by the scheduler, 5 queued)',
      queuePosition: 7,
    });
    expect(toJobView(facts({ state: 'prioritized' }), {}, { standing: { heldByScheduler: 0, queuedAhead: 0, isSchedulerRunning: false } }).pendingReason).toBe(
      'no scheduler is running solve jobs; it waits in the queue until one starts',
    );
  });

  it('shows running only for the current attempt', () => {
    const run: RunRecord = { phase: 'running', attempt: 1, gpu: 'gpu0', vramMb: 2048, startedAt: 1_100 };
    expect(toJobView(facts({ state: 'active', attemptsStarted: 1 }), run)).toMatchObject({
      status: 'running',
      placement: { gpu: 'gpu0', vramMb: 2048 },
      startedAt: 1_100,
      pendingReason: null,
    });
    // A second attempt fetched but not yet dispatched still carries the first attempt's record.
    expect(toJobView(facts({ state: 'active', attemptsStarted: 2 }), run).status).toBe('queued');
  });

  it('shows a completed job as succeeded with its result', () => {
    const view = toJobView(facts({ state: 'completed', attemptsMade: 1, finishedOn: 1_500, returnvalue: { ok: true } }), { phase: 'ended', gpu: 'gpu1', vramMb: 10, startedAt: 1_200 });
    expect(view).toMatchObject({ status: 'succeeded', result: { ok: true }, finishedAt: 1_500, attempts: { made: 1, max: 3 } });
  });

  it('explains a retry that is waiting out its backoff', () => {
    const run: RunRecord = { phase: 'ended', attempt: 1, error: { code: 'worker_unavailable', message: 'cannot reach the solver' } };
    expect(toJobView(facts({ state: 'delayed', attemptsMade: 1 }), run).pendingReason).toBe('retrying after attempt 1 of 3 failed: cannot reach the solver');
  });

  it('shows the recorded error of a failed job, cancelled as its own status', () => {
    const error = { code: 'timed_out' as const, message: 'timed out after 60 s' };
    expect(toJobView(facts({ state: 'failed', failedReason: error.message }), { error })).toMatchObject({ status: 'failed', error });
    const cancelled = { code: 'cancelled' as const, message: 'cancelled by the user' };
    expect(toJobView(facts({ state: 'failed', failedReason: cancelled.message }), { error: cancelled }).status).toBe('cancelled');
  });

  it('words failures BullMQ made on its own', () => {
    const view = toJobView(facts({ state: 'failed', failedReason: 'job stalled more than allowable limit' }), {});
    expect(view.error).toEqual({ code: 'stalled', message: 'job stalled more than allowable limit' });
  });

  it('shows a cancelled job that no scheduler took as cancelled at once, ended when the cancel came', () => {
    const view = toJobView(facts({ state: 'prioritized' }), {}, { cancelRequestedAt: 5_000 });
    expect(view).toMatchObject({ status: 'cancelled', finishedAt: 5_000, cancelRequestedAt: 5_000, error: { code: 'cancelled' }, pendingReason: null });
    // A running job keeps running until its scheduler stops it.
    const running = toJobView(facts({ state: 'active', attemptsStarted: 1 }), { phase: 'running', attempt: 1, startedAt: 1_000 }, { cancelRequestedAt: 5_000 });
    expect(running).toMatchObject({ status: 'running', cancelRequestedAt: 5_000 });
  });

  it('costs GPU-seconds at the configured rate, the running attempt up to now included', () => {
    const rates = { gpuSecondUsd: 0.002, cpuSecondUsd: 0.0001 };
    const done = toJobView(facts({ state: 'completed', finishedOn: 9_000 }), { phase: 'ended', gpuSeconds: 12.5 }, { rates });
    expect(done.cost).toEqual({ gpuSeconds: 12.5, cpuSeconds: 0, usd: 0.025, stages: [] });
    const running = toJobView(facts({ state: 'active', attemptsStarted: 2 }), { phase: 'running', attempt: 2, startedAt: 10_000, gpuSeconds: 3 }, { rates, now: 14_000 });
    expect(running.cost.gpuSeconds).toBe(7);
  });

  it('shows the webhook and its deliveries', () => {
    const view = toJobView(facts({ data: { ...data, webhookUrl: 'https://hooks.example/x' } }), {}, { webhookDeliveries: [{ at: 1, attempt: 1, status: 500 }] });
    expect(view.webhook).toEqual({ url: 'https://hooks.example/x', deliveries: [{ at: 1, attempt: 1, status: 500 }] });
    expect(toJobView(facts({}), {}).webhook).toBeNull();
  });
});
