// The process executor end to end, and what it makes observable: each job's own GPU memory
// (attributed by pid through nvidia-smi), the overrun of a job that used more than it reserved,
// and the VRAM estimate a kind learns from its jobs' peaks.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTRACTS_LP } from './fixtures/problems.js';
import { isProcessAlive, ROOT, waitFor } from '@gpuq/testkit';
import { Stack } from './helpers/stack.js';

const UUID = 'GPU-0b0c0d0e-0000-4000-8000-000000000002';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

let appsDir = '';

function fakeGpuBox(useMb: number, durationMs: number, overrides: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gpuq-proc-'));
  appsDir = mkdtempSync(join(dir, 'apps-'));
  const stateFile = join(dir, 'smi.json');
  writeFileSync(stateFile, JSON.stringify({ gpus: [{ index: 0, uuid: UUID, name: 'Fake L4', totalMb: 24_000, usedMb: 0 }], appsDir }));
  return Stack.start({
    gpus: [{ id: 'gpu0', vramMb: 24_000, uuid: UUID }],
    scheduler: { gpuMonitor: { command: join(ROOT, 'test/fakes/nvidia-smi.mjs'), intervalMs: 100 }, vramEstimates: { minSamples: 3, percentile: 100, margin: 0 } },
    schedulerEnv: { FAKE_NVIDIA_SMI_STATE: stateFile },
    solve: {
      defaultVramMb: 2_000,
      executor: {
        type: 'process',
        command: [process.execPath, join(ROOT, 'test/fakes/gpu-job.mjs')],
        env: { FAKE_APPS_DIR: appsDir, FAKE_USE_MB: String(useMb), FAKE_DURATION_MS: String(durationMs) },
      },
      ...overrides,
    },
  });
}

describe('the process executor', () => {
  it('runs the configured program on the job’s GPU, with the input on stdin and the result from stdout', async () => {
    stack = await fakeGpuBox(1_000, 300);
    const done = await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id);
    expect(done.status, stack.logs()).toBe('succeeded');
    expect(done.result).toEqual({ ok: true, inputBytes: JSON.stringify({ ...CONTRACTS_LP }).length, gpu: 'gpu0' });
    expect(done.progress).toEqual({ phase: 'running' });
  });

  it('learns a kind’s VRAM from its jobs’ peaks, and reports the ones that used more than they reserved', async () => {
    // Every job uses 3000 MiB; the kind's default is 2000. Each runs long enough for several
    // polls of nvidia-smi (a fake one, itself a process), even on a loaded machine.
    stack = await fakeGpuBox(3_000, 2_000);
    for (let i = 0; i < 3; i++) {
      const done = await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id);
      expect(done.placement, stack.logs()).toEqual({ gpu: 'gpu0', vramMb: 2_000, box: stack.boxId });
    }
    const overruns = stack.scheduler.lines.filter((l) => l.msg === 'the job used more VRAM than it reserved');
    expect(overruns).toHaveLength(3);
    expect(overruns[0]).toMatchObject({ peakMb: 3_000, reservedMb: 2_000, estimate: 'estimated' });
    // Three samples, each 1.5 × the estimate: the next job reserves 3000.
    const learned = await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id);
    expect(learned.placement).toEqual({ gpu: 'gpu0', vramMb: 3_000, box: stack.boxId });
    expect(stack.scheduler.lines.find((l) => l.jobId === learned.id && l.msg === 'dispatched')).toMatchObject({ estimate: 'learned' });
  });

  it('fails a job the program says is invalid (exit 65) without retrying', async () => {
    stack = await fakeGpuBox(100, 10, {
      maxAttempts: 2,
      backoffMs: 50,
      executor: { type: 'process', command: [process.execPath, '-e', 'process.stderr.write("row 3 is empty"); process.exit(Number(process.env.CODE))'], env: { CODE: '65' } },
    });
    const invalid = await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id);
    expect(invalid).toMatchObject({ status: 'failed', attempts: { made: 1 }, error: { code: 'invalid_input', message: 'the program rejected the input: row 3 is empty' } });
  });

  it("keeps the program's stderr as the job's log, readable while it runs and after", async () => {
    const program = "let n = 0; const t = setInterval(() => { process.stderr.write(`step ${++n}\\n`); if (n === 30) { clearInterval(t); process.stdout.write('{}\\n'); } }, 50);";
    stack = await fakeGpuBox(100, 10, { executor: { type: 'process', command: [process.execPath, '-e', program] } });
    const job = await stack.submit({ kind: 'solve', input: CONTRACTS_LP });
    const logOf = async (offset = 0) => {
      const response = await fetch(`${stack!.apiUrl}/v1/jobs/${job.id}/logs?offset=${offset}`);
      return { text: await response.text(), next: Number(response.headers.get('gpuq-log-offset')) };
    };
    const early = await waitFor(async () => {
      const read = await logOf();
      return read.text.startsWith('step 1\n') ? read : undefined;
    }, { what: 'the first log line while the job runs' });
    // Followed to its end: what the stream sends after the first read completes the log.
    const rest = await (await fetch(`${stack.apiUrl}/v1/jobs/${job.id}/logs?offset=${early.next}&follow=true`)).text();
    expect((await stack.job(job.id)).status, stack.logs()).toBe('succeeded');
    const lines = Array.from({ length: 30 }, (_, i) => `step ${i + 1}\n`).join('');
    expect(early.text + rest).toBe(lines);
    expect(await logOf()).toEqual({ text: lines, next: Buffer.byteLength(lines) });
  });

  it('stops the program at the timeout', async () => {
    stack = await fakeGpuBox(100, 60_000);
    const done = await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP, timeoutSeconds: 1 })).id);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'timed_out' } });
    // The program announced itself and never got to clean up: its pid must be gone.
    const [pid] = readdirSync(appsDir).map(Number);
    expect(pid).toBeGreaterThan(0);
    await waitFor(() => !isProcessAlive(pid!), { what: `process ${pid} to be gone`, timeoutMs: 10_000 });
  });
});
