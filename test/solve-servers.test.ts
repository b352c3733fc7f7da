// solve jobs routed to solve servers, end to end through the API: solver-cpu is the peer (it
// speaks the cuOpt server's protocol), standing in for a cuOpt server on a GPU where a test needs
// one. Jobs wait in gpuq's queue for a server's slot, with a reason, never in the server's queue.
import { afterEach, describe, expect, it } from 'vitest';
import { keys, type JobView } from '@gpuq/shared';
import { waitFor } from '@gpuq/testkit';
import { CONTRACTS_LP, marketSplitMilp, SMALL_MILP } from './fixtures/problems.js';
import { Stack } from './helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const CPU_SERVER = { name: 'solver-cpu', url: 'SOLVER_URL', slots: 1 };

/** SMALL_MILP as an MPS file: max 5x + 4y + 7 subject to 6x + 4y ≤ 24, x + 2y ≤ 6, x and y integer in [0, 10]. */
const SMALL_MILP_MPS = `NAME          SMALLMILP
OBJSENSE
    MAX
ROWS
 N  profit
 L  wood
 L  labour
COLUMNS
    MARKER                 'MARKER'                 'INTORG'
    x         profit    5.0          wood      6.0
    x         labour    1.0
    y         profit    4.0          wood      4.0
    y         labour    2.0
    MARKER                 'MARKER'                 'INTEND'
RHS
    RHS       wood      24.0         labour    6.0
    RHS       profit    -7.0
BOUNDS
 UP BND       x         10
 UP BND       y         10
ENDATA
`;

const VRP = {
  cost_matrix_data: { data: { '0': [[0, 1], [1, 0]] } },
  task_data: { task_locations: [1], demand: [[1]], task_time_windows: [[0, 10]], service_times: [1] },
  fleet_data: { vehicle_locations: [[0, 0]], capacities: [[2]], vehicle_time_windows: [[0, 20]] },
  solver_config: { time_limit: 2 },
};

type Solved = { solver_response: { status: string; solution: { primal_objective: number; vars: Record<string, number> } } };

describe('solve jobs on a CPU solve server', () => {
  it('solves an LP, a MILP and an MPS file, placed on the server’s slot and costed as CPU time', async () => {
    stack = await Stack.start({ solve: { servers: [CPU_SERVER] } });
    const [lp, milp, mps] = await Promise.all(
      [CONTRACTS_LP, SMALL_MILP, { format: 'mps', mps: SMALL_MILP_MPS }].map(async (input) => stack!.waitForJob((await stack!.submit({ kind: 'solve', input })).id)),
    );
    for (const done of [lp!, milp!, mps!]) {
      expect(done.status, stack.logs()).toBe('succeeded');
      expect(done.placement).toEqual({ gpu: null, vramMb: 0, server: 'solver-cpu', box: 'box-1' });
      expect(done.cost.gpuSeconds).toBe(0);
      expect(done.cost.cpuSeconds).toBeGreaterThan(0);
    }
    expect((lp!.result as Solved).solver_response.solution.primal_objective).toBeCloseTo(-0.36, 6);
    expect((milp!.result as Solved).solver_response.solution.primal_objective).toBe(27);
    // The MPS file's objective constant, names and integer markers came through.
    const fromMps = (mps!.result as Solved).solver_response;
    expect(fromMps.status).toBe('Optimal');
    expect(fromMps.solution.primal_objective).toBe(27);
    expect(fromMps.solution.vars).toEqual({ x: 4, y: 0 });
  });

  it('shows a MILP’s incumbents as its progress while it runs', async () => {
    stack = await Stack.start({ solve: { servers: [CPU_SERVER] } });
    const job = await stack.submit({ kind: 'solve', input: marketSplitMilp(2) });
    const progress = await waitFor(async () => (await stack!.job(job.id)).progress as { incumbents: number; bestObjective: number | null } | null, {
      what: 'the first incumbent',
    });
    expect(progress.incumbents).toBeGreaterThan(0);
    expect(typeof progress.bestObjective).toBe('number');
    const done = await stack.waitForJob(job.id);
    expect(done.status, stack.logs()).toBe('succeeded');
    // Each incumbent the server handed out is kept, oldest first, in cuOpt's own shape (no end marker).
    const kept = (await stack.redis().lrange(keys.jobIncumbents(job.id), 0, -1)).map((text) => JSON.parse(text) as { solution: number[]; cost: number });
    expect(kept.length).toBe((done.progress as { incumbents: number }).incumbents);
    for (const incumbent of kept) expect(incumbent).toMatchObject({ solution: expect.any(Array), cost: expect.any(Number) });
    expect(kept.at(-1)!.cost).toBe((done.progress as { bestObjective: number }).bestObjective);
  });

  it('keeps a cancelled MILP’s best solution so far for its owner', async () => {
    stack = await Stack.start({ solve: { servers: [CPU_SERVER] } });
    const job = await stack.submit({ kind: 'solve', input: marketSplitMilp(60) });
    const progress = await waitFor(async () => {
      const view = await stack!.job(job.id);
      return (view.progress as { incumbents?: number } | null)?.incumbents ? (view.progress as { bestObjective: number }) : undefined;
    }, { what: 'the first incumbent', timeoutMs: 30_000 });
    await stack.cancel(job.id);
    expect((await stack.waitForJob(job.id)).status).toBe('cancelled');
    const best = await stack.request<{ incumbent: { solution: number[]; cost: number; foundAt: number } | null }>('GET', `/v1/jobs/${job.id}/incumbent`);
    expect(best.status).toBe(200);
    expect(best.body.incumbent).toMatchObject({ solution: expect.any(Array), cost: expect.any(Number), foundAt: expect.any(Number) });
    // The best it has: the last the job's progress showed, or a later one found before the cancel reached it.
    expect(best.body.incumbent!.cost).toBeLessThanOrEqual(progress.bestObjective);
    // An LP has none.
    const lp = await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id);
    expect((await stack.request<{ incumbent: unknown }>('GET', `/v1/jobs/${lp.id}/incumbent`)).body).toEqual({ incumbent: null });
  });

  it('keeps the solver’s log as the job’s log, read from the server as the solve runs', async () => {
    stack = await Stack.start({ solve: { servers: [CPU_SERVER] } });
    const done = await stack.waitForJob((await stack.submit({ kind: 'solve', input: marketSplitMilp(1) })).id);
    expect(done.status, stack.logs()).toBe('succeeded');
    const log = await stack.redis().get(keys.jobLog(done.id));
    expect(log?.length, stack.logs()).toBeGreaterThan(0);
    // The job's owner reads it through the API.
    expect(await (await fetch(`${stack.apiUrl}/v1/jobs/${done.id}/logs`)).text()).toBe(log);
    // Deleted on the server with the solution, as NVIDIA's client does.
    const reqId = await stack.redis().hget(keys.jobRun(done.id), 'handle');
    expect((await fetch(`${stack.solverUrl}/cuopt/log/${reqId}`, { headers: { accept: 'application/json' } })).status).toBe(404);
  });

  it('keeps jobs in its own queue while the server’s one slot is busy, saying why', async () => {
    stack = await Stack.start({ solve: { servers: [CPU_SERVER] } });
    // Busy for as long as the test needs, however slow the machine; cancelled once it has shown the wait.
    const busy = await stack.submit({ kind: 'solve', input: marketSplitMilp(60) });
    await waitFor(async () => (await stack!.job(busy.id)).status === 'running', { what: 'the first job to run' });
    const waiting = await stack.submit({ kind: 'solve', input: CONTRACTS_LP });
    const queued = await waitFor(async () => {
      const view = await stack!.job(waiting.id);
      // The box publishes its servers' load at most every 200 ms: wait until the reason shows the busy slot.
      return view.pendingReason?.startsWith('waiting for a solve server') && view.pendingReason.includes('1 of 1') ? view : undefined;
    }, { what: 'the second job to wait for the slot' });
    expect(queued.pendingReason).toBe('waiting for a solve server: solver-cpu on box-1 is solving 1 of 1 at a time; 0 jobs ahead');
    // Never sent: the server has no request for it.
    expect(await stack.redis().hget(keys.jobRun(waiting.id), 'handle')).toBeNull();
    await stack.cancel(busy.id);
    const done = await stack.waitForJob(waiting.id);
    expect(done.status, stack.logs()).toBe('succeeded');
    expect(done.startedAt!).toBeGreaterThanOrEqual((await stack.waitForJob(busy.id)).finishedAt!);
  });

  it('stops the solve on the server when a job is cancelled or times out', async () => {
    stack = await Stack.start({ solve: { servers: [CPU_SERVER] } });
    const solving = async (id: string) => waitFor(() => stack!.redis().hget(keys.jobRun(id), 'handle'), { what: `job ${id} to be solving` });
    const requestState = async (reqId: string) => (await fetch(`${stack!.solverUrl}/cuopt/request/${reqId}`, { headers: { 'client-version': 'custom' } })).status;

    const cancelled = await stack.submit({ kind: 'solve', input: marketSplitMilp(30) });
    const cancelledReq = await solving(cancelled.id);
    expect((await stack.request('DELETE', `/v1/jobs/${cancelled.id}`)).status).toBe(202);
    expect((await stack.waitForJob(cancelled.id)).status).toBe('cancelled');
    // Aborted and its stored solution deleted: the server no longer knows it.
    await waitFor(async () => (await requestState(cancelledReq)) === 404, { what: 'the server to drop the cancelled request' });

    const timedOut = await stack.submit({ kind: 'solve', input: marketSplitMilp(30), timeoutSeconds: 1 });
    const timedOutReq = await solving(timedOut.id);
    const failed = await stack.waitForJob(timedOut.id);
    expect(failed.error).toEqual({ code: 'timed_out', message: 'timed out after 1 s' });
    await waitFor(async () => (await requestState(timedOutReq)) === 404, { what: 'the server to drop the timed-out request' });
    // The slot is free again at once.
    expect((await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id)).status).toBe('succeeded');
  });

  it('holds jobs while the server is down, and runs them, without spending an attempt, when it is back', async () => {
    stack = await Stack.start({ solve: { servers: [{ ...CPU_SERVER, healthIntervalMs: 200 }] } });
    await stack.solver.stop();
    const job = await stack.submit({ kind: 'solve', input: CONTRACTS_LP });
    const waiting = await waitFor(async () => {
      const view = await stack!.job(job.id);
      return view.pendingReason?.includes('solver-cpu on box-1 is unavailable') ? view : undefined;
    }, { what: 'the job to wait for the server' });
    expect(waiting.pendingReason).toMatch(/^waiting for a solve server: solver-cpu on box-1 is unavailable \(it does not answer its health check \([A-Z_]+\)\); 0 jobs ahead$/);
    // The inventory is published at most every 200 ms, so it may say so a moment after the job.
    const boxes = await waitFor(async () => {
      const body = (await stack!.request<{ boxes: Array<{ solveServers: Array<{ unavailableReason?: string | null }> }> }>('GET', '/v1/gpus')).body;
      return body.boxes[0]?.solveServers[0]?.unavailableReason ? body.boxes : undefined;
    }, { what: '/v1/gpus to show the server down' });
    expect(boxes[0]!.solveServers).toEqual([
      { name: 'solver-cpu', url: stack.solverUrl, gpus: [], problems: ['lp', 'milp'], slots: 1, running: 0, unavailableReason: expect.stringMatching(/does not answer/) },
    ]);

    await stack.startSolver();
    const done = await stack.waitForJob(job.id);
    expect(done.status, stack.logs()).toBe('succeeded');
    expect(done.attempts.made).toBe(1);
  });
});

describe('routing between a cuOpt server and a CPU server', () => {
  // solver-cpu plays the cuOpt server that owns gpu0 (it speaks the same protocol).
  const twoServers = {
    gpus: [
      { id: 'gpu0', vramMb: 81_920 },
      { id: 'gpu1', vramMb: 24_576 },
    ],
    solve: { servers: [{ name: 'cuopt', url: 'SOLVER_URL', gpus: ['gpu0'] }, CPU_SERVER] },
  };

  it('prefers the cuOpt server, sends the next job to the CPU server while it is busy, and a VRP only to cuOpt', async () => {
    stack = await Stack.start(twoServers);
    // Busy until cancelled, however slow the machine. Both "servers" are the one solver-cpu process
    // here, so the second job is placed on its own slot but solved once the first is cancelled.
    const first = await stack.submit({ kind: 'solve', input: marketSplitMilp(60) });
    await waitFor(async () => (await stack!.job(first.id)).status === 'running', { what: 'the first job to run' });
    const second = await stack.submit({ kind: 'solve', input: CONTRACTS_LP });
    const secondPlaced = await waitFor(async () => (await stack!.job(second.id)).placement, { what: 'the second job to be placed' });
    expect((await stack.job(first.id)).placement).toEqual({ gpu: 'gpu0', vramMb: 0, server: 'cuopt', box: 'box-1' });
    expect(secondPlaced).toEqual({ gpu: null, vramMb: 0, server: 'solver-cpu', box: 'box-1' });
    await stack.cancel(first.id);
    const firstDone = await stack.waitForJob(first.id);
    expect(firstDone.status).toBe('cancelled');
    expect((await stack.waitForJob(second.id)).status, stack.logs()).toBe('succeeded');
    expect(firstDone.cost.gpuSeconds).toBeGreaterThan(0);
    expect(firstDone.cost.cpuSeconds).toBe(0);

    // The VRP goes to the cuOpt server alone; solver-cpu in its place says it cannot route.
    const vrp = await stack.waitForJob((await stack.submit({ kind: 'solve', input: VRP })).id);
    expect(vrp.placement).toEqual({ gpu: 'gpu0', vramMb: 0, server: 'cuopt', box: 'box-1' });
    expect(vrp.error).toEqual({ code: 'invalid_input', message: expect.stringMatching(/^the solver rejected the input: solver-cpu solves LP and MILP/) });

    // The GPU it owns is not handed to other kinds, and the inventory lists both servers.
    const inventory = await stack.inventory();
    expect(inventory?.gpus.map((g) => g.id)).toEqual(['gpu0', 'gpu1']);
    expect(inventory?.solveServers.map((s) => [s.name, s.gpus, s.problems, s.slots])).toEqual([
      ['cuopt', ['gpu0'], ['lp', 'milp', 'vrp'], 1],
      ['solver-cpu', [], ['lp', 'milp'], 1],
    ]);
  });
});

describe('solve requests refused at submit', () => {
  it('a VRP when no cuOpt server is configured, a declared VRAM, and bad VRP and MPS input, each naming the field', async () => {
    stack = await Stack.start({ solve: { servers: [CPU_SERVER] } });
    const submit = (input: unknown, extra: Record<string, unknown> = {}) =>
      stack!.request<{ error: { code: string; message: string; details: Array<{ path: string; message: string }> } }>('POST', '/v1/jobs', { kind: 'solve', input, ...extra });

    const vrp = await submit(VRP);
    expect(vrp.status).toBe(422);
    expect(vrp.body.error).toEqual({
      code: 'problem_not_served',
      message: 'no solve server takes VRP problems: VRP needs a cuOpt server in kinds.solve.servers (solver-cpu takes lp, milp)',
      details: [{ path: 'input', message: 'no solve server takes VRP problems: VRP needs a cuOpt server in kinds.solve.servers (solver-cpu takes lp, milp)' }],
    });

    const vram = await submit(CONTRACTS_LP, { resources: { vramMb: 4_096 } });
    expect(vram.status).toBe(400);
    expect(vram.body.error.details).toEqual([{ path: 'resources.vramMb', message: "solve jobs take a solve server's slot (kinds.solve.servers), not VRAM: leave resources.vramMb out" }]);

    const badVrp = await submit({ ...VRP, task_data: { ...VRP.task_data, task_locations: [5] } });
    expect(badVrp.status).toBe(400);
    expect(badVrp.body.error.details.map((d) => d.path)).toEqual(['input.task_data.task_locations[0]']);

    const badMps = await submit({ format: 'mps', mps: SMALL_MILP_MPS.replace(' L  labour', ' X  labour') });
    expect(badMps.status).toBe(400);
    expect(badMps.body.error.details).toEqual([{ path: 'input.mps', message: expect.stringMatching(/^line 7: /) }]);

    const jobs = (await stack.request<{ jobs: JobView[] }>('GET', '/v1/jobs')).body.jobs;
    expect(jobs).toEqual([]);
  });
});
