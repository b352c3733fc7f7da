// The scheduler's lifecycle with real processes: timeouts, retries with backoff, cancels that
// reach a running job, and a dead scheduler whose running job is re-attached, never run twice.
import { afterEach, describe, expect, it } from 'vitest';
import { keys } from '@gpuq/shared';
import { CONTRACTS_LP, marketSplitMilp } from './fixtures/problems.js';
import { Stack } from './helpers/stack.js';
import { waitFor } from '@gpuq/testkit';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const accepted = (s: Stack) => s.solver.lines.filter((l) => l.msg === 'accepted a request').length;

describe('timeouts and retries', () => {
  it('stops a job at its timeout, fails it as timed out, and frees the solver', async () => {
    stack = await Stack.start();
    const slow = await stack.submit({ kind: 'solve', input: marketSplitMilp(60), timeoutSeconds: 1 });
    const done = await stack.waitForJob(slow.id);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'timed_out', message: 'timed out after 1 s' }, attempts: { made: 1 } });
    // The solve was aborted on the server: the next job gets the solver's only thread at once.
    const next = await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id, undefined, 10_000);
    expect(next.status, stack.logs()).toBe('succeeded');
  });

  it('retries a worker that cannot be reached, with backoff, saying why while it waits', async () => {
    // Backoff 1, 2, 4, 8 s: room for the solver to start again on a loaded machine.
    stack = await Stack.start({ solve: { maxAttempts: 5, backoffMs: 1_000 } });
    await stack.solver.stop();
    const job = await stack.submit({ kind: 'solve', input: CONTRACTS_LP });
    const waiting = await waitFor(
      async () => {
        const view = await stack!.job(job.id);
        return view.pendingReason?.startsWith('retrying') ? view : undefined;
      },
      { what: 'the first attempt to fail' },
    );
    expect(waiting.pendingReason).toMatch(/^retrying after attempt 1 of 5 failed: cannot reach the solver at http:\/\/127\.0\.0\.1:\d+/);
    await stack.startSolver();
    const done = await stack.waitForJob(job.id);
    expect(done.status, stack.logs()).toBe('succeeded');
    expect(done.attempts.made).toBeGreaterThanOrEqual(2);
  });

  it('fails the job with the worker’s reason once its attempts are used up', async () => {
    stack = await Stack.start({ solve: { maxAttempts: 2, backoffMs: 100 } });
    await stack.solver.stop();
    const done = await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id);
    expect(done).toMatchObject({ status: 'failed', attempts: { made: 2, max: 2 }, error: { code: 'worker_unavailable' } });
  });
});

describe('a job that can never fit', () => {
  it('submitted while no scheduler ran, is failed by the scheduler that finds no box could run it, with the reason', async () => {
    // A short lease: the job is failed once no box could run it for three lease TTLs (a box may be restarting).
    stack = await Stack.start({ gpus: [{ id: 'gpu0', vramMb: 10_000 }], scheduler: { leaseTtlMs: 1_000 } });
    await stack.scheduler.stop();
    // No scheduler is up, so the API cannot know the GPUs: it accepts the job.
    const job = await stack.submit({ kind: 'solve', input: CONTRACTS_LP, resources: { vramMb: 50_000 } });
    stack.scheduler = stack.startScheduler();
    const done = await stack.waitForJob(job.id);
    expect(done).toMatchObject({
      status: 'failed',
      attempts: { made: 1 },
      error: { code: 'never_fits', message: 'needs 50000 MiB but the largest GPU any box offers solve jobs is box-1/gpu0 with 10000 MiB; it could never run' },
    });
  });
});

describe('cancel', () => {
  it('stops a running job at once, not at its time limit, and ends it cancelled', async () => {
    stack = await Stack.start();
    const job = await stack.submit({ kind: 'solve', input: marketSplitMilp(60) });
    await stack.waitForJob(job.id, ['running']);
    const cancelledAt = Date.now();
    await stack.cancel(job.id);
    const done = await stack.waitForJob(job.id, ['cancelled', 'failed', 'succeeded'], 5_000);
    expect(done).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    // Typically ~0.1 s; the bound leaves room for a loaded machine and is far below the 60 s limit.
    expect(done.finishedAt! - cancelledAt).toBeLessThan(3_000);
    expect((await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id)).status).toBe('succeeded');
  });

  it('never runs a cancelled job that was waiting for a GPU', async () => {
    stack = await Stack.start({ gpus: [{ id: 'gpu0', vramMb: 10_000 }] });
    // The blocker outlasts the test's steps however slow the machine; it is cancelled at the end.
    const blocker = await stack.submit({ kind: 'solve', input: marketSplitMilp(60), resources: { vramMb: 8_000 } });
    await stack.waitForJob(blocker.id, ['running']);
    const held = await stack.submit({ kind: 'solve', input: CONTRACTS_LP, resources: { vramMb: 5_000 } });
    await waitFor(async () => (await stack!.job(held.id)).pendingReason?.startsWith('needs'), { what: 'the job to wait for VRAM' });
    await stack.cancel(held.id);
    const done = await stack.waitForJob(held.id);
    expect(done).toMatchObject({ status: 'cancelled', startedAt: null });
    await stack.cancel(blocker.id);
    expect((await stack.waitForJob(blocker.id)).status).toBe('cancelled');
    // The freed GPU does not start the cancelled job either.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await stack.job(held.id)).startedAt).toBeNull();
    expect(accepted(stack)).toBe(1);
  });
});

describe('a scheduler that dies', () => {
  const fastFailover = { scheduler: { leaseTtlMs: 1_500, lockDurationMs: 4_000 } };

  /** Running, and the solver has confirmed it: a crash now leaves work to re-attach to. */
  const solving = (s: Stack, id: string) =>
    waitFor(async () => (await s.job(id)).status === 'running' && (await s.redis().hget(keys.jobRun(id), 'handle')), { what: `job ${id} to be solving` });

  it('after kill -9, its successor re-attaches to the running job: it completes once, solved once', async () => {
    stack = await Stack.start(fastFailover);
    const job = await stack.submit({ kind: 'solve', input: marketSplitMilp(3) });
    await solving(stack, job.id);
    await stack.scheduler.kill();
    stack.scheduler = stack.startScheduler();
    const done = await stack.waitForJob(job.id, undefined, 30_000);
    expect(done.status, stack.logs()).toBe('succeeded');
    expect(done.attempts.made, stack.logs()).toBe(1);
    expect(accepted(stack), stack.logs()).toBe(1);
    expect(stack.scheduler.lines.some((l) => l.msg === 'found the previous attempt still recorded as running; re-attaching')).toBe(true);
  });

  it('re-attaches too when it comes back after the job’s lock lapsed', async () => {
    stack = await Stack.start(fastFailover);
    const job = await stack.submit({ kind: 'solve', input: marketSplitMilp(6) });
    await solving(stack, job.id);
    await stack.scheduler.kill();
    // Past the 4 s lock: BullMQ's stalled check returns the job to the queue, and it is fetched anew.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    stack.scheduler = stack.startScheduler();
    const done = await stack.waitForJob(job.id, undefined, 30_000);
    expect(done.status, stack.logs()).toBe('succeeded');
    expect(accepted(stack)).toBe(1);
  });

  it('a standby takes over when the active scheduler dies, and new jobs keep flowing', async () => {
    stack = await Stack.start(fastFailover);
    const standby = stack.startScheduler();
    try {
      await standby.waitForLog((l) => l.msg === 'another scheduler holds this box: standby', 'standby');
      const roles = Object.values(await stack.heartbeats()).map((h) => h.role).sort();
      expect(roles).toEqual(['active', 'standby']);
      await stack.scheduler.kill();
      await standby.waitForLog((l) => l.msg === 'holding the box lease: active', 'takeover', 10_000);
      const done = await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id);
      expect(done.status).toBe('succeeded');
    } finally {
      await standby.stop();
    }
  });
});
