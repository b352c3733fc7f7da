// Fault injection: the active scheduler is killed with SIGKILL again and again while a client
// submits a stream of solve jobs, a standby taking over each time and the killed one coming back
// as the new standby. test/scheduler-lifecycle.test.ts covers one kill of an idle box; this one
// kills under load, repeatedly, and checks the whole record afterwards: each job succeeded with
// its own answer, was completed by one scheduler only, was never solved twice at the same time
// (read from what the solve server was really asked, through a recording proxy), and the ledger
// reads as empty everywhere once it is over.
import { afterEach, expect, it } from 'vitest';
import { keys } from '@gpuq/shared';
import { waitFor, type AppProcess } from '@gpuq/testkit';
import { marketSplitMilp } from '../fixtures/problems.js';
import { Stack } from '../helpers/stack.js';
import { FaultyProxy } from './fakes/faulty-proxy.js';
import { JobStream } from './job-stream.js';
import { markedSolve } from './marked-jobs.js';
import { rounds, testTimeoutMs } from './rounds.js';
import { SETTLED, settle } from './settled-state.js';
import { expectEveryJobSucceededOnce } from './verdict.js';
import { overlaps, solveRequests, unfollowed, type SolveRequest } from './solve-log.js';

const KILLS = rounds(3, 15);
/** Every MILP_EVERY-th job is a MILP that runs to its 1.5 s time limit; the rest are LPs of milliseconds. */
const MILP_EVERY = 6;
const SLOTS = 2;

let stack: Stack | undefined;
let proxy: FaultyProxy | undefined;
const schedulers: AppProcess[] = [];

afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
  await stack?.stop();
  await proxy?.close();
  stack = undefined;
  proxy = undefined;
});

const job = (i: number) => (i % MILP_EVERY === 0 ? markedSolve(i, marketSplitMilp(1.5)) : markedSolve(i));

const ACTIVE = 'holding the box lease: active';
const STANDBY = 'another scheduler holds this box: standby';
const isActive = (p: AppProcess) => p.lines.some((l) => l.msg === ACTIVE);

it(
  'kill -9 of the active scheduler under load, a standby taking over each time: every job succeeds once, is never solved twice at a time, and the ledger ends empty',
  async () => {
    proxy = await FaultyProxy.start();
    stack = await Stack.start({
      scheduler: { leaseTtlMs: 1_500, lockDurationMs: 4_000 },
      solverThreads: SLOTS,
      solve: { servers: [{ name: 'solver-cpu', url: proxy.url, slots: SLOTS, healthIntervalMs: 500 }] },
    });
    proxy.target = stack.solverUrl;
    let active = stack.scheduler;
    schedulers.push(active);
    // Usually the new process finds the lease held and waits as standby. On a loaded machine the
    // active one can stall past the lease's 1.5 s and lose it, and the new process takes the box
    // instead: the deposed one exits (what a supervisor restarts), and the test goes on with the
    // new active and starts another standby. Nothing below may then break either.
    const startStandby = async (): Promise<AppProcess> => {
      for (;;) {
        const started = stack!.startScheduler();
        schedulers.push(started);
        const role = await started.waitForLog((l) => l.msg === STANDBY || l.msg === ACTIVE, 'standby', 30_000);
        if (role.msg === STANDBY) return started;
        await active.waitForLog((l) => l.msg === 'lost the box lease', 'a lost lease, a later scheduler being active', 30_000);
        await active.exited;
        active = started;
        stack!.scheduler = active;
      }
    };
    let standby = await startStandby();
    const stream = new JobStream({ apiUrls: [stack.apiUrl], job, intervalMs: 250 });
    const proxyOf = proxy;

    /** A MILP on the server whose reqId is in its run record: a crash now leaves work to re-attach to. */
    const solvingMilp = async (): Promise<SolveRequest | undefined> => {
      for (const request of solveRequests(proxyOf.exchanges)) {
        if (request.marker % MILP_EVERY !== 0 || request.endedAt !== undefined) continue;
        const jobId = [...(stream.submissions[request.marker]?.jobIds ?? [])][0];
        if (jobId && (await stack!.redis().hget(keys.jobRun(jobId), 'handle')) === request.reqId) return request;
      }
      return undefined;
    };

    try {
      for (let round = 0; round < KILLS; round++) {
        await waitFor(solvingMilp, { what: `round ${round + 1}: a MILP being solved`, timeoutMs: 60_000, intervalMs: 50 });
        await active.kill();
        await standby.waitForLog((l) => l.msg === ACTIVE, `round ${round + 1}: takeover`, 30_000);
        const tookOverAt = Date.now();
        active = standby;
        stack.scheduler = active;
        standby = await startStandby();
        // Jobs flow again before the next kill: solves that began after the takeover have ended.
        await waitFor(() => solveRequests(proxyOf.exchanges).filter((r) => r.submittedAt > tookOverAt && r.endedAt !== undefined).length >= 2, {
          what: `round ${round + 1}: jobs to flow after the takeover`,
          timeoutMs: 60_000,
        });
      }
    } finally {
      await stream.stop();
    }

    const jobs = await expectEveryJobSucceededOnce(stack, stream, (marker) => marker % MILP_EVERY !== 0);
    expect(jobs.length).toBeGreaterThan(KILLS * 4);
    // No two schedulers recorded a completion of one job.
    const completions = schedulers.flatMap((s) => s.lines.filter((l) => l.msg === 'succeeded' && l.isRecorded === true).map((l) => String(l.jobId)));
    expect(completions.filter((id, i) => completions.indexOf(id) !== i)).toEqual([]);

    // Never solved twice at the same time, by what the solve server was asked.
    const requests = solveRequests(proxy.exchanges);
    expect(new Set(requests.map((r) => r.marker))).toEqual(new Set(jobs.map((j) => j.marker)));
    expect(overlaps(requests)).toEqual([]);
    // A kill (or a lost lease) can orphan at most the submits it cut off (the README's known gap): one per slot.
    const lostLeases = schedulers.filter((s) => s.lines.some((l) => l.msg === 'lost the box lease')).length;
    expect(unfollowed(requests).length).toBeLessThanOrEqual((KILLS + lostLeases) * SLOTS);
    // The server's own log agrees with the recording.
    expect(stack.solver.lines.filter((l) => l.msg === 'accepted a request')).toHaveLength(requests.length);
    // The kills hit running work, and successors picked it up where it ran.
    const reattached = schedulers.flatMap((s) => s.lines.filter((l) => l.msg === 're-attached to a request a previous scheduler submitted'));
    expect(reattached.length).toBeGreaterThanOrEqual(1);
    // The first active and one more per kill; a lease lost to a stall (see startStandby) can add one.
    expect(schedulers.filter(isActive).length).toBeGreaterThanOrEqual(KILLS + 1);
    expect(schedulers.filter(isActive).length).toBeLessThanOrEqual(KILLS + 1 + lostLeases);

    expect(await settle(stack, active), stack.logs()).toEqual(SETTLED);
  },
  testTimeoutMs(150_000, 900_000),
);
