// Fault injection: one of two API replicas is killed with SIGKILL while a client alternates its
// submits between them. A submit that got no answer (the connection dropped, or was refused) is
// sent again to the other replica with the same Idempotency-Key. Whatever the dead replica did
// before it died (nothing, the key claimed, the job added), the retry completes it: one job per
// key, and every one succeeds.
import { afterEach, expect, it } from 'vitest';
import { waitFor, type AppProcess } from '@gpuq/testkit';
import { Stack } from '../helpers/stack.js';
import { JobStream } from './job-stream.js';
import { markedSolve } from './marked-jobs.js';
import { rounds, testTimeoutMs } from './rounds.js';
import { SETTLED, settle } from './settled-state.js';
import { expectEveryJobSucceededOnce } from './verdict.js';

const KILLS = rounds(1, 6);

let stack: Stack | undefined;
const replicas: AppProcess[] = [];

afterEach(async () => {
  await Promise.all(replicas.splice(0).map((r) => r.stop()));
  await stack?.stop();
  stack = undefined;
});

it(
  'kill -9 of one API replica under load: each submit it dropped is retried on the other with its key, one job per key, all succeeded',
  async () => {
    stack = await Stack.start();
    const second = await stack.startApi();
    const urls = [stack.apiUrl, second.url];
    const live: AppProcess[] = [stack.api, second.process];
    replicas.push(second.process);
    const stream = new JobStream({ apiUrls: urls, job: markedSolve, intervalMs: 20 });
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        // Kill the replicas in turn; each comes back (on its port, which its clients know) before the
        // next kill. Another process may take the port meanwhile: startApi waits until it is released.
        const victim = (kill + 1) % 2;
        const acceptedBefore = stream.accepted().length;
        await waitFor(() => stream.accepted().length >= acceptedBefore + 20, { what: `kill ${kill + 1}: jobs accepted before it`, timeoutMs: 60_000 });
        await live[victim]!.kill();
        const acceptedAfter = stream.accepted().length;
        await waitFor(() => stream.accepted().length >= acceptedAfter + 20, { what: `kill ${kill + 1}: jobs accepted after it`, timeoutMs: 60_000 });
        const back = await stack.startApi(Number(new URL(urls[victim]!).port));
        live[victim] = back.process;
        replicas.push(back.process);
      }
    } finally {
      await stream.stop();
    }

    // The kills were felt: submits got no answer from the dead replica and were sent again.
    const retried = stream.retried();
    expect(retried.length).toBeGreaterThan(0);
    for (const submission of retried) expect(typeof submission.outcomes[0], JSON.stringify(submission.outcomes)).toBe('string');
    await expectEveryJobSucceededOnce(stack, stream);
    expect(await settle(stack, stack.scheduler), stack.logs()).toEqual(SETTLED);
  },
  testTimeoutMs(90_000, 300_000),
);
