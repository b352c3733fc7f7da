// The http executor against recorded exchanges of real cuOpt servers, replayed by a fake server in
// the exact shapes each sends. Sources (NVIDIA/cuopt unless named):
//   [25.08] @e6a401d (VERSION 25.08.00): python/cuopt_server/cuopt_server/webserver.py (submit,
//           solution, /cuopt/log, result files: getsolutionbody), utils/job_queue.py (incumbents and
//           their end marker: get_current_incumbents; BinaryJobResult.get_file_result),
//           utils/solver.py (send_solution: {solution, cost}), utils/exceptions.py (error bodies),
//           utils/routing/solver.py (409 for a VRP the solver refused).
//   [grpc]  @081ead3 python/cuopt_server/cuopt_server/proxy_webserver.py (getincumbent: bound),
//           coin-or/cuopt @3b1a370 the same file (getsolution: 409 `job <id> failed|cancelled`).
//   [client] @e6a401d python/cuopt_self_hosted/cuopt_sh_client/cuopt_self_host_client.py
//           (_get_logs: frombyte, 404 is "not yet"; DELETE solution then log when done).
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { cuopt } from '@gpuq/shared';
import { createLogger } from '@gpuq/runtime';
import { CONTRACTS_LP, SMALL_MILP } from '../../../test/fixtures/problems.js';
import { JobFailure, type ExecutionHooks } from '../src/executors/executor.js';
import { HttpExecutor, type HttpExecutorOptions } from '../src/executors/http.js';
import { FakeCuopt, type Reply, type Route } from './fakes/fake-cuopt.js';

const log = createLogger('executor-test', process.env.TEST_LOG_LEVEL ?? 'silent');
const REQ = '5d0c3b6e-8f7a-4d3c-9b1e-2a4f6c8e0d13';

// [25.08] postrequest answers {"reqId"}; a pending solution is that one key.
const SUBMIT: Route = { method: 'POST', path: /^\/cuopt\/request(\?|$)/, replies: [{ status: 200, body: { reqId: REQ } }] };
const PENDING: Reply = { status: 200, body: { reqId: REQ } };
const DELETES: Route[] = [
  { method: 'DELETE', path: new RegExp(`^/cuopt/solution/${REQ}$`), replies: [{ status: 200 }] },
  { method: 'DELETE', path: new RegExp(`^/cuopt/log/${REQ}$`), replies: [{ status: 200 }] },
];
const solution = (replies: Reply[]): Route => ({ method: 'GET', path: new RegExp(`^/cuopt/solution/${REQ}$`), replies });

// [25.08] utils/linear_programming/solver.py + make_response: the solution of SMALL_MILP.
const MILP_SOLVED = {
  response: {
    solver_response: {
      status: 'Optimal',
      solution: {
        problem_category: 'IP',
        primal_solution: [4.0, 0.0],
        dual_solution: null,
        primal_objective: 27.0,
        dual_objective: null,
        solver_time: 0.214,
        solved_by_pdlp: false,
        vars: { x: 4.0, y: 0.0 },
        lp_statistics: {},
        reduced_cost: null,
        milp_statistics: {
          mip_gap: 0.0,
          solution_bound: 27.0,
          presolve_time: 0.011,
          max_constraint_violation: 0.0,
          max_int_violation: 0.0,
          max_variable_bound_violation: 0.0,
          num_nodes: 0,
          num_simplex_iterations: 2,
        },
      },
    },
    total_solve_time: 0.231,
  },
  reqId: REQ,
  notes: ['Optimal'],
};

// The same for CONTRACTS_LP, as an LP answer.
const LP_SOLVED = {
  response: {
    solver_response: {
      status: 'Optimal',
      solution: {
        problem_category: 'LP',
        primal_solution: [1.8, 0.0],
        dual_solution: [-0.0667, 0.0],
        primal_objective: -0.36,
        dual_objective: -0.36,
        solver_time: 0.012,
        solved_by_pdlp: false,
        vars: {},
        lp_statistics: { primal_residual: 0.0, dual_residual: 0.0, gap: 0.0, nb_iterations: 1 },
        reduced_cost: [0.0, 0.3667],
        milp_statistics: {},
      },
    },
    total_solve_time: 0.02,
  },
  reqId: REQ,
  notes: ['Optimal'],
};

const job = (input: unknown) => ({ jobId: 'solve_test', kind: 'solve', attempt: 1, input, gpu: { id: 'server:cuopt', vramMb: 0, totalMb: 0 } });

function recordingHooks() {
  const seen = { handles: [] as string[], progress: [] as unknown[], incumbents: [] as cuopt.Incumbent[], log: '' };
  const hooks: ExecutionHooks = {
    onHandle: (h) => seen.handles.push(h),
    onProgress: (p) => seen.progress.push(p),
    onIncumbent: (i) => seen.incumbents.push(i),
    onLog: (text) => (seen.log += text),
  };
  return { seen, hooks };
}

let fake: FakeCuopt | undefined;
let executor: HttpExecutor | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await executor?.close();
  await fake?.close();
  executor = undefined;
  fake = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function serve(routes: Route[], options: Partial<HttpExecutorOptions> = {}): Promise<{ fake: FakeCuopt; executor: HttpExecutor }> {
  fake = await FakeCuopt.start([SUBMIT, ...DELETES, ...routes]);
  executor = new HttpExecutor({ url: fake.url, pollIntervalMs: 1, maxPollIntervalMs: 5, requestTimeoutMs: 2_000, solverLogs: true, ...options }, log);
  return { fake, executor };
}

const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (err: unknown) => err);

describe('a MILP on a cuOpt server: incumbents and the solver log', () => {
  const LINE1 = 'Solving a problem with 2 constraints 2 variables (2 integers) and 4 nonzeros';
  const LINE2 = 'Optimal solution found';
  const logRoute: Route = {
    method: 'GET',
    path: new RegExp(`^/cuopt/log/${REQ}\\?frombyte=\\d+$`),
    replies: [
      // [25.08] getsolverlogs: no log file yet is 404 {"error": "log not found for request <id>"} (no error_result).
      { status: 404, body: { error: `log not found for request ${REQ}` } },
      // The text from frombyte split on "\n" (a trailing newline leaves ""), and the offset after it.
      { status: 200, body: { log: [LINE1, ''], nbytes: LINE1.length + 1 } },
      { status: 200, body: { log: [LINE2], nbytes: LINE1.length + 1 + LINE2.length } },
      { status: 200, body: { log: [''], nbytes: LINE1.length + 1 + LINE2.length } },
    ],
  };

  const shapes = [
    {
      server: 'cuOpt 25.08 (no bound; end marker {solution: [], cost: null})',
      incumbents: [[{ solution: [3.0, 1.0], cost: 19.0 }], [], [{ solution: [4.0, 0.0], cost: 20.0 }], [{ solution: [], cost: null }]],
      progress: { incumbents: 2, bestObjective: 20, bound: null, gap: null },
    },
    {
      server: 'a newer server (bound, null in the end marker)',
      incumbents: [[{ solution: [3.0, 1.0], cost: 19.0, bound: 22.0 }], [], [{ solution: [4.0, 0.0], cost: 20.0, bound: 21.0 }], [{ solution: [], cost: null, bound: null }]],
      progress: { incumbents: 2, bestObjective: 20, bound: 21, gap: 0.05 },
    },
  ];

  it.each(shapes)('$server: each incumbent once as sent, the log in order, then solution and log deleted', async ({ incumbents, progress }) => {
    const { fake, executor } = await serve([
      { method: 'GET', path: new RegExp(`^/cuopt/solution/${REQ}/incumbents$`), replies: incumbents.map((body) => ({ status: 200, body })) },
      logRoute,
      solution([PENDING, PENDING, PENDING, { status: 200, body: MILP_SOLVED }]),
    ]);
    const { seen, hooks } = recordingHooks();
    const result = await executor.run(job(SMALL_MILP), new AbortController().signal, hooks);

    expect(result).toEqual(MILP_SOLVED.response);
    expect(seen.handles).toEqual([REQ]);
    expect(seen.incumbents).toEqual([incumbents[0]![0], incumbents[2]![0]]);
    expect(seen.progress.at(-1)).toEqual(progress);
    expect(seen.log).toBe(`${LINE1}\n${LINE2}`);

    const [submit] = fake.find('POST', /^\/cuopt\/request/);
    expect(new URL(submit!.url, fake.url).searchParams.toString()).toBe('incumbent_solutions=true&solver_logs=true');
    // Every request asks for JSON: cuOpt answers a wildcard with msgpack on some routes.
    expect(fake.requests.every((r) => r.headers.accept === 'application/json' && r.headers['client-version'] === 'custom')).toBe(true);
    // Each log read starts where the last one ended.
    const offsets = fake.find('GET', /^\/cuopt\/log\//).map((r) => Number(new URL(r.url, fake.url).searchParams.get('frombyte')));
    expect(offsets.slice(0, 4)).toEqual([0, 0, LINE1.length + 1, LINE1.length + 1 + LINE2.length]);
    // No incumbent is asked for after the end marker.
    expect(fake.find('GET', /\/incumbents$/)).toHaveLength(4);
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.url)).toEqual([`/cuopt/solution/${REQ}`, `/cuopt/log/${REQ}`]);
  });

  it('reads the incumbents left when the solve ends, up to the end marker', async () => {
    const { executor } = await serve([
      {
        method: 'GET',
        path: /\/incumbents$/,
        replies: [
          { status: 200, body: [] },
          { status: 200, body: [{ solution: [3.0, 1.0], cost: 19.0 }] },
          { status: 200, body: [{ solution: [4.0, 0.0], cost: 20.0 }] },
          { status: 200, body: [{ solution: [], cost: null }] },
        ],
      },
      solution([{ status: 200, body: MILP_SOLVED }]),
    ]);
    const { seen, hooks } = recordingHooks();
    await executor.run(job(SMALL_MILP), new AbortController().signal, hooks);
    expect(seen.incumbents.map((i) => i.cost)).toEqual([19, 20]);
  });

  it('asks a server without the log route (FastAPI’s {"detail": "Not Found"}) once, and deletes no log', async () => {
    const { fake, executor } = await serve([solution([PENDING, PENDING, { status: 200, body: LP_SOLVED }])]);
    const { seen, hooks } = recordingHooks();
    await executor.run(job(CONTRACTS_LP), new AbortController().signal, hooks);
    expect(fake.find('GET', /^\/cuopt\/log\//)).toHaveLength(1);
    expect(fake.find('DELETE', /^\/cuopt\/log\//)).toHaveLength(0);
    expect(seen.log).toBe('');
  });

  it('submits without solver_logs when the server is configured so', async () => {
    const { fake, executor } = await serve([solution([{ status: 200, body: LP_SOLVED }])], { solverLogs: false });
    await executor.run(job(CONTRACTS_LP), new AbortController().signal, recordingHooks().hooks);
    expect(fake.find('POST', /^\/cuopt\/request$/)).toHaveLength(1);
    expect(fake.find('GET', /^\/cuopt\/log\//)).toHaveLength(0);
  });
});

describe('a result the server wrote to its CUOPT_RESULT_DIR', () => {
  const NAME = '0c9f2f4e-3c1b-4e7e-9a0d-6b5f1e2d3c4a';
  // [25.08] webserver.py getsolutionbody + job_queue.py get_file_result: {result_file, notes?, warnings?, format}, no reqId.
  const FILE_REPLY: Reply = { status: 200, body: { result_file: NAME, notes: ['Optimal'], format: 'json' } };
  const resultDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuq-results-'));
    dirs.push(dir);
    return dir;
  };

  it.each([
    { format: 'json', encode: (text: string) => Buffer.from(text) },
    { format: 'zlib', encode: (text: string) => deflateSync(text) },
  ])('reads the $format file from resultDir, once, and removes it', async ({ format, encode }) => {
    const dir = resultDir();
    // The file holds the whole reply the server would have sent, encoded as `format` (job_queue.py data_to_byte).
    writeFileSync(join(dir, NAME), encode(JSON.stringify(LP_SOLVED)));
    const { fake, executor } = await serve([solution([PENDING, { status: 200, body: { result_file: NAME, notes: ['Optimal'], format } }])], { resultDir: dir });
    const result = await executor.run(job(CONTRACTS_LP), new AbortController().signal, recordingHooks().hooks);
    expect(result).toEqual(LP_SOLVED.response);
    expect(existsSync(join(dir, NAME))).toBe(false);
    expect(fake.find('POST', /^\/cuopt\/request/)).toHaveLength(1);
  });

  it('without resultDir: fails, not retried, saying to set resultDir or unset CUOPT_RESULT_DIR', async () => {
    const { fake, executor } = await serve([solution([FILE_REPLY])]);
    const failure = await failureOf(executor.run(job(CONTRACTS_LP), new AbortController().signal, recordingHooks().hooks));
    expect(failure).toBeInstanceOf(JobFailure);
    expect(failure).toMatchObject({ code: 'worker_error', isRetryable: false });
    expect((failure as Error).message).toBe(
      `${fake.url} (request ${REQ}) wrote the result to a file (${NAME}) instead of replying with it, as a server with CUOPT_RESULT_DIR set does for large results: ` +
        "set resultDir on this solve server to where that directory is mounted on the scheduler's machine, or unset CUOPT_RESULT_DIR on the server",
    );
    // The stored solution is still deleted; nothing is submitted again.
    expect(fake.find('DELETE', /^\/cuopt\/solution\//)).toHaveLength(1);
    expect(fake.find('POST', /^\/cuopt\/request/)).toHaveLength(1);
  });

  it('with a resultDir that does not hold the file: fails, not retried, naming the path', async () => {
    const dir = resultDir();
    const { executor } = await serve([solution([FILE_REPLY])], { resultDir: dir });
    const failure = await failureOf(executor.run(job(CONTRACTS_LP), new AbortController().signal, recordingHooks().hooks));
    expect(failure).toMatchObject({ code: 'worker_error', isRetryable: false });
    expect((failure as Error).message).toContain(`${join(dir, NAME)} cannot be read (ENOENT): resultDir must be where the server's CUOPT_RESULT_DIR is mounted`);
  });
});

describe('HTTP 409 from the solution', () => {
  it.each(['failed', 'cancelled'])('a newer server’s `job <id> %s` is a runtime failure, retried', async (ended) => {
    // [grpc] getsolution: HTTPException(409, f"job {id} {status}") through encode(): error_result false.
    const { executor } = await serve([solution([PENDING, { status: 409, body: { error: `job ${REQ} ${ended}`, error_result: false } }])]);
    const failure = await failureOf(executor.run(job(CONTRACTS_LP), new AbortController().signal, recordingHooks().hooks));
    expect(failure).toMatchObject({ code: 'worker_error', isRetryable: true });
    expect((failure as Error).message).toMatch(new RegExp(`^the solve server ended the request without a result during solve \\(HTTP 409: job ${REQ} ${ended}\\): `));
  });

  it('cuOpt 25.08’s 409 for a VRP its solver refused stays a problem with the input', async () => {
    // [25.08] utils/routing/solver.py: HTTPException(409, sol.get_message()), reported with error_result true.
    const { executor } = await serve([solution([{ status: 409, body: { error: 'Infeasible: vehicle time windows cannot be met', error_result: true } }])]);
    const failure = await failureOf(executor.run(job(CONTRACTS_LP), new AbortController().signal, recordingHooks().hooks));
    expect(failure).toMatchObject({ code: 'invalid_input', isRetryable: false, message: 'the solver rejected the input: Infeasible: vehicle time windows cannot be met' });
  });
});
