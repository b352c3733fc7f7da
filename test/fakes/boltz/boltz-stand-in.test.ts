// The Boltz stand-in speaks Boltz's contract: every string and file name it prints or writes comes
// from the one table (boltz-contract.ts), in Boltz's order and layout, with Boltz's exit codes, and
// what it leaves is what gpuq's collector reads. It runs here under busybox, as in its test image,
// without a container.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FoldInput } from '@gpuq/shared';
import { JobFailure, type ExecutionRequest } from '../../../apps/scheduler/src/executors/executor.js';
import { BOLTZ_ERRORS, BOLTZ_FILES, BOLTZ_LINES, fill, type BoltzString } from '../../../apps/scheduler/src/kinds/fold/boltz-contract.js';
import { foldContainer, PREDICTIONS_DIR, toBoltzFiles } from '../../../apps/scheduler/src/kinds/fold/fold-container.js';
import { renderBoltzStrings } from '../../../scripts/lib/boltz-stand-in.mjs';

const STAND_IN = join(dirname(fileURLToPath(import.meta.url)), 'boltz');
const BUSYBOX = '/bin/busybox';
const skipReason = existsSync(BUSYBOX) ? undefined : `${BUSYBOX} is missing (apt-get install busybox-static)`;

const residues = (n: number) => 'ACDEFGHIKLMNPQRSTVWY'.repeat(Math.ceil(n / 20)).slice(0, n);
const protein = (n: number) => ({ protein: { id: 'A', sequence: residues(n), msa: 'empty' } });
const aspirin = { ligand: { id: 'L', smiles: 'CC(=O)Oc1ccccc1C(=O)O' } };
const line = (key: keyof typeof BOLTZ_LINES, values: Record<string, string | number> = {}) => fill(BOLTZ_LINES[key], values);

describe.skipIf(skipReason !== undefined)(`the Boltz stand-in${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let root: string;
  let bin: string;
  let strings: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gpuq-boltz-stand-in-'));
    // Only busybox's applets on the PATH, as in the test image.
    bin = join(root, 'bin');
    mkdirSync(bin);
    for (const applet of ['sh', 'awk', 'sed', 'grep', 'sort', 'wc', 'mkdir', 'basename', 'dirname', 'cat', 'sleep', 'printf', 'echo']) symlinkSync(BUSYBOX, join(bin, applet));
    strings = join(root, 'strings.sh');
    writeFileSync(strings, await renderBoltzStrings());
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** One run: the input written as gpuq writes it, the stand-in run on it, and what gpuq's collector makes of it. */
  async function run(raw: unknown, gpuMb = 24_576, args: string[] = []) {
    const input = FoldInput.parse({ ...(raw as object), options: { samplingSteps: 1, ...(raw as { options?: object }).options } });
    const dir = mkdtempSync(join(root, 'job-'));
    for (const [file, content] of Object.entries(toBoltzFiles(input))) writeFileSync(join(dir, file), content);
    const o = input.options;
    const result = spawnSync(
      join(bin, 'sh'),
      [STAND_IN, 'predict', join(dir, 'input.yaml'), '--out_dir', join(dir, 'out'), '--sampling_steps', String(o.samplingSteps), '--diffusion_samples', String(o.diffusionSamples), '--override', ...args],
      { encoding: 'utf8', env: { PATH: bin, BOLTZ_STRINGS: strings, CUDA_VISIBLE_DEVICES: `GPU-fake-${gpuMb}-0` } },
    );
    const job = { jobId: 'fold_1', attempt: 1, input, gpu: { id: 'gpu0', vramMb: 20_000, totalMb: gpuMb } } as unknown as ExecutionRequest;
    const outcome = await foldContainer.collect(dir, result.stdout + result.stderr, result.status!, job).then(
      (o) => ({ result: o.result as Record<string, unknown>, failure: undefined }),
      (err: unknown) => ({ result: undefined, failure: err instanceof JobFailure ? { code: err.code, message: err.message, needsMoreVram: err.needsMoreVram } : err }),
    );
    const predictions = join(dir, PREDICTIONS_DIR);
    return { exit: result.status, stdout: result.stdout.split('\n'), stderr: result.stderr, dir, predictions: existsSync(predictions) ? readdirSync(predictions).sort() : [], ...outcome };
  }

  it('holds no Boltz string of its own: each comes from the table', () => {
    // Its code, that is: the comments may name what it writes.
    const script = readFileSync(STAND_IN, 'utf8')
      .split('\n')
      .filter((l) => !/^\s*#/.test(l))
      .join('\n');
    const tables: BoltzString[] = [...Object.values(BOLTZ_LINES), ...Object.values(BOLTZ_ERRORS), ...Object.values(BOLTZ_FILES)];
    for (const { text } of tables) {
      for (const literal of text.split(/\{\w+\}/).filter((part) => part.trim().length >= 12)) expect(script, literal).not.toContain(literal);
    }
  });

  it('a protein–ligand complex with affinity: Boltz’s lines in order, its processed records, models by rank, the pre-affinity structure, exit 0', async () => {
    const out = await run({ sequences: [protein(120), aspirin], properties: [{ affinity: { binder: 'L' } }], options: { diffusionSamples: 2 } });
    expect(out.exit).toBe(0);
    expect(out.stdout.filter((l) => l !== '')).toEqual([
      line('checkingInput'),
      line('processing', { count: 1, threads: 1 }),
      line('emptyMsa'),
      line('runningStructure', { count: 1 }),
      line('failedExamples', { count: 0 }),
      line('predictingAffinity'),
      line('checkingAffinity'),
      line('runningAffinity', { count: 1 }),
      line('failedExamples', { count: 0 }),
    ]);
    const processed = (file: keyof typeof BOLTZ_FILES) => join(out.dir, 'out', fill(BOLTZ_FILES[file], { stem: 'input', id: 'input' }));
    const record = JSON.parse(readFileSync(processed('records'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(['id', 'structure', 'chains', 'interfaces', 'inference_options', 'templates', 'md', 'affinity']);
    expect(record).toMatchObject({ id: 'input', affinity: { chain_id: 1 } });
    expect(JSON.parse(readFileSync(processed('manifest'), 'utf8'))).toEqual({ records: [record] });
    for (const file of ['structures', 'constraints', 'mols'] as const) expect(existsSync(processed(file)), file).toBe(true);
    expect(out.predictions).toEqual([
      'affinity_input.json',
      'confidence_input_model_0.json',
      'confidence_input_model_1.json',
      'input_model_0.cif',
      'input_model_1.cif',
      'pae_input_model_0.npz',
      'pae_input_model_1.npz',
      'pde_input_model_0.npz',
      'pde_input_model_1.npz',
      'plddt_input_model_0.npz',
      'plddt_input_model_1.npz',
      'pre_affinity_input.npz',
    ]);
    expect(out.result).toMatchObject({ tokens: 133, affinity: { affinity_pred_value: -1.63 } });
  });

  it('parses an input once per output folder, as Boltz does even with --override', async () => {
    const first = await run({ sequences: [protein(30)] });
    const again = spawnSync(join(bin, 'sh'), [STAND_IN, 'predict', join(first.dir, 'input.yaml'), '--out_dir', join(first.dir, 'out'), '--sampling_steps', '1', '--override'], {
      encoding: 'utf8',
      env: { PATH: bin, BOLTZ_STRINGS: strings, CUDA_VISIBLE_DEVICES: 'GPU-fake-24576-0' },
    });
    expect(again.stdout.split('\n').slice(0, 2)).toEqual([line('checkingInput'), line('alreadyProcessed')]);
  });

  it('12 samples: models ranked 0 to 11 by confidence, each read with its own confidence', async () => {
    const out = await run({ sequences: [protein(30)], options: { diffusionSamples: 12 } });
    const models = out.result!.models as Array<{ rank: number; structure: string; confidence_score: number }>;
    expect(models.map((m) => [m.rank, m.structure, m.confidence_score])).toContainEqual([10, 'input_model_10.cif', 0.81]);
    expect(models.map((m) => m.confidence_score)).toEqual([...models.map((m) => m.confidence_score)].sort((a, b) => b - a));
  });

  it('out of memory in the structure stage with affinity asked: the affinity stage finds no structure, exit 1; gpuq reads it as out of memory', async () => {
    const out = await run({ sequences: [protein(1_850), aspirin], properties: [{ affinity: { binder: 'L' } }] });
    expect(out.exit).toBe(1);
    expect(out.stdout).toEqual(expect.arrayContaining([line('outOfMemory'), line('failedExamples', { count: 1 }), line('runningAffinity', { count: 1 })]));
    expect(out.stderr).toContain(`FileNotFoundError: ${fill(BOLTZ_ERRORS.preAffinityMissing, { path: join(out.dir, 'out', PREDICTIONS_DIR.replace(/^out\//, ''), 'pre_affinity_input.npz') })}`);
    expect(out.failure).toEqual({ code: 'gpu_out_of_memory', message: 'GPU out of memory at 1,863 tokens on a 24 GiB GPU', needsMoreVram: true });
  });

  it('out of memory in the affinity stage only: structures written, no affinity, exit 0; gpuq names the stage', async () => {
    // 1,313 tokens: the structure stage needs 23,687 MiB, the affinity stage 25,687.
    const out = await run({ sequences: [protein(1_300), aspirin], properties: [{ affinity: { binder: 'L' } }] });
    expect(out.exit).toBe(0);
    expect(out.predictions).toContain('pre_affinity_input.npz');
    expect(out.predictions).not.toContain('affinity_input.json');
    expect(out.failure).toEqual({ code: 'gpu_out_of_memory', message: 'GPU out of memory in the affinity stage at 1,313 tokens on a 24 GiB GPU', needsMoreVram: true });
    expect((await run({ sequences: [protein(1_300), aspirin], properties: [{ affinity: { binder: 'L' } }] }, 81_920)).result).toHaveProperty('affinity');
  });

  it('rejected inputs: an unknown CCD code and an unreadable SMILES (exit 0), the tokenizer’s failure (exit 1), each invalid input', async () => {
    const ccd = await run({ sequences: [protein(20), { ligand: { id: 'L', ccd: 'ZZZ' } }] });
    expect(ccd.exit).toBe(0);
    expect(ccd.stdout).toContain(line('inputRejected', { path: join(ccd.dir, 'input.yaml'), error: fill(BOLTZ_ERRORS.ccdNotFound, { code: 'ZZZ' }) }));
    expect(ccd.failure).toMatchObject({ code: 'invalid_input', message: 'input rejected: CCD component ZZZ not found!' });

    const smiles = await run({ sequences: [protein(20), { ligand: { id: 'L', smiles: 'C1CC' } }] });
    expect(smiles.exit).toBe(0);
    expect(smiles.failure).toMatchObject({ code: 'invalid_input', message: `input rejected: RDKit could not read a SMILES (sequences[1].ligand.smiles): ${BOLTZ_ERRORS.smilesUnreadable.text}` });

    const tokenizer = await run({ sequences: [protein(20), { ligand: { id: 'L', ccd: 'ZZT' } }] });
    expect(tokenizer.exit).toBe(1);
    expect(tokenizer.failure).toMatchObject({ code: 'invalid_input', message: "input rejected by Boltz's tokenizer: 'ZZT'" });
  });

  it('exits 2 on an option Boltz does not have', async () => {
    expect((await run({ sequences: [protein(20)] }, 24_576, ['--no_such_option'])).exit).toBe(2);
  });
});
