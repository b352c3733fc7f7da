// Several boxes on one Redis, each its own scheduler process with its own GPUs, sharing the queues:
// every job runs on a box that can run it, none is lost or failed for a box it did not fit, none
// runs twice at the same time (each run of the stand-in job leaves start/end marks), a box that
// joins takes work, one that dies has its jobs come back, one an admin drains takes nothing new.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GpusView, JobView } from '@gpuq/shared';
import { ROOT, waitFor } from '@gpuq/testkit';
import { CONTRACTS_LP } from './fixtures/problems.js';
import { Stack } from './helpers/stack.js';

const GIB = 1024;
const BOX_A_GPUS = [
  { id: 'gpu0', vramMb: 24 * GIB },
  { id: 'gpu1', vramMb: 24 * GIB },
];
const BOX_B_GPUS = [{ id: 'gpu0', vramMb: 80 * GIB }];

interface Mark {
  event: 'start' | 'end';
  at: number;
  box: string;
  gpu: string;
  vramMb: number;
  attempt: number;
  pid: number;
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** The executor every box runs: the marked stand-in job, told which box it is on. */
const markedExecutor = (markDir: string, box: string, durationMs: number) => ({
  type: 'process',
  command: [process.execPath, join(ROOT, 'test/fakes/marked-job.mjs')],
  env: { MARK_DIR: markDir, MARK_BOX: box, MARK_DURATION_MS: String(durationMs) },
  killGraceMs: 200,
});

/** box-a (2 × 24 GiB) as the stack's own scheduler, box-b (1 × 80 GiB) beside it. */
async function twoBoxes(durationMs: number, scheduler: Record<string, unknown> = {}) {
  const markDir = mkdtempSync(join(tmpdir(), 'gpuq-marks-'));
  const started = await Stack.start({
    gpus: BOX_A_GPUS,
    scheduler: { boxId: 'box-a', leaseTtlMs: 1_500, lockDurationMs: 3_000, claimPollMs: 200, ...scheduler },
    solve: { defaultVramMb: 4 * GIB, maxAttempts: 3, backoffMs: 100, executor: markedExecutor(markDir, 'box-a', durationMs) },
  });
  const boxB = (config: Record<string, unknown>) => {
    const kinds = config.kinds as { solve: Record<string, unknown> };
    return { ...config, kinds: { ...kinds, solve: { ...kinds.solve, executor: markedExecutor(markDir, 'box-b', durationMs) } } };
  };
  const startBoxB = () => started.startBox('box-b', BOX_B_GPUS, boxB);
  await startBoxB().waitForLog((l) => l.msg === 'scheduler started', 'box-b to start', 30_000);
  await waitFor(async () => (await gpus(started)).boxes.length === 2, { what: 'both boxes to publish their GPUs' });
  return { stack: started, markDir, startBoxB };
}

const gpus = async (s: Stack) => (await s.request<GpusView>('GET', '/v1/gpus')).body;

function marksOf(markDir: string): Map<string, Mark[]> {
  return new Map(readdirSync(markDir).map((id) => [id, readFileSync(join(markDir, id), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Mark)]));
}

/** Every run of a job as an interval; a run killed before its end mark lasts until the next run's start, at least. */
function expectNoRunTwiceAtOnce(markDir: string): void {
  for (const [id, marks] of marksOf(markDir)) {
    const runs = new Map<number, { box: string; start: number; end: number }>();
    for (const mark of marks) {
      const run = runs.get(mark.pid) ?? { box: mark.box, start: Infinity, end: Infinity };
      if (mark.event === 'start') run.start = mark.at;
      else run.end = mark.at;
      runs.set(mark.pid, run);
    }
    const ordered = [...runs.values()].sort((a, b) => a.start - b.start);
    for (let i = 1; i < ordered.length; i++) {
      // A run with no end mark was killed (its scheduler stopped it): it ended before the next began, or it overlapped.
      const previous = ordered[i - 1]!;
      if (previous.end !== Infinity) expect(previous.end, `job ${id} ran twice at once: ${JSON.stringify(ordered)}`).toBeLessThanOrEqual(ordered[i]!.start);
    }
  }
}

async function submitMix(s: Stack, count: number, bigEvery: number): Promise<Array<{ view: JobView; isBig: boolean }>> {
  const jobs: Array<{ view: JobView; isBig: boolean }> = [];
  for (let i = 0; i < count; i++) {
    const isBig = i % bigEvery === 0;
    // 40 GiB fits only box-b; the rest, 6 to 20 GiB, fit either.
    const vramMb = isBig ? 40 * GIB : (6 + ((i * 7) % 15)) * GIB;
    jobs.push({ view: await s.submit({ kind: 'solve', input: CONTRACTS_LP, resources: { vramMb } }), isBig });
  }
  return jobs;
}

async function expectAllRanWhereTheyFit(s: Stack, markDir: string, jobs: Array<{ view: JobView; isBig: boolean }>): Promise<void> {
  const done = await Promise.all(jobs.map(async ({ view }) => s.waitForJob(view.id, undefined, 90_000)));
  const failed = done.filter((d) => d.status !== 'succeeded');
  expect(failed.map((d) => [d.id, d.status, d.error]), s.logs()).toEqual([]);
  const marks = marksOf(markDir);
  for (const { view, isBig } of jobs) {
    const runs = marks.get(view.id) ?? [];
    expect(runs.length, `job ${view.id} left no marks`).toBeGreaterThan(0);
    if (isBig) expect(runs.every((m) => m.box === 'box-b'), `40 GiB job ${view.id} ran on ${JSON.stringify(runs)}`).toBe(true);
  }
  expect(new Set(done.map((d) => d.placement?.box))).toEqual(new Set(['box-a', 'box-b']));
  expectNoRunTwiceAtOnce(markDir);
}

describe('many boxes, one queue', () => {
  it('runs every job on a box that can run it: 120 jobs, 20 of them 40 GiB (only box-b), box-a killed with -9 and restarted', async () => {
    const boxes = await twoBoxes(150);
    stack = boxes.stack;
    const jobs = await submitMix(stack, 120, 6);
    // Mid-run, box-a's scheduler dies; its jobs come back to it (re-attached or run again), never to run twice at once.
    await waitFor(async () => marksOf(boxes.markDir).size >= 30, { what: 'a quarter of the jobs to have started', timeoutMs: 60_000 });
    await stack.scheduler.kill();
    stack.scheduler = stack.startScheduler();
    await expectAllRanWhereTheyFit(stack, boxes.markDir, jobs);
  });

  it('kill -9 of box-b’s scheduler while box-a runs jobs: nothing of box-a is adopted or re-run, box-b’s jobs come back to it', async () => {
    const boxes = await twoBoxes(150);
    stack = boxes.stack;
    const jobs = await submitMix(stack, 120, 6);
    await waitFor(async () => marksOf(boxes.markDir).size >= 30, { what: 'a quarter of the jobs to have started', timeoutMs: 60_000 });
    await stack.boxes.get('box-b')!.kill();
    boxes.startBoxB();
    await expectAllRanWhereTheyFit(stack, boxes.markDir, jobs);
    // box-a never ran a job twice: each of its jobs has one run.
    for (const [id, marks] of marksOf(boxes.markDir)) {
      if (marks.every((m) => m.box === 'box-a')) expect(new Set(marks.map((m) => m.pid)).size, `box-a ran ${id} more than once`).toBe(1);
    }
  });

  it('a box that joins mid-run takes work from the shared queue', async () => {
    const markDir = mkdtempSync(join(tmpdir(), 'gpuq-marks-'));
    stack = await Stack.start({
      gpus: BOX_A_GPUS,
      scheduler: { boxId: 'box-a', claimPollMs: 200 },
      solve: { executor: markedExecutor(markDir, 'box-a', 1_000) },
    });
    const jobs: JobView[] = [];
    const submit = async (n: number) => {
      for (let i = 0; i < n; i++) jobs.push(await stack!.submit({ kind: 'solve', input: CONTRACTS_LP, resources: { vramMb: 20 * GIB } }));
    };
    // Box-a runs two at a time: eight seconds of work before box-b is even started.
    await submit(16);
    const boxB = stack.startBox('box-b', BOX_B_GPUS, (config) => {
      const kinds = config.kinds as { solve: Record<string, unknown> };
      return { ...config, kinds: { ...kinds, solve: { ...kinds.solve, executor: markedExecutor(markDir, 'box-b', 1_000) } } };
    });
    await boxB.waitForLog((l) => l.msg === 'scheduler started', 'box-b to start', 30_000);
    // And more once it is up, however slowly it started on a loaded machine: box-a cannot take them all at once.
    await submit(8);
    const done = await Promise.all(jobs.map((j) => stack!.waitForJob(j.id, undefined, 60_000)));
    expect(done.every((d) => d.status === 'succeeded'), stack.logs()).toBe(true);
    expect(done.filter((d) => d.placement?.box === 'box-b').length).toBeGreaterThan(0);
    expectNoRunTwiceAtOnce(markDir);
  });

  it('a box an admin drains finishes what it runs and takes nothing new until undrained, and says so', async () => {
    const boxes = await twoBoxes(300);
    stack = boxes.stack;
    // The API is open on loopback here: its one tenant, `default`, is an admin.
    const drained = await stack.request<{ boxId: string; drainedReason: string }>('POST', '/v1/boxes/box-b/drain', { reason: 'new fans' });
    expect(drained.body).toEqual({ boxId: 'box-b', drainedReason: 'drained by default: new fans' });
    await waitFor(async () => (await gpus(stack!)).boxes.find((b) => b.boxId === 'box-b')?.drainedReason === 'drained by default: new fans', { what: 'box-b to show drained' });

    const small = await Promise.all([0, 1, 2, 3].map(() => stack!.submit({ kind: 'solve', input: CONTRACTS_LP, resources: { vramMb: 10 * GIB } })));
    const big = await stack.submit({ kind: 'solve', input: CONTRACTS_LP, resources: { vramMb: 40 * GIB } });
    const smallDone = await Promise.all(small.map((j) => stack!.waitForJob(j.id, undefined, 60_000)));
    expect(smallDone.map((d) => d.placement?.box)).toEqual(['box-a', 'box-a', 'box-a', 'box-a']);
    // Only box-b can run the 40 GiB job: it waits, saying why.
    const waiting = await waitFor(async () => {
      const view = await stack!.job(big.id);
      return view.pendingReason?.includes('drained') ? view : undefined;
    }, { what: 'the big job to say it waits for a drained box' });
    expect(waiting.status).toBe('queued');
    expect(waiting.pendingReason).toBe('needs 40960 MiB; only drained boxes have a GPU that large; drained: box-b (drained by default: new fans); 0 jobs ahead');

    expect((await stack.request('DELETE', '/v1/boxes/box-b/drain')).body).toEqual({ boxId: 'box-b', drainedReason: null });
    const done = await stack.waitForJob(big.id, undefined, 30_000);
    expect(done).toMatchObject({ status: 'succeeded', placement: { box: 'box-b', gpu: 'gpu0' } });
  });

  it('shows both boxes and box-qualified GPUs in /v1/gpus', async () => {
    const boxes = await twoBoxes(100);
    stack = boxes.stack;
    const view = await gpus(stack);
    expect(view.boxes.map((b) => [b.boxId, b.gpus.map((g) => [g.id, g.totalMb]), b.drainedReason]).sort()).toEqual([
      ['box-a', [['gpu0', 24 * GIB], ['gpu1', 24 * GIB]], null],
      ['box-b', [['gpu0', 80 * GIB]], null],
    ]);
  });
});
