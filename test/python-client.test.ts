// The Python client (clients/python) against a whole stack of real processes: its unittest suite
// runs as a child process (python3 -m unittest) with GPUQ_URL and GPUQ_API_KEY pointing at the
// stack, with API keys configured so that authentication is exercised, and model-cpu running so
// that inference jobs run. A failure shows the Python output.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '@gpuq/testkit';
import { Stack } from './helpers/stack.js';

/** The interpreter: python3 on PATH, or another one to try (GPUQ_TEST_PYTHON=python3.9). */
const PYTHON = process.env.GPUQ_TEST_PYTHON ?? 'python3';
const TESTS = join(ROOT, 'clients/python/tests');
const KEY = 'py-client-test-key-0123456789';
const OTHER_KEY = 'py-client-other-tenant-key-0123';

const probe = spawnSync(PYTHON, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
const skipReason = probe.error ? `${PYTHON} is not installed (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message})` : undefined;
if (skipReason) console.warn(`python-client tests skipped: ${skipReason}`);

interface PythonRun {
  code: number | null;
  output: string;
}

/** Runs the Python suite with `env`, stdout and stderr together in order (killed after `timeoutMs`). */
function unittest(env: Record<string, string>, timeoutMs: number): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-m', 'unittest', 'discover', '-v', '-s', TESTS], {
      cwd: ROOT,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs / 1000} s)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe.skipIf(skipReason !== undefined)(`the Python client${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      solve: { servers: [{ name: 'solver-cpu', url: 'SOLVER_URL', slots: 2 }] },
      solverThreads: 2,
      modelServer: true,
      apiEnv: { GPUQ_API_KEYS: `acme:${KEY},globex:${OTHER_KEY}` },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it(`runs on Python 3.9 or newer (here ${probe.stdout.trim()})`, () => {
    const [major, minor] = probe.stdout.trim().split('.').map(Number);
    expect(major! > 3 || (major === 3 && minor! >= 9), `clients/python needs Python >= 3.9; ${PYTHON} is ${probe.stdout.trim()}`).toBe(true);
  });

  it('passes its unittest suite against the stack: the offline tests and every server test', { timeout: 120_000 }, async () => {
    const run = await unittest(
      { GPUQ_URL: stack.apiUrl, GPUQ_API_KEY: KEY, GPUQ_TEST_OTHER_API_KEY: OTHER_KEY, GPUQ_TEST_ARTIFACTS_DIR: join(stack.dir, 'artifacts') },
      100_000,
    );
    const failure = `${PYTHON} -m unittest exited ${run.code}:\n${run.output}\n${stack.logs()}`;
    expect(run.code, failure).toBe(0);
    expect(run.output, failure).toMatch(/^OK/m);
    // Every server test ran: none was skipped for want of the stack.
    expect(run.output, failure).toMatch(/\(test_stack\.StackTest[.)].* \.\.\. ok$/m);
    expect(run.output, failure).not.toMatch(/skipped/);
  });
});
