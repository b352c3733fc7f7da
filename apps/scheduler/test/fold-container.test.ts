// The fold container's two ends: the files and arguments Boltz is given, and how its output
// directory and log lines are read back into a result or a failure a person can act on.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FoldInput } from '@gpuq/shared';
import { JobFailure, type ExecutionRequest } from '../src/executors/executor.js';
import { boltzArgs, foldContainer, PREDICTIONS_DIR, toBoltzFiles } from '../src/kinds/fold/fold-container.js';

const A3M = '>query\nMKTAYIAK\n>hit1\nMKTAHIAK\n';

describe('the files Boltz reads', () => {
  it('writes the YAML Boltz expects, with uploaded alignments and templates as files beside it', () => {
    const input = FoldInput.parse({
      sequences: [
        { protein: { id: ['A', 'B'], sequence: 'MKTAYIAK', msa: { a3m: A3M } } },
        { protein: { id: 'C', sequence: 'GSGS', msa: 'empty' } },
        { ligand: { id: 'L', smiles: 'CCO' } },
      ],
      constraints: [{ pocket: { binder: 'L', contacts: [['A', 3]], max_distance: 6 } }],
      templates: [{ cif: 'data_template\n', chain_id: 'A' }],
      properties: [{ affinity: { binder: 'L' } }],
    });
    const files = toBoltzFiles(input);
    expect(Object.keys(files).sort()).toEqual(['input.yaml', 'msa_A.a3m', 'template_0.cif']);
    expect(files['msa_A.a3m']).toBe(A3M);
    expect(files['template_0.cif']).toBe('data_template\n');
    expect(parse(files['input.yaml']!)).toEqual({
      version: 1,
      sequences: [
        { protein: { id: ['A', 'B'], sequence: 'MKTAYIAK', msa: '/job/msa_A.a3m' } },
        { protein: { id: 'C', sequence: 'GSGS', msa: 'empty' } },
        { ligand: { id: 'L', smiles: 'CCO' } },
      ],
      constraints: [{ pocket: { binder: 'L', contacts: [['A', 3]], max_distance: 6 } }],
      templates: [{ cif: '/job/template_0.cif', chain_id: 'A' }],
      properties: [{ affinity: { binder: 'L' } }],
    });
  });

  it('keeps a long sequence on one line', () => {
    const sequence = 'A'.repeat(2_000);
    const yaml = toBoltzFiles(FoldInput.parse({ sequences: [{ protein: { id: 'A', sequence, msa: 'empty' } }] }))['input.yaml']!;
    expect(yaml).toContain(`      sequence: ${sequence}\n`);
  });

  it('passes the options as Boltz’s flags, and the MSA server only when allowed', () => {
    const base = FoldInput.parse({ sequences: [{ protein: { id: 'A', sequence: 'MKT', msa: 'empty' } }] });
    expect(boltzArgs(base)).toEqual([
      'predict', '/job/input.yaml', '--out_dir', '/job/out', '--devices', '1', '--accelerator', 'gpu',
      '--recycling_steps', '3', '--sampling_steps', '200', '--diffusion_samples', '1', '--output_format', 'mmcif', '--override',
    ]);
    const tuned = FoldInput.parse({
      sequences: [{ protein: { id: 'A', sequence: 'MKT' } }],
      options: { seed: 7, useMsaServer: true, usePotentials: true, outputFormat: 'pdb', diffusionSamples: 5 },
    });
    const args = boltzArgs(tuned);
    expect(args).toEqual(expect.arrayContaining(['--seed', '--use_msa_server', '--use_potentials']));
    expect(args[args.indexOf('--output_format') + 1]).toBe('pdb');
    expect(args[args.indexOf('--diffusion_samples') + 1]).toBe('5');
    expect(foldContainer.prepare(tuned).needsNetwork).toBe(true);
    expect(foldContainer.prepare(base).needsNetwork).toBe(false);
  });
});

describe('reading the outcome', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const input = { sequences: [{ protein: { id: 'A', sequence: 'A'.repeat(1_850), msa: 'empty' } }], options: { outputFormat: 'pdb' } };
  const job = { jobId: 'fold_1', attempt: 1, input, gpu: { id: 'gpu0', vramMb: 20_000, totalMb: 24_576 } } as unknown as ExecutionRequest;

  function outputDir(files: Record<string, string> = {}): string {
    dir = mkdtempSync(join(tmpdir(), 'gpuq-fold-outcome-'));
    mkdirSync(join(dir, PREDICTIONS_DIR), { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, PREDICTIONS_DIR, name), content);
    return dir;
  }

  const failureOf = async (promise: Promise<unknown>) => {
    const err = await promise.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailure);
    const { code, message, isRetryable, needsMoreVram } = err as JobFailure;
    return { code, message, isRetryable, needsMoreVram };
  };

  it('success is the prediction files, in the format asked for', async () => {
    const outcome = await foldContainer.collect(
      outputDir({
        'input_model_0.pdb': 'HEADER',
        'confidence_input_model_0.json': '{"confidence_score": 0.8, "ptm": 0.7}',
        'plddt_input_model_0.npz': 'PK',
        'input_model_0.cif': 'ignored: not the format asked for',
      }),
      '',
      0,
      job,
    );
    expect(outcome.result).toEqual({
      tokens: 1_850,
      confidence: { confidence_score: 0.8, ptm: 0.7 },
      models: [{ rank: 0, structure: 'input_model_0.pdb', confidence_score: 0.8, ptm: 0.7 }],
    });
    expect(outcome.artifacts).toContain(`${PREDICTIONS_DIR}/input_model_0.pdb`);
  });

  it('out of GPU memory (Boltz exits 0): named with the tokens and the GPU size, and asks for a larger GPU', async () => {
    const logs = 'Running structure prediction for 1 input.\n| WARNING: ran out of memory, skipping batch\nNumber of failed examples: 1\n';
    expect(await failureOf(foldContainer.collect(outputDir(), logs, 0, job))).toEqual({
      code: 'gpu_out_of_memory',
      message: 'GPU out of memory at 1,850 tokens on a 24 GiB GPU',
      isRetryable: true,
      needsMoreVram: true,
    });
  });

  it('a rejected input (Boltz exits 0): invalid input with Boltz’s reason, never retried', async () => {
    const logs = 'Checking input data.\nFailed to process /job/input.yaml. Skipping. Error: CCD component ZZZ not found!.\n';
    expect(await failureOf(foldContainer.collect(outputDir(), logs, 0, job))).toEqual({
      code: 'invalid_input',
      message: 'input rejected: CCD component ZZZ not found!.',
      isRetryable: false,
      needsMoreVram: false,
    });
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

  it('exit 0 with no prediction is not a success', async () => {
    const failure = await failureOf(foldContainer.collect(outputDir({ 'input_model_0.pdb': 'HEADER' }), 'Number of failed examples: 0\n', 0, job));
    expect(failure.code).toBe('worker_error');
    expect(failure.message).toMatch(/^boltz exited 0 but wrote no prediction/);
  });
});
