// The typed client and the `gpuq` command line against a whole stack of real processes: the CLI
// runs as its own process (node packages/client/dist/cli/main.js) with GPUQ_URL, as a user runs it.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuqApiError, GpuqClient, type JobEvent } from '@gpuq/client';
import type { JobView } from '@gpuq/shared';
import { freePort, ROOT, waitFor } from '@gpuq/testkit';
import { CONTRACTS_LP, marketSplitMilp } from './fixtures/problems.js';
import { Stack } from './helpers/stack.js';

const CLI = join(ROOT, 'packages/client/dist/cli/main.js');
const WYNDOR_MPS = join(ROOT, 'packages/shared/test/fixtures/mps/wyndor-free.mps');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `gpuq args…` as a child process and waits for it to exit (killed after 60 s). */
function gpuq(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, GPUQ_API_KEY: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const objectiveOf = (view: JobView) => (view.result as { solver_response: { solution: { primal_objective: number } } }).solver_response.solution.primal_objective;

describe('the client and the gpuq command line', () => {
  let stack: Stack;
  let client: GpuqClient;
  let env: Record<string, string>;
  let dir: string;
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  beforeAll(async () => {
    stack = await Stack.start({
      gpus: [
        { id: 'gpu0', vramMb: 24_576, name: 'NVIDIA A10G' },
        { id: 'gpu1', vramMb: 81_920, name: 'NVIDIA A100 80GB PCIe' },
      ],
      solve: { servers: [{ name: 'solver-cpu', url: 'SOLVER_URL', slots: 2 }] },
    });
    client = new GpuqClient({ url: stack.apiUrl });
    env = { GPUQ_URL: stack.apiUrl };
    dir = mkdtempSync(join(tmpdir(), 'gpuq-cli-'));
  });
  afterAll(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('GpuqClient', () => {
    it('submits an LP and waits for it to succeed, with the objective worked out by hand', async () => {
      const submitted = await client.submit({ kind: 'solve', input: CONTRACTS_LP as never });
      expect(submitted.status).toBe('queued');
      const done = await client.wait(submitted.id, { timeoutMs: 30_000 });
      expect(done.status, stack.logs()).toBe('succeeded');
      expect(objectiveOf(done)).toBeCloseTo(-0.36, 6);
      expect(await client.result(done.id)).toEqual(done.result);
    });

    it('sees a MILP’s progress while it waits: running, then incumbents, then the end', async () => {
      const job = await client.submit({ kind: 'solve', input: marketSplitMilp(2) as never });
      const seen: JobView[] = [];
      const done = await client.wait(job.id, { onProgress: (view) => seen.push(view), timeoutMs: 30_000 });
      expect(done.status, stack.logs()).toBe('succeeded');
      expect(seen.some((v) => v.status === 'running')).toBe(true);
      const progress = seen.map((v) => v.progress as { incumbents?: number } | null).find((p) => (p?.incumbents ?? 0) > 0);
      expect(progress, JSON.stringify(seen.map((v) => [v.status, v.progress]))).toBeDefined();
      expect(seen.at(-1)!.status).toBe('succeeded');
    });

    it('streams a job’s events, ending with `end`', async () => {
      const job = await client.submit({ kind: 'solve', input: CONTRACTS_LP as never });
      const events: JobEvent[] = [];
      for await (const event of client.events(job.id)) events.push(event);
      expect(events.at(-1)).toEqual({ type: 'end', id: job.id, status: 'succeeded' });
      expect(events.filter((e) => e.type === 'job').at(-1)).toMatchObject({ job: { status: 'succeeded' } });
    });

    it('cancels a long job, which ends cancelled', async () => {
      const job = await client.submit({ kind: 'solve', input: marketSplitMilp(30) as never });
      await stack.waitForJob(job.id, ['running']);
      await client.cancel(job.id);
      const done = await client.wait(job.id, { timeoutMs: 15_000 });
      expect(done.status).toBe('cancelled');
      // Again: already cancelled is not an error.
      await expect(client.cancel(job.id)).resolves.toMatchObject({ status: 'cancelled' });
    });

    it('lists jobs page by page, and all of them through the iterator', async () => {
      const label = `run:${randomUUID().slice(0, 8)}`;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await client.submit({ kind: 'solve', input: CONTRACTS_LP as never, labels: { run: label.slice(4) } })).id);
      const first = await client.list({ labels: [label], limit: 2 });
      expect(first.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);
      expect(first.nextCursor).not.toBeNull();
      const second = await client.list({ labels: [label], limit: 2, cursor: first.nextCursor! });
      expect(second.jobs.map((j) => j.id)).toEqual([ids[0]]);
      const all: string[] = [];
      for await (const job of client.listAll({ labels: [label], limit: 1 })) all.push(job.id);
      expect(all).toEqual([...ids].reverse());
    });

    it('gets the same job for the same Idempotency-Key', async () => {
      const key = randomUUID();
      const a = await client.submit({ kind: 'solve', input: CONTRACTS_LP as never }, { idempotencyKey: key });
      const b = await client.submit({ kind: 'solve', input: CONTRACTS_LP as never }, { idempotencyKey: key });
      expect(b.id).toBe(a.id);
    });

    it('turns a 400 into a GpuqApiError naming the field', async () => {
      const error = (await client.submit({ kind: 'solve', input: CONTRACTS_LP as never, priority: 101 }).catch((err: unknown) => err)) as GpuqApiError;
      expect(error).toBeInstanceOf(GpuqApiError);
      expect(error).toMatchObject({ status: 400, code: 'validation_failed', field: 'priority' });
      await expect(client.get('solve_00000000000000000000000000')).rejects.toMatchObject({ status: 404, code: 'job_not_found' });
    });

    it('downloads a job’s artifact, and says when there is none', async () => {
      const job = await client.wait((await client.submit({ kind: 'solve', input: CONTRACTS_LP as never })).id);
      mkdirSync(join(stack.dir, 'artifacts', job.id), { recursive: true });
      writeFileSync(join(stack.dir, 'artifacts', job.id, 'notes.txt'), 'solved by hand too\n');
      const artifact = await client.artifact(job.id, 'notes.txt');
      expect(artifact).toMatchObject({ contentType: 'text/plain; charset=utf-8', sizeBytes: 19 });
      expect(await new Response(artifact.body).text()).toBe('solved by hand too\n');
      expect(new TextDecoder().decode(await client.artifactBytes(job.id, 'notes.txt'))).toBe('solved by hand too\n');
      await expect(client.artifact(job.id, 'missing.cif')).rejects.toMatchObject({ status: 404, code: 'artifact_not_found' });
    });

    it('lists the GPUs and solve servers', async () => {
      const { boxes } = await waitFor(async () => ((await client.gpus()).boxes.length > 0 ? client.gpus() : undefined), { what: 'the inventory' });
      expect(boxes[0]!.gpus.map((g) => g.name)).toEqual(['NVIDIA A10G', 'NVIDIA A100 80GB PCIe']);
      expect(boxes[0]!.solveServers.map((s) => s.name)).toEqual(['solver-cpu']);
    });
  });

  describe('gpuq', () => {
    it('solves an MPS file with --wait: exit 0, progress on stderr, the objective on stdout', async () => {
      const run = await gpuq(['solve', WYNDOR_MPS, '--wait'], env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/^submitted solve_\w+$/m);
      expect(run.stderr).toMatch(/\] solve_\w+ succeeded/);
      expect(run.stdout).toMatch(/^solve_\w+ succeeded in /);
      expect(run.stdout).toMatch(/^solver status +Optimal$/m);
      expect(run.stdout).toMatch(/^objective +36$/m);
    });

    it('prints only the id without --wait, and the same id again for the same --idempotency-key', async () => {
      const path = file('lp.json', CONTRACTS_LP);
      const a = await gpuq(['submit', 'solve', path, '--idempotency-key', 'cli-key-1', '--label', 'from=cli'], env);
      const b = await gpuq(['submit', 'solve', path, '--idempotency-key', 'cli-key-1', '--label', 'from=cli'], env);
      expect(a.code, a.stderr).toBe(0);
      expect(a.stdout).toMatch(/^solve_[0-9a-z]{26}\n$/);
      expect(b.stdout).toBe(a.stdout);
      expect((await client.get(a.stdout.trim())).labels).toEqual({ from: 'cli' });
    });

    it('takes a YAML file holding a whole request', async () => {
      const path = file('job.yaml', `kind: solve\npriority: 70\ninput:\n  format: mps\n  mps: |\n${readFileSync(WYNDOR_MPS, 'utf8').replace(/^/gm, '    ')}`);
      const run = await gpuq(['submit', 'solve', path, '--wait', '--json'], env);
      expect(run.code, run.stderr).toBe(0);
      const view = JSON.parse(run.stdout) as JobView;
      expect(view).toMatchObject({ status: 'succeeded', priority: 70 });
      expect(objectiveOf(view)).toBe(36);
    });

    it('exits 2 on bad input, naming the field and what is wrong with it', async () => {
      const bad = file('bad.mps', 'NAME bad\nROWS\n N obj\nCOLUMNS\n x obj 1 nowhere 2\nENDATA\n');
      const run = await gpuq(['solve', bad], env);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^gpuq: .* \(400 validation_failed\)\n {2}input\.mps: line 5: /);
      expect(run.stdout).toBe('');

      const priority = await gpuq(['submit', 'solve', file('lp2.json', CONTRACTS_LP), '--priority', '101'], env);
      expect(priority.code).toBe(2);
      expect(priority.stderr).toMatch(/^ {2}priority: /m);
    });

    it('prints the GPUs as a table with their names, VRAM and health, and the solve servers', async () => {
      await waitFor(async () => (await stack.inventory())?.gpus.length, { what: 'the inventory' });
      const run = await gpuq(['gpus'], env);
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout.split('\n');
      expect(lines[0]).toMatch(/^GPU +NAME +TOTAL GiB +RESERVED +USED +FREE +JOBS +HEALTH$/);
      expect(lines[1]).toMatch(/^gpu0 +NVIDIA A10G +24\.0 +\d+\.\d +\d+\.\d +\d+\.\d +\d+ +ok$/);
      expect(lines[2]).toMatch(/^gpu1 +NVIDIA A100 80GB PCIe +80\.0 /);
      expect(run.stdout).toMatch(/^solver-cpu +lp,milp +cpu +\d\/2 +ok$/m);
    });

    it('cancels a running job: exit 0, and its status then says cancelled', async () => {
      const job = await client.submit({ kind: 'solve', input: marketSplitMilp(30) as never });
      await stack.waitForJob(job.id, ['running']);
      const status = await gpuq(['status', job.id], env);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/^status +running$/m);
      expect(status.stdout).toMatch(/^placement +solver-cpu$/m);

      const cancel = await gpuq(['cancel', job.id], env);
      expect(cancel.code, cancel.stderr).toBe(0);
      expect(cancel.stdout).toContain(job.id);
      await stack.waitForJob(job.id);
      const after = await gpuq(['status', job.id], env);
      expect(after.stdout).toMatch(/^status +cancelled$/m);
      expect(after.stdout).toMatch(/^error +cancelled: /m);
    });

    it('follows a job’s events until it ends, one dated line each, and the solver’s own log', async () => {
      const job = await client.submit({ kind: 'solve', input: marketSplitMilp(2) as never });
      const run = await gpuq(['logs', job.id, '--follow'], env);
      expect(run.code, run.stderr).toBe(0);
      // Events and the worker's output interleave as they come: the dated lines are the events.
      const [, ...afterHeader] = run.stdout.split('--- worker output ---\n');
      const lines = run.stdout.trimEnd().split('\n').filter((line) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} {2}\S/.test(line));
      expect(lines[0]).toMatch(/submitted: solve, priority 50$/);
      expect(run.stdout).toMatch(/started on solver-cpu/);
      expect(lines.at(-1)).toMatch(/succeeded in /);
      expect((await client.get(job.id)).status).toBe('succeeded');
      // All of the solver's log, once, whatever the interleaving.
      const log = (await client.logs(job.id)).text;
      expect(log.length).toBeGreaterThan(0);
      expect(afterHeader.join('').replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} {2}.*\n/gm, '')).toBe(log);
      const plain = await gpuq(['logs', job.id], env);
      expect(plain.stdout.endsWith(`--- worker output ---\n${log}`)).toBe(true);
    });

    it('exits 1 with the reason when the job it waits for fails', async () => {
      const run = await gpuq(['submit', 'solve', file('long.json', marketSplitMilp(30)), '--timeout', '1', '--wait'], env);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/^gpuq: job solve_\w+ failed \(timed_out\): timed out after 1 s$/m);
    });

    it('exits 4 when --wait-timeout passes first, and the job goes on', async () => {
      const run = await gpuq(['solve', file('long2.json', marketSplitMilp(30)), '--wait', '--wait-timeout', '1'], env);
      expect(run.code, run.stderr).toBe(4);
      const id = /^submitted (\S+)$/m.exec(run.stderr)![1]!;
      expect(run.stderr).toContain(`had not ended after 1 s`);
      expect(['queued', 'running']).toContain((await client.get(id)).status);
      await client.cancel(id);
    });

    it('prints a result, and writes it to --out', async () => {
      const job = await client.wait((await client.submit({ kind: 'solve', input: CONTRACTS_LP as never })).id);
      const run = await gpuq(['result', job.id], env);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(job.result);
      const out = join(dir, 'out');
      const saved = await gpuq(['result', job.id, '--out', out], env);
      expect(saved.code, saved.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'))).toEqual(job.result);
    });

    it('lists jobs as a table', async () => {
      const job = await client.submit({ kind: 'solve', input: CONTRACTS_LP as never, labels: { list: 'me' } });
      const run = await gpuq(['list', '--label', 'list:me'], env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^ID +KIND +STATUS +SUBMITTED +RAN +PLACEMENT +DETAIL$/m);
      expect(run.stdout).toMatch(new RegExp(`^${job.id} +solve +(queued|running|succeeded) `, 'm'));
    });

    it('exits 6 for a job that does not exist', async () => {
      const run = await gpuq(['status', 'solve_00000000000000000000000000'], env);
      expect(run.code).toBe(6);
      expect(run.stderr).toMatch(/\(404 job_not_found\)/);
    });

    it('exits 5 with a clear message when the API is down', async () => {
      const url = `http://127.0.0.1:${await freePort()}`;
      const run = await gpuq(['status', 'solve_00000000000000000000000000'], { GPUQ_URL: url });
      expect(run.code).toBe(5);
      expect(run.stderr).toBe(`gpuq: cannot reach the gpuq API at ${url}: connection refused (tried 4 times)\nIs the API running there? Point --url or GPUQ_URL at it.\n`);
    });
  });
});
