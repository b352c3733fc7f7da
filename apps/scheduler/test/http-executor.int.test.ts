// The http executor against a real cuOpt-protocol server (solver-cpu as a process).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpExecutorConfig, type cuopt } from '@gpuq/shared';
import { createLogger } from '@gpuq/runtime';
import { CONTRACTS_LP, marketSplitMilp } from '../../../test/fixtures/problems.js';
import { AppProcess, freePort, startListening, waitFor } from '@gpuq/testkit';
import { JobFailure } from '../src/executors/executor.js';
import { HttpExecutor } from '../src/executors/http.js';

const log = createLogger('executor-test', process.env.TEST_LOG_LEVEL ?? 'silent');
let solver: AppProcess;
let url: string;
let executor: HttpExecutor;

const request = (input: unknown) => ({ jobId: 'solve_test', kind: 'solve', attempt: 1, input, gpu: { id: 'gpu0', vramMb: 1024, totalMb: 24_576 } });
const noHooks = { onHandle: () => undefined, onProgress: () => undefined };

beforeAll(async () => {
  const started = await startListening((port) => (solver = new AppProcess('solver-cpu', 'apps/solver-cpu/dist/server.js', { SOLVER_PORT: String(port) })), { readyMsg: 'solver-cpu ready' });
  url = started.url;
  executor = new HttpExecutor(HttpExecutorConfig.parse({ type: 'http', url }), log);
});
afterAll(async () => {
  await executor?.close();
  await solver?.stop();
});

describe('HttpExecutor', () => {
  it('submits, polls to the response, reports the reqId and deletes the stored solution', async () => {
    let handle = '';
    const result = (await executor.run(request(CONTRACTS_LP), new AbortController().signal, { ...noHooks, onHandle: (h) => (handle = h) })) as cuopt.LpResponse;
    expect(result.solver_response).toMatchObject({ status: 'Optimal' });
    expect(handle).toMatch(/^[0-9a-f-]{36}$/);
    expect((await fetch(`${url}/cuopt/solution/${handle}`)).status).toBe(404);
  });

  it('fails input the solver rejects as invalid_input, which retrying cannot fix', async () => {
    const failure = await executor.run(request({ ...CONTRACTS_LP, variable_types: ['I'] }), new AbortController().signal, noHooks).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(JobFailure);
    expect(failure).toMatchObject({ code: 'invalid_input', isRetryable: false, message: 'the solver rejected the input: variable_types: has 1 entries; the problem has 2 variables' });
  });

  it('on abort asks the server to stop the request, and deletes it', async () => {
    const controller = new AbortController();
    let handle = '';
    const running = executor.run(request(marketSplitMilp(30)), controller.signal, { ...noHooks, onHandle: (h) => (handle = h) });
    await waitFor(async () => handle && (await (await fetch(`${url}/cuopt/request/${handle}`)).json()) === 'running', { what: 'the solve to run' });
    controller.abort(new Error('cancelled'));
    await expect(running).rejects.toThrow('cancelled');
    // Aborted on the server, then deleted: the id is unknown and the thread is free again.
    expect((await fetch(`${url}/cuopt/request/${handle}`)).status).toBe(404);
    const next = (await executor.run(request(CONTRACTS_LP), new AbortController().signal, noHooks)) as cuopt.LpResponse;
    expect(next.solver_response).toMatchObject({ status: 'Optimal' });
  });

  it('fails as worker_unavailable, retryable, when nothing listens', async () => {
    const down = new HttpExecutor(HttpExecutorConfig.parse({ type: 'http', url: `http://127.0.0.1:${await freePort()}` }), log);
    try {
      const failure = await down.run(request(CONTRACTS_LP), new AbortController().signal, noHooks).catch((e: unknown) => e);
      expect(failure).toMatchObject({ code: 'worker_unavailable', isRetryable: true });
      expect((failure as Error).message).toMatch(/^cannot reach the solver at http:\/\/127\.0\.0\.1:\d+: /);
    } finally {
      await down.close();
    }
  });
});
