// The CPU stages' worker threads: tasks run off the event loop, an input error is told apart from
// a crash, and a stage past its timeout loses its thread while the next task gets a fresh one.
import { afterEach, describe, expect, it } from 'vitest';
import { CpuStageError, CpuStages } from '../dist/kinds/inference/cpu-stages.js';

let stages: CpuStages | undefined;
afterEach(async () => {
  await stages?.close();
});

// Built code (dist): a worker thread runs the compiled thread file, as in the scheduler.
describe('CpuStages', () => {
  it('runs stages on worker threads, several at once', async () => {
    stages = new CpuStages(2);
    const results = await Promise.all([1, 2, 3].map((n) => stages!.run<Array<{ words: number }>>({ stage: 'preprocess', texts: ['one two three'.split(' ').slice(0, n).join(' ')] }, 5_000)));
    expect(results.map((r) => r[0]!.words)).toEqual([1, 2, 3]);
  });

  it('tells an input error from another failure', async () => {
    stages = new CpuStages(1);
    await expect(stages.run({ stage: 'preprocess', texts: ['<p></p>'] }, 5_000)).rejects.toMatchObject({ isInputError: true, isTimeout: false });
    const broken = stages.run({ stage: 'postprocess', reply: { model: 'm', version: 'v', device: 'cpu', predictions: [], inferenceMs: 1 }, prepared: [{ text: 'a', words: 1, sentences: 1 }], lowConfidenceBelow: 0.5 }, 5_000);
    await expect(broken).rejects.toEqual(new CpuStageError('the model server returned 0 predictions for 1 texts', false));
  });

  it('ends a stage at its timeout, and keeps serving with a new thread', async () => {
    stages = new CpuStages(1);
    // A million long texts take far longer than 1 ms to clean.
    const huge = Array.from({ length: 200_000 }, () => 'word '.repeat(50));
    await expect(stages.run({ stage: 'preprocess', texts: huge }, 1)).rejects.toMatchObject({ isTimeout: true, message: 'timed out after 0.001 s' });
    expect(await stages.run<unknown[]>({ stage: 'preprocess', texts: ['still here'] }, 5_000)).toEqual([{ text: 'still here', words: 2, sentences: 1 }]);
  });
});
