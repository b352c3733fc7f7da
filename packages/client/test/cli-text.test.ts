import { describe, expect, it } from 'vitest';
import { gpuTables } from '../src/cli/commands/gpus.js';
import { EventPrinter } from '../src/cli/commands/logs.js';
import { formatTime } from '../src/cli/format.js';
import { describeView, progressText, timelineOf } from '../src/cli/job-text.js';
import { ProgressReporter } from '../src/cli/progress.js';
import { formatSummary, summarizeResult } from '../src/cli/result-summary.js';
import { GpusView } from '../src/schemas.js';
import { jobView } from './job-view.js';

const T0 = 1_700_000_000_000;
const running = jobView({
  status: 'running',
  pendingReason: null,
  queuePosition: null,
  startedAt: T0 + 500,
  attempts: { made: 1, max: 3 },
  placement: { gpu: 'gpu0', vramMb: 2_048 },
});
const failed = jobView({ ...running, status: 'failed', finishedAt: T0 + 1_500, error: { code: 'timed_out', message: 'timed out after 1 s' } });

function recorder(isTTY = false) {
  const out = { text: '', isTTY, columns: 60, write: (s: string) => (out.text += s) };
  return out;
}

describe('a job in words', () => {
  it('says what a queued, running, failed and succeeded job is doing', () => {
    expect(describeView(jobView({ pendingReason: 'needs 40960 MiB; largest free is 22528 MiB on gpu1; 3 jobs ahead' }))).toBe(
      'queued: needs 40960 MiB; largest free is 22528 MiB on gpu1; 3 jobs ahead',
    );
    expect(describeView({ ...running, progress: { incumbents: 4, bestObjective: 112, bound: 108.5, gap: 0.03125 } })).toBe(
      'running on gpu0 (2.0 GiB): best objective 112, bound 108.5, gap 3.125%, 4 incumbents',
    );
    expect(describeView({ ...running, placement: { gpu: null, vramMb: 0, server: 'solver-cpu' }, attempts: { made: 2, max: 3 } })).toBe('running on solver-cpu, attempt 2 of 3');
    expect(describeView(failed)).toBe('failed (timed_out): timed out after 1 s');
    expect(describeView({ ...running, status: 'succeeded', finishedAt: T0 + 2_000 })).toBe('succeeded in 1.5 s');
  });

  it('shows progress it does not know as its fields', () => {
    expect(progressText({ phase: 'running', step: 3 })).toBe('phase running, step 3');
    expect(progressText(null)).toBeUndefined();
  });

  it('puts what happened in the order it happened', () => {
    const cancelled = jobView({ ...running, status: 'cancelled', cancelRequestedAt: T0 + 900, finishedAt: T0 + 1_000, error: { code: 'cancelled', message: 'cancelled on request' } });
    expect(timelineOf(cancelled)).toEqual([
      { at: T0, text: 'submitted: solve, priority 50' },
      { at: T0 + 500, text: 'started on gpu0 (2.0 GiB) (attempt 1 of 3)' },
      { at: T0 + 900, text: 'cancel requested' },
      { at: T0 + 1_000, text: 'cancelled' },
    ]);
  });
});

describe('ProgressReporter', () => {
  it('writes one line per change when stderr is not a terminal, and nothing for a repeat', () => {
    const out = recorder(false);
    let now = T0;
    const progress = new ProgressReporter(out, () => now);
    progress.update(jobView());
    progress.update(jobView());
    now += 1_200;
    progress.update(running);
    progress.update(failed);
    progress.finish();
    expect(out.text.split('\n')).toEqual([
      `[  0 ms] ${running.id} queued: waiting in the queue for the scheduler`,
      `[ 1.2 s] ${running.id} running on gpu0 (2.0 GiB)`,
      `[ 1.2 s] ${running.id} failed (timed_out): timed out after 1 s`,
      '',
    ]);
  });

  it('rewrites one line on a terminal, starting a new one when the status changes, cut to the width', () => {
    const out = recorder(true);
    const progress = new ProgressReporter(out, () => T0);
    progress.update(running);
    progress.update({ ...running, progress: { incumbents: 1, bestObjective: 5, bound: null, gap: null } });
    progress.update(failed);
    progress.finish();
    const clear = '\r\x1b[2K';
    expect(out.text.startsWith(clear)).toBe(true);
    expect(out.text.split(clear)).toHaveLength(3);
    expect(out.text.endsWith('\n')).toBe(true);
    for (const line of out.text.replaceAll(clear, '\n').split('\n')) expect(line.length).toBeLessThanOrEqual(59);
    expect(out.text).toContain('\n[  0 ms] solve_01m8');
  });
});

describe('EventPrinter', () => {
  it('prints each event once, dated, and the state now only when it changes', () => {
    const out = recorder();
    const printer = new EventPrinter(out, () => T0 + 100);
    printer.show(jobView());
    printer.show(jobView());
    printer.show(running);
    printer.show(failed);
    expect(out.text.split('\n')).toEqual([
      `${formatTime(T0)}  submitted: solve, priority 50`,
      `${formatTime(T0 + 100)}  queued: waiting in the queue for the scheduler`,
      `${formatTime(T0 + 500)}  started on gpu0 (2.0 GiB) (attempt 1 of 3)`,
      `${formatTime(T0 + 100)}  running on gpu0 (2.0 GiB)`,
      `${formatTime(T0 + 1_500)}  failed (timed_out): timed out after 1 s`,
      '',
    ]);
  });
});

describe('result summaries', () => {
  it('gives a solve’s status, objective and solve time', () => {
    const view = jobView({ ...running, status: 'succeeded', finishedAt: T0 + 900, result: { solver_response: { status: 'Optimal', solution: { primal_objective: -0.36000000000000004, milp_statistics: {} } }, total_solve_time: 0.05 } });
    expect(formatSummary(summarizeResult(view))).toBe('solver status  Optimal\nobjective      -0.36\nsolve time     50 ms\n');
  });

  it('gives a VRP’s feasibility and cost, and a fold’s scores and files', () => {
    const vrp = jobView({ status: 'succeeded', pendingReason: null, result: { solver_response: { status: 0, num_vehicles: 1, solution_cost: 2 } } });
    expect(summarizeResult(vrp)).toEqual([['solver status', 'feasible'], ['cost', '2'], ['vehicles', '1']]);
    const fold = jobView({
      kind: 'fold',
      status: 'succeeded',
      pendingReason: null,
      result: { tokens: 412, confidence: { confidence_score: 0.8123, ptm: 0.9 }, artifacts: [{ name: 'input_model_0.cif', bytes: 204_800 }] },
    });
    expect(summarizeResult(fold)).toEqual([['tokens', '412'], ['confidence_score', '0.8123'], ['ptm', '0.9'], ['artifact', 'input_model_0.cif (200.0 KiB)']]);
  });
});

describe('gpuTables', () => {
  it('lists each GPU with its VRAM in GiB and health, then the solve servers', () => {
    const gpu = { isSimulated: true, headroomMb: 0, usableMb: 24_576, utilizationPercent: null, temperatureC: null };
    const view = GpusView.parse({
      boxes: [
        {
          boxId: 'box1',
          schedulerId: 's1',
          updatedAt: T0,
          kinds: ['solve'],
          gpus: [
            { ...gpu, id: 'gpu0', name: 'NVIDIA A10G', totalMb: 24_576, notOursMb: 512, usedByUsMb: 1_536, reservedMb: 2_048, freeMb: 22_528, jobs: 1, drainedReason: null },
            { ...gpu, id: 'gpu1', totalMb: 81_920, notOursMb: 0, usedByUsMb: 0, reservedMb: 0, freeMb: 81_920, jobs: 0, drainedReason: '3 failures in a row' },
          ],
          solveServers: [{ name: 'solver-cpu', url: 'http://127.0.0.1:5000', gpus: [], problems: ['lp', 'milp'], slots: 2, running: 1, unavailableReason: null }],
        },
      ],
    });
    expect(gpuTables(view)).toBe(
      [
        'GPU   NAME         TOTAL GiB  RESERVED  USED  FREE  JOBS  HEALTH',
        'gpu0  NVIDIA A10G       24.0       2.0   2.0  22.0     1  ok',
        'gpu1  simulated         80.0       0.0   0.0  80.0     0  drained: 3 failures in a row',
        '',
        'solve servers',
        'SERVER      PROBLEMS  GPUS  RUNNING  STATE',
        'solver-cpu  lp,milp   cpu       1/2  ok',
        '',
      ].join('\n'),
    );
  });

  it('says why there is nothing to show', () => {
    expect(gpuTables({ boxes: [] })).toMatch(/^no GPUs: no scheduler is running/);
  });
});
