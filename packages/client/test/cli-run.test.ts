// The command line without an API: help, usage mistakes and their exit codes.
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run.js';
import type { CliIo } from '../src/cli/io.js';

async function run(argv: string[], env: Record<string, string> = {}) {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s), isTTY: false },
    stdin: (async function* () {})(),
    env,
    signal: new AbortController().signal,
  };
  const code = await runCli(argv, io);
  return { code, ...out };
}

describe('gpuq without an API', () => {
  it('prints its help with every command and the exit codes', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const command of ['submit', 'solve', 'status', 'logs', 'result', 'cancel', 'list', 'gpus']) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(stdout).toMatch(/^Exit codes:\n {4}0 {2}done/m);
    expect(stdout).toMatch(/^ {4}5 {2}the API cannot be reached/m);
  });

  it('prints a command’s own help', async () => {
    const { code, stdout } = await run(['solve', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: gpuq solve <model\.mps/);
    expect(stdout).toContain('--time-limit S');
  });

  it('exits 2 with the help on stderr when no command is given', async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Usage: gpuq <command>/);
  });

  it('exits 2 naming the mistake: an unknown command, a missing argument, a bad value, a bad kind', async () => {
    const cases: Array<[string[], string]> = [
      [['frobnicate'], "gpuq: unknown command 'frobnicate'; the commands are submit, solve, status, logs, result, cancel, list, gpus, drain, undrain\nRun 'gpuq --help' for usage.\n"],
      [['status'], "gpuq: missing <id>\nRun 'gpuq status --help' for usage.\n"],
      [['submit', 'solve', 'x.json', '--priority', 'high'], "gpuq: --priority must be a whole number, not 'high'\nRun 'gpuq submit --help' for usage.\n"],
      [['submit', 'render', 'x.json'], "gpuq: unknown kind 'render': expected solve, fold, inference\nRun 'gpuq submit --help' for usage.\n"],
      [['list', '--status', 'done'], "gpuq: --status must be one of queued, running, succeeded, failed, cancelled, not 'done'\nRun 'gpuq list --help' for usage.\n"],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await run(argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr).toBe(message);
    }
  });

  it('refuses a GPUQ_URL that is not a URL before sending anything', async () => {
    const { code, stderr } = await run(['gpus'], { GPUQ_URL: 'nowhere' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^gpuq: GPUQ_URL is not a URL: 'nowhere'/);
  });

  it('prints its version', async () => {
    expect(await run(['--version'])).toMatchObject({ code: 0, stdout: 'gpuq 0.1.0\n' });
  });
});
