// A finished Boltz run read back into a result or a failure a person can act on. Boltz exits 0 on a
// rejected input and on running out of GPU memory, and 1 when the affinity stage finds no structure
// to read, so success is judged from the files (boltz-contract.ts names them) and a failure from
// Boltz's own lines.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { foldTokenCount, type FoldInput } from '@gpuq/shared';
import { JobFailure, type ExecutionRequest } from '../../executors/executor.js';
import type { ContainerOutcome } from '../../executors/container-attempt.js';
import { BOLTZ_ERRORS, BOLTZ_FILES, BOLTZ_LINES, fill, OTHER_LINE_STARTS, patternOf, type BoltzString } from './boltz-contract.js';
import { STEM } from './boltz-input.js';

/** The prediction's folder, relative to the attempt's directory (Boltz's --out_dir is /job/out). */
export const PREDICTIONS_DIR = `out/${fill(BOLTZ_FILES.predictions, { stem: STEM, id: STEM })}`;

const GIB = 1024;

export interface RankedModel {
  rank: number;
  structure: string;
}

/**
 * The structure files by the rank in their names, in rank order: with 11 or more samples
 * `input_model_10` sorts before `input_model_2` as text.
 */
export function modelsByRank(files: readonly string[], extension: 'cif' | 'pdb'): RankedModel[] {
  const pattern = patternOf(fill(BOLTZ_FILES.model, { id: STEM, extension }));
  const models: RankedModel[] = [];
  for (const structure of files) {
    const rank = pattern.exec(structure)?.groups?.rank;
    if (rank !== undefined && /^(0|[1-9]\d*)$/.test(rank)) models.push({ rank: Number(rank), structure });
  }
  return models.sort((a, b) => a.rank - b.rank);
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const lastLines = (logs: string, n = 5) => logs.trim().split('\n').slice(-n).join(' | ');

/** The text before a template's first placeholder: how its line starts. */
const startOf = (template: BoltzString) => template.text.split('{')[0]!;
const LINE_STARTS = [...Object.values(BOLTZ_LINES).map(startOf), ...OTHER_LINE_STARTS].filter((s) => s.length > 0);

/** Whether a log line is not part of a message that runs over several lines. */
const endsMessage = (line: string) => line.trim() === '' || line.includes('\r') || /^\s*\d+%\|/.test(line) || LINE_STARTS.some((s) => line.startsWith(s));

/** The first message of a template in the logs, its lines joined: the `{error}` it carries may span several. */
function findMessage(lines: readonly string[], template: BoltzString): Record<string, string> | undefined {
  const start = startOf(template);
  // A line may begin with what another stream left unfinished (a progress bar): the message starts where its text does.
  const first = lines.findIndex((line) => line.includes(start));
  if (first < 0) return undefined;
  let end = first + 1;
  while (end < lines.length && !endsMessage(lines[end]!)) end++;
  const head = lines[first]!.slice(lines[first]!.indexOf(start));
  const block = [head, ...lines.slice(first + 1, end)].join('\n').trimEnd();
  return patternOf(template).exec(block)?.groups;
}

/** Boltz's input errors, as the parser and the data loader print them: never fixed by a retry. */
const INPUT_ERRORS: Array<[BoltzString, string]> = [
  [BOLTZ_LINES.inputRejected, 'input rejected'],
  [BOLTZ_LINES.tokenizerFailed, "input rejected by Boltz's tokenizer"],
  [BOLTZ_LINES.moleculesFailed, "input rejected by Boltz's molecule loading"],
  [BOLTZ_LINES.featurizerFailed, "input rejected by Boltz's featurizer"],
  [BOLTZ_LINES.cropperFailed, "input rejected by Boltz's affinity cropper"],
];

export function inputErrorOf(logs: string, input: FoldInput): string | undefined {
  const lines = logs.split('\n');
  for (const [template, what] of INPUT_ERRORS) {
    const error = findMessage(lines, template)?.error?.trim();
    if (error === undefined) continue;
    if (error.startsWith(startOf(BOLTZ_ERRORS.smilesUnreadable))) {
      const smiles = input.sequences.flatMap((entry, i) => ('ligand' in entry && entry.ligand.smiles !== undefined ? [`sequences[${i}].ligand.smiles`] : []));
      const which = smiles.length === 1 ? smiles[0] : `one of ${smiles.join(', ')}`;
      return `${what}: RDKit could not read a SMILES (${which}): ${error}`;
    }
    return `${what}: ${error}`;
  }
  return undefined;
}

/** Where Boltz ran out of GPU memory: its structure stage, or its affinity stage. */
function outOfMemoryStage(logs: string): 'structure' | 'affinity' | undefined {
  const at = logs.lastIndexOf(BOLTZ_LINES.outOfMemory.text);
  if (at < 0) return undefined;
  const affinityAt = logs.indexOf(BOLTZ_LINES.predictingAffinity.text);
  return affinityAt >= 0 && at > affinityAt ? 'affinity' : 'structure';
}

export async function readBoltzOutcome(dir: string, logs: string, exitCode: number, job: ExecutionRequest, input: FoldInput): Promise<ContainerOutcome> {
  const predictions = join(dir, PREDICTIONS_DIR);
  const files = await readdir(predictions).catch(() => [] as string[]);
  const models = modelsByRank(files, input.options.outputFormat === 'pdb' ? 'pdb' : 'cif');
  const confidences = await Promise.all(models.map((m) => readJson(join(predictions, fill(BOLTZ_FILES.confidence, { id: STEM, rank: m.rank })))));
  const isComplete =
    models.length === input.options.diffusionSamples && models.every((m, i) => m.rank === i) && confidences.every((c) => c !== undefined);
  const isAffinityAsked = (input.properties?.length ?? 0) > 0;
  const affinity = isAffinityAsked ? await readJson(join(predictions, fill(BOLTZ_FILES.affinity, { id: STEM }))) : undefined;
  const tokens = foldTokenCount(input);

  if (isComplete && (!isAffinityAsked || affinity)) {
    return {
      result: {
        tokens,
        confidence: confidences[0],
        models: models.map((model, i) => ({ ...model, ...confidences[i] })),
        ...(affinity ? { affinity } : {}),
      },
      artifacts: files.map((f) => join(PREDICTIONS_DIR, f)),
    };
  }
  // No whole prediction: name the failure from Boltz's own lines.
  const inputError = inputErrorOf(logs, input);
  if (inputError) throw new JobFailure('invalid_input', inputError, false);
  const stage = outOfMemoryStage(logs);
  if (stage) {
    const gib = Math.round(job.gpu.totalMb / GIB);
    const where = stage === 'affinity' ? ' in the affinity stage' : '';
    throw new JobFailure('gpu_out_of_memory', `GPU out of memory${where} at ${tokens.toLocaleString('en')} tokens on a ${gib} GiB GPU`, true, true);
  }
  const affinityFile = fill(BOLTZ_FILES.affinity, { id: STEM });
  if (isComplete) throw new JobFailure('worker_error', `affinity was asked but boltz wrote no ${affinityFile} (exit code ${exitCode}): ${lastLines(logs)}`, true);
  if (models.length > 0) {
    const whole = confidences.filter((c) => c !== undefined).length;
    throw new JobFailure('worker_error', `boltz wrote ${whole} of ${input.options.diffusionSamples} models with their confidence (exit code ${exitCode}): ${lastLines(logs)}`, true);
  }
  if (exitCode !== 0) throw new JobFailure('worker_error', `boltz exited with code ${exitCode}: ${lastLines(logs)}`, true);
  throw new JobFailure('worker_error', `boltz exited 0 but wrote no prediction: ${lastLines(logs)}`, true);
}
