// One tenant cannot make another's LP wait. A poison LP (coefficients no solver takes) once passed
// validation, solver-cpu failed it with HTTP 500 on every attempt, those three failures in a row
// drained the solve server for drainCooldownS, and every other tenant's job waited that long. Now
// such an LP is refused at submit, naming the field; and a job the worker fails on every attempt
// (here: a proxy that fails only that job's submits) never drains the server, so others run at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SolveServerState } from '@gpuq/shared';
import { CONTRACTS_LP } from '../fixtures/problems.js';
import { Stack } from '../helpers/stack.js';
import { FaultyProxy } from './fakes/faulty-proxy.js';
import { SETTLED, settle } from './settled-state.js';

let stack: Stack;
let proxy: FaultyProxy;

beforeAll(async () => {
  proxy = await FaultyProxy.start();
  stack = await Stack.start({
    solve: { servers: [{ name: 'shared', url: proxy.url, slots: 1, healthIntervalMs: 200 }], maxAttempts: 3, backoffMs: 200 },
    // As deployed: three failures in a row would drain the server for five minutes, past any wait below.
    scheduler: { drainAfterFailures: 3, drainCooldownS: 300 },
  });
  proxy.target = stack.solverUrl;
});

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
});

const serverState = async () =>
  (await stack.request<{ boxes: Array<{ solveServers: SolveServerState[] }> }>('GET', '/v1/gpus')).body.boxes[0]!.solveServers[0]!;

describe('one tenant cannot make another’s LP wait', () => {
  it('refuses the poison LP at submit, naming the field, so it never reaches a server', async () => {
    const poison = { ...CONTRACTS_LP, objective_data: { coefficients: [1e308, -1e308] } };
    const refused = await stack.request<{ error: { code: string; details: Array<{ path: string; message: string }> } }>('POST', '/v1/jobs', { kind: 'solve', input: poison });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'input.objective_data.coefficients[0]', message: expect.stringMatching(/^1e\+308 is at or above 1e20 in size/) }]);
    expect(proxy.find('POST', /^\/cuopt\/request/)).toHaveLength(0);
  });

  it('a job the server fails on every attempt ends with that reason and leaves the server to the others', async () => {
    // Valid, so it is queued; the proxy fails every submit of it (and only of it) as a broken worker would.
    const poisonLp = { ...CONTRACTS_LP, variable_names: ['poison_x', 'poison_y'] };
    proxy.inject({ method: 'POST', path: /^\/cuopt\/request(\?|$)/, body: /poison_x/, fault: 'http-500' });

    // Alone on the server, so its three failures come in a row with no success between them.
    const poison = await stack.submit({ kind: 'solve', input: poisonLp });
    const failed = await stack.waitForJob(poison.id, undefined, 30_000);
    expect(failed, stack.logs()).toMatchObject({ status: 'failed', attempts: { made: 3 }, error: { code: 'worker_error' } });
    expect(failed.error!.message).toMatch(/^the solver failed during submit \(HTTP 500\)/);
    expect(proxy.find('POST', /^\/cuopt\/request/).filter((e) => e.fault === 'http-500')).toHaveLength(3);

    // Three failures in a row, all of one job: the server is not drained, and another tenant's LP starts at once.
    expect((await serverState()).unavailableReason).toBeNull();
    const other = await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id, undefined, 20_000);
    expect(other.status, stack.logs()).toBe('succeeded');
    expect(other.startedAt! - other.createdAt).toBeLessThan(5_000);
    proxy.heal();
    expect(await settle(stack, stack.scheduler), stack.logs()).toEqual(SETTLED);
  });
});
