// Fault injection: Redis, the only shared state, is killed with SIGKILL while a client submits a
// stream of jobs, and started again on the same port from the same directory. It runs with the
// append-only file fsynced on every write (`appendfsync always`): a write Redis acknowledged is on
// disk, so a 202 (the job is in Redis) survives the crash. (With `everysec`, what `npm start` runs,
// the last second of acknowledged writes may be lost to a crash of the machine, or of Redis itself.)
// The client retries a submit that got a 5xx or no answer with the same Idempotency-Key. The API
// and the scheduler must reconnect by themselves: neither is restarted.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '@gpuq/testkit';
import { CONTRACTS_LP } from '../fixtures/problems.js';
import { RestartableRedis } from '../helpers/restartable-redis.js';
import { Stack } from '../helpers/stack.js';
import { JobStream } from './job-stream.js';
import { markedSolve } from './marked-jobs.js';
import { rounds, testTimeoutMs } from './rounds.js';
import { SETTLED, settle } from './settled-state.js';
import { expectEveryJobSucceededOnce } from './verdict.js';

const CRASHES = rounds(1, 5);

let redis: RestartableRedis | undefined;
let stack: Stack | undefined;

afterEach(async () => {
  await stack?.stop();
  await redis?.stop();
  stack = undefined;
  redis = undefined;
});

const isFailure = (outcome: number | string) => outcome !== 202 && outcome !== 200;

it(
  'SIGKILL of Redis (AOF, fsync always) under load, restarted in place: every accepted job exists and succeeds, one per key, and the API and scheduler reconnect by themselves',
  async () => {
    redis = await RestartableRedis.start({ appendFsync: 'always' });
    stack = await Stack.start({ redisUrl: redis.url });
    const { api, scheduler } = stack;
    const stream = new JobStream({ apiUrls: [stack.apiUrl], job: markedSolve, intervalMs: 100, retryDelayMs: 250 });
    const failures = () => stream.submissions.reduce((sum, s) => sum + s.outcomes.filter(isFailure).length, 0);
    try {
      for (let crash = 0; crash < CRASHES; crash++) {
        const acceptedBefore = stream.accepted().length;
        await waitFor(() => stream.accepted().length >= acceptedBefore + 10, { what: `crash ${crash + 1}: jobs accepted before it`, timeoutMs: 60_000 });
        const failuresBefore = failures();
        await redis.kill();
        // Down until the outage is felt (a submit gets a 503 or no answer), then restarted at once, as a
        // supervisor would: a short outage. One longer than the scheduler's lease is the test below.
        await waitFor(() => failures() > failuresBefore, { what: `crash ${crash + 1}: a submit to fail while Redis is down`, timeoutMs: 30_000 });
        await redis.restart();
        const acceptedAfterRestart = stream.accepted().length;
        await waitFor(() => stream.accepted().length >= acceptedAfterRestart + 10, { what: `crash ${crash + 1}: jobs accepted after it`, timeoutMs: 60_000 });
      }
    } finally {
      await stream.stop();
    }

    const retried = stream.retried();
    expect(retried.length).toBeGreaterThan(0);
    // A retried submit answered 503 (redis_unavailable) or not at all, then 202 or 200 with the job.
    for (const submission of retried) {
      expect(submission.outcomes.slice(0, -1).every((o) => o === 503 || typeof o === 'string'), JSON.stringify(submission.outcomes)).toBe(true);
    }
    await expectEveryJobSucceededOnce(stack, stream);
    // The same API and scheduler processes, which never let go of the box.
    expect([api.isRunning, scheduler.isRunning, stack.scheduler === scheduler]).toEqual([true, true, true]);
    expect(scheduler.lines.filter((l) => l.msg === 'lost the box lease')).toEqual([]);
    expect(scheduler.lines.some((l) => l.msg === 'redis connection error')).toBe(true);
    expect(await settle(stack, scheduler), stack.logs()).toEqual(SETTLED);
  },
  testTimeoutMs(120_000, 600_000),
);

// Redis down past leaseTtlMs: the lease key expires meanwhile. No one else took the box (the fence
// is still the scheduler's own), so it takes the lease back and goes on, rather than exiting.
it('a Redis outage longer than the lease: the scheduler, which no one replaced, keeps the box and runs new jobs', async () => {
  redis = await RestartableRedis.start({ appendFsync: 'always' });
  stack = await Stack.start({ redisUrl: redis.url, scheduler: { leaseTtlMs: 2_000 } });
  const { scheduler } = stack;
  expect((await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id)).status).toBe('succeeded');
  await redis.kill();
  // The fault itself: an outage of a known length, longer than the 2 s lease.
  await sleep(3_500);
  await redis.restart();
  const job = await stack.submit({ kind: 'solve', input: CONTRACTS_LP });
  const outcome = await waitFor(async () => (!scheduler.isRunning ? 'the scheduler exited' : (await stack!.job(job.id)).status === 'succeeded' && 'succeeded'), {
    what: 'the job to succeed, or the scheduler to exit',
    timeoutMs: 30_000,
  });
  expect(outcome, scheduler.tail()).toBe('succeeded');
});
