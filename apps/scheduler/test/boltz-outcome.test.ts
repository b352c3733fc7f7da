// How a finished Boltz run is read: the models by the rank in their names, the affinity when it was
// asked for, and each failure named from Boltz's own lines, built here from the same table
// (boltz-contract.ts) the collector reads them through.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobFailure, type ExecutionRequest } from '../src/executors/executor.js';
import { BOLTZ_ERRORS, BOLTZ_FILES, BOLTZ_LINES, fill } from '../src/kinds/fold/boltz-contract.js';
import { foldContainer, modelsByRank, PREDICTIONS_DIR } from '../src/kinds/fold/fold-container.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const PROTEIN = { protein: { id: 'A', sequence: 'A'.repeat(1_850), msa: 'empty' } };
const LIGAND = { ligand: { id: 'L', smiles: 'CC(=O)Oc1ccccc1C(=O)O' } };
const jobOf = (input: unknown) => ({ jobId: 'fold_1', attempt: 1, input, gpu: { id: 'gpu0', vramMb: 20_000, totalMb: 24_576 } }) as unknown as ExecutionRequest;
const job = jobOf({ sequences: [PROTEIN], options: { outputFormat: 'pdb' } });
const withAffinity = jobOf({ sequences: [PROTEIN, LIGAND], properties: [{ affinity: { binder: 'L' } }] });

const name = (file: keyof typeof BOLTZ_FILES, values: Record<string, string | number> = {}) => fill(BOLTZ_FILES[file], { id: 'input', ...values });
const line = (key: keyof typeof BOLTZ_LINES, values: Record<string, string | number> = {}) => fill(BOLTZ_LINES[key], values);

function outputDir(files: Record<string, string> = {}): string {
  dir = mkdtempSync(join(tmpdir(), 'gpuq-fold-outcome-'));
  mkdirSync(join(dir, PREDICTIONS_DIR), { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, PREDICTIONS_DIR, file), content);
  return dir;
}

/** The files of a whole structure stage: `samples` models, model <rank> scoring 0.9 − rank/100. */
function structureFiles(samples: number, extension = 'cif'): Record<string, string> {
  const files: Record<string, string> = {};
  for (let rank = 0; rank < samples; rank++) {
    files[name('model', { rank, extension })] = `data_input_model_${rank}\n`;
    files[name('confidence', { rank })] = JSON.stringify({ confidence_score: 0.9 - rank / 100, ptm: 0.8 });
    files[name('plddt', { rank })] = 'PK';
  }
  return files;
}

const failureOf = async (promise: Promise<unknown>) => {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(JobFailure);
  const { code, message, isRetryable, needsMoreVram } = err as JobFailure;
  return { code, message, isRetryable, needsMoreVram };
};

describe('the prediction', () => {
  it('success is the prediction files, in the format asked for', async () => {
    const outcome = await foldContainer.collect(
      outputDir({ ...structureFiles(1, 'pdb'), 'input_model_0.cif': 'ignored: not the format asked for' }),
      `${line('runningStructure', { count: 1 })}\n${line('failedExamples', { count: 0 })}\n`,
      0,
      job,
    );
    expect(outcome.result).toEqual({
      tokens: 1_850,
      confidence: { confidence_score: 0.9, ptm: 0.8 },
      models: [{ rank: 0, structure: 'input_model_0.pdb', confidence_score: 0.9, ptm: 0.8 }],
    });
    expect(outcome.artifacts).toContain(`${PREDICTIONS_DIR}/input_model_0.pdb`);
  });

  it('pairs each model with its confidence by the rank in the name: 12 samples, model_10 after model_9', async () => {
    const input = { sequences: [PROTEIN], options: { diffusionSamples: 12 } };
    const outcome = await foldContainer.collect(outputDir(structureFiles(12)), '', 0, jobOf(input));
    const models = (outcome.result as { models: Array<{ rank: number; structure: string; confidence_score: number }> }).models;
    expect(models.map((m) => m.rank)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(models[10]).toMatchObject({ rank: 10, structure: 'input_model_10.cif', confidence_score: 0.9 - 10 / 100 });
    expect(models[2]).toMatchObject({ rank: 2, structure: 'input_model_2.cif', confidence_score: 0.9 - 2 / 100 });
  });

  it('reads ranks as Boltz writes them (not zero-padded), and nothing else as a model', () => {
    expect(modelsByRank(['input_model_10.cif', 'input_model_2.cif', 'input_model_02.cif', 'pre_affinity_input.npz', 'input_model_x.cif', 'input_model_1.pdb'], 'cif')).toEqual([
      { rank: 2, structure: 'input_model_2.cif' },
      { rank: 10, structure: 'input_model_10.cif' },
    ]);
  });

  it('affinity asked and written: in the result, with Boltz’s pre-affinity structure among the artifacts', async () => {
    const files = { ...structureFiles(1), [name('preAffinity')]: 'PK', [name('affinity')]: JSON.stringify({ affinity_pred_value: -1.6, affinity_probability_binary: 0.7 }) };
    const outcome = await foldContainer.collect(outputDir(files), '', 0, withAffinity);
    expect(outcome.result).toMatchObject({ affinity: { affinity_pred_value: -1.6, affinity_probability_binary: 0.7 } });
    expect(outcome.artifacts).toContain(`${PREDICTIONS_DIR}/pre_affinity_input.npz`);
  });
});

describe('failures', () => {
  const affinityStage = [
    '',
    line('predictingAffinity'),
    '',
    line('checkingAffinity'),
    line('runningAffinity', { count: 1 }),
  ];

  it('out of GPU memory (Boltz exits 0): named with the tokens and the GPU size, and asks for a larger GPU', async () => {
    const logs = [line('runningStructure', { count: 1 }), line('outOfMemory'), line('failedExamples', { count: 1 })].join('\n');
    expect(await failureOf(foldContainer.collect(outputDir(), logs, 0, job))).toEqual({
      code: 'gpu_out_of_memory',
      message: 'GPU out of memory at 1,850 tokens on a 24 GiB GPU',
      isRetryable: true,
      needsMoreVram: true,
    });
  });

  it('out of GPU memory in the affinity stage (exit 0, structures written, no affinity): named so, and asks for a larger GPU', async () => {
    const logs = [line('runningStructure', { count: 1 }), line('failedExamples', { count: 0 }), ...affinityStage, line('outOfMemory'), line('failedExamples', { count: 1 })].join('\n');
    expect(await failureOf(foldContainer.collect(outputDir({ ...structureFiles(1), [name('preAffinity')]: 'PK' }), logs, 0, withAffinity))).toEqual({
      code: 'gpu_out_of_memory',
      message: 'GPU out of memory in the affinity stage at 1,863 tokens on a 24 GiB GPU',
      isRetryable: true,
      needsMoreVram: true,
    });
  });

  it('out of GPU memory in the structure stage with affinity asked (Boltz then exits 1): still out of memory', async () => {
    const missing = fill(BOLTZ_ERRORS.preAffinityMissing, { path: `/job/${PREDICTIONS_DIR}/pre_affinity_input.npz` });
    const logs = [line('runningStructure', { count: 1 }), line('outOfMemory'), line('failedExamples', { count: 1 }), ...affinityStage, 'Traceback (most recent call last):', `FileNotFoundError: ${missing}`].join('\n');
    expect(await failureOf(foldContainer.collect(outputDir(), logs, 1, withAffinity))).toMatchObject({ code: 'gpu_out_of_memory', message: 'GPU out of memory at 1,863 tokens on a 24 GiB GPU', needsMoreVram: true });
  });

  it('affinity asked but not written, for no reason Boltz names: a worker error naming the missing file, retried', async () => {
    const logs = [line('failedExamples', { count: 0 }), ...affinityStage, 'Killed'].join('\n');
    const failure = await failureOf(foldContainer.collect(outputDir(structureFiles(1)), logs, 137, withAffinity));
    expect(failure).toMatchObject({ code: 'worker_error', isRetryable: true });
    expect(failure.message).toMatch(/^affinity was asked but boltz wrote no affinity_input\.json \(exit code 137\): .*Killed$/);
  });

  it('a rejected input (Boltz exits 0): invalid input with Boltz’s reason, never retried', async () => {
    const error = fill(BOLTZ_ERRORS.ccdNotFound, { code: 'ZZZ' });
    const logs = [line('checkingInput'), line('processing', { count: 1, threads: 1 }), 'ValueError: CCD component ZZZ not found!', line('inputRejected', { path: '/job/input.yaml', error }), '\r100%|██████████| 1/1 [00:00<00:00,  2.51it/s]', 'GPU available: True (cuda), used: True'].join('\n');
    expect(await failureOf(foldContainer.collect(outputDir(), logs, 0, job))).toEqual({
      code: 'invalid_input',
      message: 'input rejected: CCD component ZZZ not found!',
      isRetryable: false,
      needsMoreVram: false,
    });
  });

  it('a SMILES RDKit cannot read: the whole multi-line message, and which field', async () => {
    const error = BOLTZ_ERRORS.smilesUnreadable.text;
    const logs = [line('inputRejected', { path: '/job/input.yaml', error }), '\r100%|██████████| 1/1 [00:00<00:00,  2.51it/s]', 'GPU available: True (cuda), used: True', 'TPU available: False, using: 0 TPU cores'].join('\n');
    const failure = await failureOf(foldContainer.collect(outputDir(), logs, 0, withAffinity));
    expect(failure).toMatchObject({ code: 'invalid_input', isRetryable: false });
    expect(failure.message).toBe(`input rejected: RDKit could not read a SMILES (sequences[1].ligand.smiles): ${error}`);
    expect(failure.message.split('\n')).toHaveLength(4);
  });

  it('the data loader failing on the input (Boltz repeats it, then exits 1): invalid input, not a crash to retry', async () => {
    const failed = line('tokenizerFailed', { id: 'input', error: "'ZZT'" });
    const logs = [line('runningStructure', { count: 1 }), failed, failed, failed, 'Traceback (most recent call last):', 'RecursionError: maximum recursion depth exceeded'].join('\n');
    expect(await failureOf(foldContainer.collect(outputDir(), logs, 1, job))).toEqual({
      code: 'invalid_input',
      message: "input rejected by Boltz's tokenizer: 'ZZT'",
      isRetryable: false,
      needsMoreVram: false,
    });
    const featurizer = ['Traceback (most recent call last):', '  File "featurizerv2.py", line 1', 'IndexError: index 120 is out of bounds', line('featurizerFailed', { id: 'input', error: 'index 120 is out of bounds\nfor axis 0 with size 50' })].join('\n');
    expect((await failureOf(foldContainer.collect(outputDir(), featurizer, 1, job))).message).toBe("input rejected by Boltz's featurizer: index 120 is out of bounds\nfor axis 0 with size 50");
  });

  it('a crash: the exit code and the last lines, retryable', async () => {
    const logs = 'Checking input data.\nTraceback (most recent call last):\nRuntimeError: CUDA error: an illegal memory access was encountered\n';
    expect(await failureOf(foldContainer.collect(outputDir(), logs, 1, job))).toEqual({
      code: 'worker_error',
      message: 'boltz exited with code 1: Checking input data. | Traceback (most recent call last): | RuntimeError: CUDA error: an illegal memory access was encountered',
      isRetryable: true,
      needsMoreVram: false,
    });
  });

  it('exit 0 with no prediction, or a part of one, is not a success', async () => {
    const noConfidence = await failureOf(foldContainer.collect(outputDir({ 'input_model_0.cif': 'data_' }), 'Number of failed examples: 0\n', 0, jobOf({ sequences: [PROTEIN] })));
    expect(noConfidence.code).toBe('worker_error');
    expect(noConfidence.message).toMatch(/^boltz wrote 0 of 1 models with their confidence/);
    const files = structureFiles(3);
    delete files[name('confidence', { rank: 1 })];
    const part = await failureOf(foldContainer.collect(outputDir(files), '', 0, jobOf({ sequences: [PROTEIN], options: { diffusionSamples: 3 } })));
    expect(part.message).toMatch(/^boltz wrote 2 of 3 models with their confidence \(exit code 0\)/);
    const nothing = await failureOf(foldContainer.collect(outputDir(), 'Number of failed examples: 0\n', 0, job));
    expect(nothing.message).toMatch(/^boltz exited 0 but wrote no prediction/);
  });
});
