// The README's quick start and its `gpuq` commands, run as written, on the built tree: `npm start`
// (through npm, with --no-build: the test run has built it) until it says "gpuq is up", each curl
// of the quick start (its 202, then the job succeeding), and each `gpuq …` line of "The client and
// the `gpuq` command" through `npx`. Only the port (free, not 8080), ids and file paths are put in.
// A fresh clone's `npm install` is not run here (minutes, and the registry); the committed bin
// shim (packages/client/bin/gpuq.mjs) is what makes `npx gpuq` work right after it.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, waitFor } from '@gpuq/testkit';
import type { JobView } from '@gpuq/shared';
import { CONTRACTS_LP, marketSplitMilp } from './fixtures/problems.js';
import { NpmStart } from './helpers/npm-start.js';

const run = promisify(execFile);
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const hasCurl = await run('curl', ['--version']).then(
  () => true,
  () => false,
);

/** The fenced `sh` blocks of the README section with this heading. */
function shBlocks(heading: string): string[] {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section "## ${heading}"`);
  const end = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** A block's commands: comment lines dropped, a command continuing while a quote is open or a line ends in `\`. */
function commandsOf(block: string): string[] {
  const commands: string[] = [];
  let current = '';
  for (const line of block.split('\n')) {
    if (!current && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    current += (current ? '\n' : '') + line;
    if ((current.match(/'/g) ?? []).length % 2 === 0 && !line.endsWith('\\')) {
      commands.push(current);
      current = '';
    }
  }
  return commands;
}

/** Submits a solve job; its id. */
async function submit(api: string, input: unknown): Promise<string> {
  const reply = await fetch(`${api}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'solve', input }) });
  expect(reply.status).toBe(202);
  return ((await reply.json()) as JobView).id;
}

const statusOf = async (api: string, id: string) => (await (await fetch(`${api}/v1/jobs/${id}`)).json()) as JobView;
const finished = (api: string, id: string) =>
  waitFor(
    async () => {
      const view = await statusOf(api, id);
      return ['succeeded', 'failed', 'cancelled'].includes(view.status) ? view : undefined;
    },
    { what: `job ${id} to finish`, timeoutMs: 30_000, intervalMs: 100 },
  );

describe('the README quick start, as written', () => {
  let gpuq: NpmStart;
  let api: string;
  let dir: string;
  const submitted: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpuq-quick-start-'));
    ({ gpuq, api } = await NpmStart.runOnFreePorts({ viaNpm: true }));
  });

  afterAll(async () => {
    await gpuq.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A README command with this instance's API in place of localhost:8080. */
  const local = (command: string) => command.replaceAll('localhost:8080', api.replace('http://', ''));

  it('starts with `npm install && npm start`, which says "gpuq is up"', () => {
    expect(commandsOf(shBlocks('Quick start')[0]!)).toEqual(['npm install && npm start']);
    expect(gpuq.said.at(-1)).toMatch(/^gpuq is up: API http:\/\/127\.0\.0\.1:\d+ /);
  });

  it.skipIf(!hasCurl)(`answers each curl of the quick start, and its jobs succeed${hasCurl ? '' : ' (skipped: no curl here)'}`, async () => {
    const curls = shBlocks('Quick start').flatMap(commandsOf).filter((c) => c.startsWith('curl '));
    expect(curls.length, 'curl commands in the quick start').toBeGreaterThanOrEqual(3);
    for (const curl of curls) {
      if (curl.includes('-X POST')) {
        const { stdout } = await run('sh', ['-c', local(curl).replace(/^curl /, `curl -w '\\n%{http_code}' `)]);
        const [body, code] = [stdout.slice(0, stdout.lastIndexOf('\n')), stdout.slice(stdout.lastIndexOf('\n') + 1)];
        expect(code, `${curl}\n→ ${body}`).toBe('202');
        const view = JSON.parse(body) as JobView;
        submitted[view.kind] = view.id;
        expect((await finished(api, view.id)).status, `${curl}\n${gpuq.stdout.slice(-2_000)}`).toBe('succeeded');
      } else {
        // A read of a job the README submitted: its placeholder id (`solve_01m8…`) is the one just submitted.
        const command = local(curl).replace(/\b([a-z]+)_01m8…/g, (_, kind: string) => submitted[kind] ?? `${kind}_none-submitted`);
        const view = JSON.parse((await run('sh', ['-c', command])).stdout) as JobView;
        expect(view.status, command).toBe('succeeded');
      }
    }
    expect(Object.keys(submitted).sort()).toEqual(['inference', 'solve']);
  });

  it('has a `gpuq` command from the first install, which says to build when the client is not built yet', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/client/package.json'), 'utf8')) as { bin: Record<string, string> };
    // npm links a bin only if its file exists at install: a committed file, not one in dist/.
    expect(pkg.bin.gpuq).toBe('./bin/gpuq.mjs');
    const unbuilt = join(dir, 'client');
    mkdirSync(join(unbuilt, 'bin'), { recursive: true });
    copyFileSync(join(ROOT, 'packages/client/bin/gpuq.mjs'), join(unbuilt, 'bin', 'gpuq.mjs'));
    const result = await run(process.execPath, [join(unbuilt, 'bin', 'gpuq.mjs'), 'gpus']).catch((err: { code?: number; stderr?: string }) => err);
    expect('code' in result ? result.code : 0).toBe(1);
    expect(result.stderr).toBe('gpuq: the command is not built yet: run `npm run build` (or `npm start`, which builds first) in the gpuq checkout.\n');
  });

  it('runs each `gpuq` command of the README through npx', async () => {
    const lines = shBlocks('The client and the `gpuq` command')
      .flatMap(commandsOf)
      .flatMap((line) => line.split(/\s{2,}(?=gpuq\s)/))
      .map((command) => command.replace(/\s+#.*$/, '').trim())
      .filter((command) => command.startsWith('gpuq '));
    expect(lines.length, 'gpuq commands in the README').toBeGreaterThanOrEqual(8);

    copyFileSync(join(ROOT, 'packages/shared/test/fixtures/mps/wyndor-free.mps'), join(dir, 'model.mps'));
    writeFileSync(join(dir, 'texts.json'), JSON.stringify({ texts: ['A wonderful film.', 'Not good at all.'] }));
    // `<id>` is the quick start's LP (or one like it, without curl); for cancel, a MILP that runs long
    // enough, submitted just before (it holds solver-cpu's one thread).
    const done = submitted.solve ?? (await submit(api, CONTRACTS_LP));
    let long: string | undefined;

    for (const line of lines) {
      if (line.startsWith('gpuq submit fold')) continue; // fold needs its image: test/fold-docker.test.ts runs it
      if (line.startsWith('gpuq cancel')) long = await submit(api, marketSplitMilp(30));
      const args = line
        .split(/\s+/)
        .slice(1)
        .map((arg) => (arg === '<id>' ? (line.startsWith('gpuq cancel') ? long! : done) : arg))
        .map((arg) => (/\.(mps|json)$/.test(arg) || arg === './out' ? join(dir, arg) : arg));
      const result = await run('npx', ['--no', 'gpuq', ...args], { cwd: ROOT, env: { ...process.env, GPUQ_URL: api, GPUQ_API_KEY: '' }, timeout: 60_000 }).catch(
        (err: { code?: number; stdout?: string; stderr?: string }) => err,
      );
      expect(result.stderr ?? '', `npx gpuq ${args.join(' ')} (exit ${'code' in result ? result.code : 0})\n${result.stdout ?? ''}`).not.toMatch(/could not determine executable|not built yet/);
      expect('code' in result ? result.code : 0, `npx gpuq ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}`).toBe(0);
    }
    expect(long, 'a `gpuq cancel <id>` line').toBeDefined();
    expect((await finished(api, long!)).status).toBe('cancelled');
  });
});
