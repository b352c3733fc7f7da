// gpuq's cuOpt-compatible API end to end: a cuOpt client's request runs as a gpuq solve job on a
// solve server (solver-cpu here), and comes back as the cuOpt server's answer — the result, the
// MILP incumbents each once then the end marker, the solver's log by byte offset.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRequestBody } from '@gpuq/cuopt-wire';
import { ROOT, waitFor } from '@gpuq/testkit';
import { CONTRACTS_LP, marketSplitMilp } from './fixtures/problems.js';
import { Stack } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start({ solve: { servers: [{ name: 'solver-cpu', url: 'SOLVER_URL' }] } });
});
afterAll(async () => {
  await stack?.stop();
});

const headers = { 'content-type': 'application/json', accept: 'application/json' };
const cuopt = async <T>(method: string, path: string, body?: unknown) => {
  const response = await fetch(`${stack.apiUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json().catch(() => undefined)) as T };
};

/** Polls as cuOpt's client does: `{reqId}` alone means still running. */
async function solved(reqId: string): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const answer = await cuopt<Record<string, unknown>>('GET', `/cuopt/solution/${reqId}`);
      return Object.keys(answer.body).length === 1 && 'reqId' in answer.body ? undefined : answer.body;
    },
    { what: `request ${reqId} to be solved`, timeoutMs: 60_000 },
  );
}

describe('cuOpt clients against gpuq', () => {
  it('solves an LP as a gpuq job and answers with the cuOpt response, then forgets it on delete', async () => {
    const submitted = await cuopt<{ reqId: string }>('POST', '/cuopt/request', CONTRACTS_LP);
    expect(submitted).toMatchObject({ status: 200, type: 'application/json' });
    const answer = await solved(submitted.body.reqId);
    expect(answer).toMatchObject({ reqId: submitted.body.reqId, response: { solver_response: { status: 'Optimal', solution: { primal_objective: expect.closeTo(-0.36, 6) } } } });
    expect((await cuopt('GET', `/cuopt/request/${submitted.body.reqId}`)).body).toBe('completed');
    expect((await cuopt('DELETE', `/cuopt/solution/${submitted.body.reqId}`)).status).toBe(200);
    expect((await cuopt('GET', `/cuopt/solution/${submitted.body.reqId}`)).status).toBe(404);
  });

  it('takes the exact bytes NVIDIA’s client sends (msgpack with numpy arrays, a batch of files) and answers in msgpack', async () => {
    const fixture = (name: string) => readFileSync(`${ROOT}/packages/cuopt-wire/test/fixtures/${name}`);
    const msgpack = { 'content-type': 'application/vnd.msgpack', accept: 'application/vnd.msgpack', 'client-version': '25.08.00' };
    const post = async (body: Buffer) => {
      const response = await fetch(`${stack.apiUrl}/cuopt/request`, { method: 'POST', headers: msgpack, body });
      expect(response.headers.get('content-type')).toBe('application/vnd.msgpack');
      return decodeRequestBody(Buffer.from(await response.arrayBuffer()), 'msgpack', { allowPickle: false }) as { reqId: string };
    };
    const poll = async (reqId: string) =>
      waitFor(async () => {
        const response = await fetch(`${stack.apiUrl}/cuopt/solution/${reqId}`, { headers: { accept: 'application/vnd.msgpack' } });
        const answer = decodeRequestBody(Buffer.from(await response.arrayBuffer()), 'msgpack', { allowPickle: false }) as Record<string, unknown>;
        return 'response' in answer ? answer : undefined;
      }, { what: `request ${reqId} to be solved`, timeoutMs: 60_000 });
    // An MPS problem the client parsed itself and sent as numpy arrays (with IEEE infinities as bounds).
    const mps = await poll((await post(fixture('mps-numpy.msgpack'))).reqId);
    expect(mps).toMatchObject({ response: { solver_response: { status: 'Optimal' } } });
    // Two .json files, sent as a list of [content type, bytes]: a gpuq batch, answered as one.
    const batch = await poll((await post(fixture('batch-files.msgpack'))).reqId);
    expect((batch.response as { solver_response: Array<{ status: string }> }).solver_response.map((r) => r.status)).toEqual(['Optimal', 'Optimal']);
  });

  it('hands out a MILP’s incumbents each once, then the end marker; and the solver’s log by byte offset', async () => {
    const milp = { ...marketSplitMilp(3), solver_config: { time_limit: 3 } };
    const { reqId } = (await cuopt<{ reqId: string }>('POST', '/cuopt/request?incumbent_solutions=true&solver_logs=true', milp)).body;
    const seen: Array<{ solution: number[]; cost: number | null }> = [];
    await waitFor(
      async () => {
        const batch = (await cuopt<Array<{ solution: number[]; cost: number | null }>>('GET', `/cuopt/solution/${reqId}/incumbents`)).body;
        seen.push(...batch);
        return batch.some((i) => i.solution.length === 0 && i.cost === null);
      },
      { what: 'the end marker of the incumbents', timeoutMs: 60_000, intervalMs: 200 },
    );
    const incumbents = seen.filter((i) => i.solution.length > 0);
    expect(incumbents.length).toBeGreaterThan(0);
    expect(incumbents[0]).toMatchObject({ solution: expect.any(Array), cost: expect.any(Number) });
    const answer = await solved(reqId);
    expect(answer).toMatchObject({ response: { solver_response: { status: expect.stringMatching(/FeasibleFound|Optimal|TimeLimit/) } } });
    const log = await cuopt<{ log: string[]; nbytes: number }>('GET', `/cuopt/log/${reqId}?frombyte=0`);
    expect(log.status).toBe(200);
    expect(log.body.log.length).toBeGreaterThan(0);
    const rest = await cuopt<{ log: string[]; nbytes: number }>('GET', `/cuopt/log/${reqId}?frombyte=${log.body.nbytes}`);
    expect(rest.body).toEqual({ log: [], nbytes: log.body.nbytes });
  });
});
