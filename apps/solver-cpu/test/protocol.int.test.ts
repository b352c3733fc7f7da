// solver-cpu as a real process, checked against the cuOpt server's REST contract (docs/contracts/cuopt-rest.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACTS_LP, SMALL_MILP, marketSplitMilp } from '../../../test/fixtures/problems.js';
import { decodeRequestBody } from '@gpuq/cuopt-wire';
import { AppProcess, startListening, waitFor } from '@gpuq/testkit';

let solver: AppProcess;
let base: string;

beforeAll(async () => {
  const started = await startListening(
    (port) => (solver = new AppProcess('solver-cpu', 'apps/solver-cpu/dist/server.js', { SOLVER_PORT: String(port), SOLVER_THREADS: '1' })),
    { readyMsg: 'solver-cpu ready' },
  );
  base = started.url;
});
afterAll(async () => {
  await solver?.stop();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = { 'content-type': 'application/json', 'client-version': 'custom' }) {
  // fetch sends Accept: */*, which cuOpt answers in msgpack on most routes: ask for JSON, as a JSON client must.
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { accept: 'application/json', ...(body === undefined ? {} : headers) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const submit = async (problem: unknown, query = '') => (await call('POST', `/cuopt/request${query}`, problem)).body!.reqId as string;

describe('solver-cpu speaks the cuOpt REST protocol', () => {
  it('reports health as cuOpt does', async () => {
    expect(await call('GET', '/cuopt/health')).toEqual({ status: 200, body: { status: 'RUNNING', version: '25.08' } });
  });

  it('accepts a request with its reqId, then serves the response until it is deleted', async () => {
    const submitted = await call('POST', '/cuopt/request', CONTRACTS_LP);
    expect(submitted.status).toBe(200);
    expect(Object.keys(submitted.body!)).toEqual(['reqId']);
    const reqId = submitted.body!.reqId as string;
    const done = await waitFor(async () => {
      const poll = await call('GET', `/cuopt/solution/${reqId}`);
      return poll.body?.response ? poll : undefined;
    }, { what: 'the solution' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ reqId, notes: ['Optimal'], response: { solver_response: { status: 'Optimal' } } });
    expect(done.body).not.toHaveProperty('warnings');
    expect((await call('GET', `/cuopt/request/${reqId}`)).body).toBe('completed');
    // Reading does not delete; DELETE does, and then the id is unknown.
    expect((await call('GET', `/cuopt/solution/${reqId}`)).status).toBe(200);
    expect((await call('DELETE', `/cuopt/solution/${reqId}`)).status).toBe(200);
    expect(await call('GET', `/cuopt/solution/${reqId}`)).toEqual({ status: 404, body: { error: `job ${reqId} does not exist`, error_result: false } });
  });

  it('answers a pending poll with the reqId alone while a solve runs, and stays responsive', async () => {
    const reqId = await submit(marketSplitMilp(30));
    await waitFor(async () => (await call('GET', `/cuopt/request/${reqId}`)).body === ('running' as unknown), { what: 'the solve to run' });
    expect(await call('GET', `/cuopt/solution/${reqId}`)).toEqual({ status: 200, body: { reqId } });
    expect((await call('GET', '/cuopt/health')).status).toBe(200);
    // Both answers came while the solve was still running: it runs off the event loop.
    expect((await call('GET', `/cuopt/request/${reqId}`)).body).toBe('running');
    await call('DELETE', `/cuopt/request/${reqId}`);
  });

  it('queues requests beyond its threads and aborts queued and running ones', async () => {
    const running = await submit(marketSplitMilp(20));
    const queued = await submit(CONTRACTS_LP);
    await waitFor(async () => (await call('GET', `/cuopt/request/${running}`)).body === ('running' as unknown), { what: 'the first to run' });
    expect((await call('GET', `/cuopt/request/${queued}`)).body).toBe('queued');

    expect((await call('DELETE', `/cuopt/request/${queued}`)).body).toEqual({ cached: 0, queued: 1, running: 0 });
    expect((await call('DELETE', `/cuopt/request/${running}`)).body).toEqual({ cached: 0, queued: 0, running: 1 });
    // A second abort finds nothing to do.
    expect((await call('DELETE', `/cuopt/request/${running}`)).body).toEqual({ cached: 0, queued: 0, running: 0 });

    for (const id of [queued, running]) {
      expect((await call('GET', `/cuopt/request/${id}`)).body).toBe('aborted');
      expect(await call('GET', `/cuopt/solution/${id}`)).toEqual({ status: 500, body: { error: `${id} was aborted`, error_result: true } });
    }
    // The thread is free again long before the 20 s limit: the next request is solved.
    const next = await submit(CONTRACTS_LP);
    await waitFor(async () => (await call('GET', `/cuopt/solution/${next}`)).body?.response, { what: 'the next solve', timeoutMs: 10_000 });
  });

  it('reports invalid input on the poll, as cuOpt validates after accepting', async () => {
    const semantic = await submit({ ...CONTRACTS_LP, variable_types: ['I'] });
    const schema = await submit({ ...CONTRACTS_LP, maximize: 'sometimes' });
    const notJson = (await call('POST', '/cuopt/request', '{"csr_constraint_matrix": [')).body!.reqId as string;
    const poll = (id: string) => waitFor(async () => {
      const r = await call('GET', `/cuopt/solution/${id}`);
      return r.status !== 200 ? r : undefined;
    }, { what: `request ${id} to fail` });
    expect(await poll(semantic)).toEqual({ status: 400, body: { error: 'variable_types: has 1 entries; the problem has 2 variables', error_result: true } });
    expect(await poll(schema)).toMatchObject({ status: 422, body: { error: expect.stringMatching(/^unable to validate optimization data stream, maximize:/), error_result: true } });
    expect(await poll(notJson)).toMatchObject({ status: 422, body: { error: expect.stringMatching(/^unable to load optimization data stream/) } });
  });

  it('refuses what cuOpt refuses at submit: other content types and an empty body', async () => {
    expect(await call('POST', '/cuopt/request', CONTRACTS_LP, { 'content-type': 'application/json; charset=utf-8' })).toEqual({
      status: 415,
      body: {
        error:
          "Unsupported Content-Type value application/json; charset=utf-8, supported values are ['application/json', 'application/vnd.msgpack', 'application/zlib', 'application/octet-stream']",
        error_result: false,
      },
    });
    expect(await call('POST', '/cuopt/request', '', { 'content-type': 'application/json' })).toEqual({
      status: 422,
      body: { error: 'Data length is zero and reqId not set', error_result: false },
    });
  });

  it('answers 404 for unknown ids on every route', async () => {
    for (const [method, path] of [['GET', '/cuopt/solution/nope'], ['GET', '/cuopt/request/nope'], ['DELETE', '/cuopt/solution/nope']]) {
      expect(await call(method!, path!)).toEqual({ status: 404, body: { error: 'job nope does not exist', error_result: false } });
    }
  });

  it('warns a client that sends no version, and not one that says custom', async () => {
    const reqId = (await call('POST', '/cuopt/request', CONTRACTS_LP, { 'content-type': 'application/json' })).body!.reqId as string;
    const done = await waitFor(async () => {
      const poll = await call('GET', `/cuopt/solution/${reqId}`);
      return poll.body?.response ? poll : undefined;
    }, { what: 'the solution' });
    expect(done.body!.warnings).toEqual([expect.stringMatching(/^Client version missing/)]);
  });

  it('hands out MILP incumbents once each, then cuOpt 25.08’s end marker', async () => {
    const reqId = await submit(marketSplitMilp(0.5), '?incumbent_solutions=true');
    const seen: Array<{ cost: number }> = [];
    const sentinel = await waitFor(async () => {
      const batch = (await call('GET', `/cuopt/solution/${reqId}/incumbents`)).body as unknown as Array<{ solution: number[]; cost: number | null }>;
      if (batch.length === 1 && batch[0]!.cost === null) return batch;
      seen.push(...(batch as Array<{ cost: number }>));
      return undefined;
    }, { what: 'the incumbent sentinel', timeoutMs: 10_000 });
    expect(sentinel).toEqual([{ solution: [], cost: null }]);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((i) => typeof i.cost === 'number')).toBe(true);
    // Once finished, every later read is the sentinel again.
    expect((await call('GET', `/cuopt/solution/${reqId}/incumbents`)).body).toEqual(sentinel);
  });

  it('solves a batch (a JSON list) into a list of responses', async () => {
    const reqId = await submit([CONTRACTS_LP, SMALL_MILP]);
    const done = await waitFor(async () => (await call('GET', `/cuopt/solution/${reqId}`)).body?.response as { solver_response: unknown[] } | undefined, { what: 'the batch' });
    expect(done.solver_response).toMatchObject([{ status: 'Optimal' }, { status: 'Optimal' }]);
  });

  it('keeps the solver log of a solver_logs request: 404 until written, read from a byte offset, deleted on request', async () => {
    const reqId = await submit(SMALL_MILP, '?solver_logs=true');
    await waitFor(async () => (await call('GET', `/cuopt/solution/${reqId}`)).body?.response, { what: 'the solve' });
    const whole = (await call('GET', `/cuopt/log/${reqId}?frombyte=0`)).body as { log: string[]; nbytes: number };
    expect(whole.log.join('\n')).toMatch(/Solving report/);
    const tail = (await call('GET', `/cuopt/log/${reqId}?frombyte=${whole.nbytes}`)).body;
    expect(tail).toEqual({ log: [''], nbytes: whole.nbytes });
    expect(await call('DELETE', `/cuopt/log/${reqId}`)).toEqual({ status: 200, body: null });
    expect(await call('GET', `/cuopt/log/${reqId}`)).toEqual({ status: 404, body: { error: `log not found for request ${reqId}` } });
  });

  it('answers a wildcard Accept on the status route in msgpack, an unknown id included', async () => {
    const reply = await fetch(`${base}/cuopt/request/nope`, { headers: { accept: '*/*' } });
    expect(reply.status).toBe(404);
    expect(reply.headers.get('content-type')).toBe('application/vnd.msgpack');
    expect(decodeRequestBody(Buffer.from(await reply.arrayBuffer()), 'msgpack', { allowPickle: false })).toEqual({ error: 'job nope does not exist', error_result: false });
  });

  it('caches a body with cache=true, solves it by reqId, and drops it with DELETE ?cached=true', async () => {
    const cacheId = await submit(CONTRACTS_LP, '?cache=true');
    const reqId = (await call('POST', `/cuopt/request?reqId=${cacheId}`, '')).body!.reqId as string;
    const done = await waitFor(async () => (await call('GET', `/cuopt/solution/${reqId}`)).body?.response, { what: 'the cached solve' });
    expect(done).toMatchObject({ solver_response: { status: 'Optimal' } });
    expect((await call('DELETE', `/cuopt/request/${cacheId}?cached=true`)).body).toEqual({ queued: 0, running: 0, cached: 1 });
    expect(await call('POST', `/cuopt/request?reqId=${cacheId}`, '')).toEqual({
      status: 422,
      body: { error: `Requtest id '${cacheId}' does not exist`, error_result: false },
    });
  });
});
