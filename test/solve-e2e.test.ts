// An LP or MILP submitted over REST goes API → Redis → scheduler → solver-cpu and back, as real
// processes over real HTTP, and comes out with the status and objective worked out by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { cuopt, JobView, SystemStatus } from '@gpuq/shared';
import { CONTRACTS_LP, INFEASIBLE_LP, SMALL_MILP, UNBOUNDED_LP, marketSplitMilp } from './fixtures/problems.js';
import { Stack } from './helpers/stack.js';
import { waitFor } from '@gpuq/testkit';

const solverResponse = (view: JobView) => (view.result as cuopt.LpResponse).solver_response as cuopt.LpSolverResponse;
const solution = (view: JobView) => solverResponse(view).solution as cuopt.LpSolution;

describe('solve jobs end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 202 with a queued job and a Location, then solves the LP of cuOpt’s documentation', async () => {
    const submitted = await stack.request<JobView>('POST', '/v1/jobs', { kind: 'solve', input: CONTRACTS_LP });
    expect(submitted.status).toBe(202);
    expect(submitted.headers.get('location')).toBe(`/v1/jobs/${submitted.body.id}`);
    expect(submitted.body).toMatchObject({ kind: 'solve', status: 'queued', placement: null, attempts: { made: 0, max: 3 } });

    const done = await stack.waitForJob(submitted.body.id);
    expect(done.status, stack.logs()).toBe('succeeded');
    expect(done.placement).toEqual({ gpu: 'gpu0', vramMb: 2048, box: stack.boxId });
    expect(solverResponse(done).status).toBe('Optimal');
    expect(solution(done).primal_objective).toBeCloseTo(-0.36, 6);
    expect(solution(done).primal_solution[0]).toBeCloseTo(1.8, 6);
    expect(done.startedAt).toBeGreaterThanOrEqual(done.createdAt);
    expect(done.finishedAt).toBeGreaterThanOrEqual(done.startedAt!);
    expect(done).toMatchObject({ attempts: { made: 1, max: 3 }, pendingReason: null, error: null });
  });

  it('solves a small MILP to its integer optimum, offset included', async () => {
    const done = await stack.waitForJob((await stack.submit({ kind: 'solve', input: SMALL_MILP, resources: { vramMb: 1024 } })).id);
    expect(done.status, stack.logs()).toBe('succeeded');
    expect(done.placement).toEqual({ gpu: 'gpu0', vramMb: 1024, box: stack.boxId });
    expect(solution(done)).toMatchObject({ problem_category: 'IP', primal_solution: [4, 0], vars: { x: 4, y: 0 } });
    expect(solution(done).primal_objective).toBeCloseTo(27, 6);
  });

  it('reports an infeasible and an unbounded LP as solved, with the solver’s status', async () => {
    const [infeasible, unbounded] = await Promise.all(
      [INFEASIBLE_LP, UNBOUNDED_LP].map(async (input) => stack.waitForJob((await stack.submit({ kind: 'solve', input })).id)),
    );
    expect(infeasible!.status).toBe('succeeded');
    expect(solverResponse(infeasible!)).toEqual({ status: 'PrimalInfeasible', solution: {} });
    expect(unbounded!.status).toBe('succeeded');
    expect(solverResponse(unbounded!)).toEqual({ status: 'DualInfeasible', solution: {} });
  });

  it('refuses malformed bodies with 400, naming each bad field', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ kind: 'solve' }, ['input']],
      [{ kind: 'render', input: {} }, ['kind']],
      [{ kind: 'solve', input: CONTRACTS_LP, priority: 101, labels: { 'bad key!': 'x' } }, ['priority', 'labels.bad key!']],
      [{ kind: 'solve', input: { ...CONTRACTS_LP, csr_constraint_matrix: { offsets: [0, 2, 4], indices: [0, 1, 0, 9], values: [1, 2, 3, 4] } } }, ['input.csr_constraint_matrix.indices']],
      [{ kind: 'solve', input: { ...CONTRACTS_LP, constraint_bounds: { upper_bounds: [1], lower_bounds: ['ninf', 'ninf'] } } }, ['input.constraint_bounds.upper_bounds']],
      [{ kind: 'solve', input: CONTRACTS_LP, resources: { vramMb: -5 } }, ['resources.vramMb']],
      [{ kind: 'solve', input: CONTRACTS_LP, color: 'blue' }, ['color']],
      ['{"kind": "solve", "input": ', ['(body)']],
    ];
    for (const [body, paths] of cases) {
      const result = await stack.request<{ error: { code: string; details: { path: string }[] } }>('POST', '/v1/jobs', body);
      expect(result.status, JSON.stringify(body)).toBe(400);
      expect(result.body.error.code).toBe('validation_failed');
      expect(result.body.error.details.map((d) => d.path)).toEqual(paths);
    }
  });

  it('answers 404 for a job that does not exist', async () => {
    for (const id of ['solve_00000000000000000000000000', 'nothing-like-an-id']) {
      const result = await stack.request<{ error: { code: string } }>('GET', `/v1/jobs/${id}`);
      expect(result.status).toBe(404);
      expect(result.body.error.code).toBe('job_not_found');
    }
  });
});

describe('VRAM packing end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ gpus: [{ id: 'gpu0', vramMb: 10_000 }], scheduler: { windowPerKind: 2 } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs two jobs that do not fit together on one GPU one after the other, never overlapping', async () => {
    // Each runs to its 1 s time limit, so running them at once would overlap by about a second.
    const job = { kind: 'solve', input: marketSplitMilp(1), resources: { vramMb: 6_000 } };
    const [first, second] = [await stack.submit(job), await stack.submit(job)];

    // While one runs, the other waits in the queue (the box takes only what it can place) and says
    // why, from what the box published: its GPU busy until the running job's timeout at the latest.
    const waiting = await waitFor(
      async () => {
        const views = await Promise.all([stack.job(first.id), stack.job(second.id)]);
        const queued = views.find((v) => v.status === 'queued' && v.pendingReason?.includes('largest free is 4000'));
        return views.some((v) => v.status === 'running') && queued;
      },
      { what: 'one job running while the other waits for VRAM' },
    );
    expect(waiting.pendingReason).toMatch(/^needs 6000 MiB; largest free is 4000 MiB on box-1\/gpu0; box-1\/gpu0 \(10 GiB\) is busy, expected free in ~\d+ (s|min) at the latest; 0 jobs ahead$/);

    const [a, b] = [await stack.waitForJob(first.id), await stack.waitForJob(second.id)];
    expect([a.status, b.status], stack.logs()).toEqual(['succeeded', 'succeeded']);
    expect(solverResponse(a).status).toBe('FeasibleFound');
    const [earlier, later] = a.startedAt! <= b.startedAt! ? [a, b] : [b, a];
    expect(later.startedAt!).toBeGreaterThanOrEqual(earlier.finishedAt!);
  });

  it('gives a queued job its position and its reason: jobs queued ahead, across every box', async () => {
    // The blocker holds the GPU until it is cancelled, however slow the machine.
    const blocker = await stack.submit({ kind: 'solve', input: marketSplitMilp(60), resources: { vramMb: 9_000 } });
    await stack.waitForJob(blocker.id, ['running']);
    const jobs: JobView[] = [];
    for (let i = 0; i < 4; i++) jobs.push(await stack.submit({ kind: 'solve', input: CONTRACTS_LP, resources: { vramMb: 5_000 }, priority: 40 }));
    // None fits now, so the box takes none: all four wait in the queue, in order, each saying why.
    const why = (ahead: number) => new RegExp(`^needs 5000 MiB; largest free is 1000 MiB on box-1/gpu0; box-1/gpu0 \\(10 GiB\\) is busy, expected free in ~\\d+ (s|min) at the latest; ${ahead} jobs? ahead$`);
    const last = await waitFor(async () => {
      const view = await stack.job(jobs[3]!.id);
      return why(3).test(view.pendingReason ?? '') ? view : undefined;
    }, { what: 'the last job to stand fourth, saying why' });
    expect(last.queuePosition).toBe(3);
    const first = await stack.job(jobs[0]!.id);
    expect(first.queuePosition).toBe(0);
    expect(first.pendingReason).toMatch(why(0));
    // The system status counts as the job views do: four queued, one running.
    const status = await stack.request<SystemStatus>('GET', '/v1/system/status');
    expect(status.body.queues.solve).toMatchObject({ queued: 4, running: 1 });
    await stack.cancel(blocker.id);
    for (const job of jobs) expect((await stack.waitForJob(job.id)).status).toBe('succeeded');
  });

  it('refuses at submit, with the reason, a job larger than every GPU', async () => {
    const refused = await stack.request<{ error: { code: string; message: string } }>('POST', '/v1/jobs', { kind: 'solve', input: CONTRACTS_LP, resources: { vramMb: 50_000 } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toEqual({
      code: 'never_fits',
      message: 'needs 50000 MiB but the largest GPU that runs solve jobs offers 10000 MiB; it could never run',
      details: [{ path: 'resources.vramMb', message: 'needs 50000 MiB but the largest GPU that runs solve jobs offers 10000 MiB; it could never run' }],
    });
  });
});
