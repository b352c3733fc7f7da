// `npm start` with its ports moved: each variable moves a server and what sends it work (the config
// start.mjs writes), the instance keeps its data in its own directory, and a port already taken
// stops the start with one line that names the port, who wants it and the variable to set.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@gpuq/testkit';
import type { JobView } from '@gpuq/shared';
import { CONTRACTS_LP } from './fixtures/problems.js';
import { freeStartPorts, NpmStart, type StartPorts } from './helpers/npm-start.js';


/** The JSON log lines of one app in npm start's output. */
const logsOf = (stdout: string, app: string) =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { name?: string; msg?: string; port?: number; cuoptReqId?: string })
    .filter((line) => line.name === app);

describe('npm start with every port moved', () => {
  let ports: StartPorts;
  let gpuq: NpmStart;
  let api: string;

  // An image no machine has: fold jobs are not served, and the 422 says how to get one.
  const missingImage = `gpuq-test/boltz2:missing-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    ({ gpuq, ports, api } = await NpmStart.runOnFreePorts({ env: { GPUQ_FOLD_IMAGE: missingImage } }));
  });

  afterAll(async () => {
    expect(await gpuq.stop(), 'npm start exit code after Ctrl-C').toBe(0);
  });

  it('runs the API on PORT and says where every server is', () => {
    expect(api).toBe(`http://127.0.0.1:${ports.PORT}`);
    expect(gpuq.said).toContain(`redis is up on redis://127.0.0.1:${ports.GPUQ_REDIS_PORT} (AOF on; data and log in ${join(gpuq.dataDir, 'redis')})`);
    expect(gpuq.said.join('\n')).toContain(
      `solver-cpu http://127.0.0.1:${ports.SOLVER_PORT}, model-cpu http://127.0.0.1:${ports.MODEL_PORT}, scheduler metrics http://127.0.0.1:${ports.SCHEDULER_METRICS_PORT}/metrics`,
    );
  });

  it('sends a solve job to the solver-cpu on SOLVER_PORT, which the config it wrote names', async () => {
    const config = readFileSync(join(gpuq.dataDir, 'gpuq.yaml'), 'utf8');
    expect(config).toContain(`url: "http://127.0.0.1:${ports.SOLVER_PORT}"`);
    expect(config).toContain(`url: "http://127.0.0.1:${ports.MODEL_PORT}"`);
    expect(logsOf(gpuq.stdout, 'solver-cpu').find((l) => l.msg === 'solver-cpu ready')?.port).toBe(Number(ports.SOLVER_PORT));

    const submitted = await fetch(`${api}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'solve', input: CONTRACTS_LP }) });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as JobView;
    const done = await waitFor(
      async () => {
        const view = (await (await fetch(`${api}/v1/jobs/${id}`)).json()) as JobView;
        return ['succeeded', 'failed', 'cancelled'].includes(view.status) ? view : undefined;
      },
      { what: `job ${id} to finish`, timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(done.status).toBe('succeeded');
    expect(done.placement).toMatchObject({ server: 'solver-cpu' });
    // This instance's own solver-cpu took it: no other process writes to this output.
    expect(logsOf(gpuq.stdout, 'solver-cpu').filter((l) => l.msg === 'accepted a request').length).toBeGreaterThanOrEqual(1);
  });

  it('refuses fold jobs when their image is missing, saying how to build it and the stand-in (or that Docker is not running)', async () => {
    const fold = { kind: 'fold', input: { sequences: [{ protein: { id: 'A', sequence: 'MVTPEGNVSLVDESLLVG', msa: 'empty' } }] } };
    const refusal = await waitFor(
      async () => {
        const reply = await fetch(`${api}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fold) });
        // Until the scheduler has published what it serves, a fold job is accepted to wait for one.
        return reply.status === 422 ? ((await reply.json()) as { error: { code: string; message: string } }).error : undefined;
      },
      { what: 'the 422 for a fold job', timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(refusal.code).toBe('kind_not_served');
    if (!refusal.message.includes('no Docker engine answers')) {
      expect(refusal.message).toContain(`the image ${missingImage} is not on this machine`);
      expect(refusal.message).toContain('`docker build -t gpuq/boltz2:2.2.0 deploy/images/boltz2`');
      expect(refusal.message).toContain('`npm run fold:dev-image`');
    }
  });

  it("keeps its Redis data, config and artifacts in GPUQ_DATA_DIR, apart from other instances'", () => {
    expect(readdirSync(gpuq.dataDir).sort()).toEqual(expect.arrayContaining(['gpuq.yaml', 'redis']));
    expect(existsSync(join(gpuq.dataDir, 'redis', 'redis.log'))).toBe(true);
    const config = readFileSync(join(gpuq.dataDir, 'gpuq.yaml'), 'utf8');
    expect(config).toContain(`artifactsDir: ${JSON.stringify(join(gpuq.dataDir, 'artifacts'))}`);
    expect(config).toContain(`jobsDir: ${JSON.stringify(join(gpuq.dataDir, 'jobs'))}`);
  });
});

describe('npm start with a port already taken', () => {
  let holder: Server;
  let taken: number;

  beforeAll(async () => {
    // It reads what it is sent and never answers: a port taken by something that is not a server of ours.
    holder = createServer((socket) => socket.on('error', () => undefined).resume());
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    taken = (holder.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
  });

  it.each([
    ['SOLVER_PORT', 'solver-cpu'],
    ['MODEL_PORT', 'model-cpu'],
    ['SCHEDULER_METRICS_PORT', "the scheduler's /metrics"],
    ['PORT', 'the API'],
  ])('stops when %s is taken, saying so in one line and starting nothing', async (variable, who) => {
    const gpuq = NpmStart.run({ env: { ...(await freeStartPorts()), [variable]: String(taken) } });
    try {
      expect(await gpuq.exited).toBe(1);
      expect(gpuq.stderr).toBe(`[gpuq] port ${taken} is taken, and ${who} wants it: set ${variable} to a free port, or stop what listens there.\n`);
      expect(gpuq.stdout).toBe('');
      expect(readdirSync(gpuq.dataDir)).toEqual([]);
    } finally {
      await gpuq.stop();
    }
  });

  it('stops when GPUQ_REDIS_PORT is taken by something that is not Redis', async () => {
    const gpuq = NpmStart.run({ env: { ...(await freeStartPorts()), GPUQ_REDIS_PORT: String(taken) } });
    try {
      expect(await gpuq.exited).toBe(1);
      expect(gpuq.said).toEqual([`port ${taken} is taken by something that is not Redis, and Redis wants it: set GPUQ_REDIS_PORT to a free port, or REDIS_URL to a Redis you run.`]);
      expect(gpuq.stderr).not.toContain('EADDRINUSE');
    } finally {
      await gpuq.stop();
    }
  });
});
