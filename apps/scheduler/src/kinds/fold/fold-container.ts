// Boltz-2 in a container: the fold input written as Boltz's YAML (with its alignments and
// templates as files beside it), `boltz predict` run on it, and the outcome read from the files
// it wrote. Boltz exits 0 on a bad input and on running out of GPU memory, so success is the
// prediction's files, and a failure is named from its log lines.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FoldInput, foldTokenCount, type FoldSequence } from '@gpuq/shared';
import { JobFailure, type ExecutionRequest } from '../../executors/executor.js';
import type { ContainerAdapter, ContainerOutcome, ContainerTask } from '../../executors/docker.js';

/** The input's stem: Boltz names its output after it. */
const STEM = 'input';
export const PREDICTIONS_DIR = `out/boltz_results_${STEM}/predictions/${STEM}`;

const GIB = 1024;

/** The YAML Boltz reads, and the files it names. */
export function toBoltzFiles(input: FoldInput): Record<string, string> {
  const files: Record<string, string> = {};
  const sequences = input.sequences.map((entry): FoldSequence | Record<string, unknown> => {
    if (!('protein' in entry) || entry.protein.msa === undefined || entry.protein.msa === 'empty') return entry;
    const chain = Array.isArray(entry.protein.id) ? entry.protein.id[0]! : entry.protein.id;
    const path = `msa_${chain}.a3m`;
    files[path] = entry.protein.msa.a3m;
    return { protein: { ...entry.protein, msa: `/job/${path}` } };
  });
  const templates = input.templates?.map((template, i) => {
    const path = `template_${i}.cif`;
    files[path] = template.cif;
    return { ...template, cif: `/job/${path}` };
  });
  const yaml = {
    version: 1,
    sequences,
    ...(input.constraints ? { constraints: input.constraints } : {}),
    ...(templates ? { templates } : {}),
    ...(input.properties ? { properties: input.properties } : {}),
  };
  // No line folding: one sequence per line, as people write it.
  files[`${STEM}.yaml`] = stringify(yaml, { lineWidth: 0 });
  return files;
}

export function boltzArgs(input: FoldInput): string[] {
  const o = input.options;
  return [
    'predict',
    `/job/${STEM}.yaml`,
    '--out_dir',
    '/job/out',
    '--devices',
    '1',
    '--accelerator',
    'gpu',
    '--recycling_steps',
    String(o.recyclingSteps),
    '--sampling_steps',
    String(o.samplingSteps),
    '--diffusion_samples',
    String(o.diffusionSamples),
    '--output_format',
    o.outputFormat,
    '--override',
    ...(o.seed !== undefined ? ['--seed', String(o.seed)] : []),
    ...(o.useMsaServer ? ['--use_msa_server'] : []),
    ...(o.usePotentials ? ['--use_potentials'] : []),
  ];
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const lastLines = (logs: string, n = 5) => logs.trim().split('\n').slice(-n).join(' | ');

export const foldContainer: ContainerAdapter = {
  prepare(raw: unknown): ContainerTask {
    const input = FoldInput.parse(raw);
    return { files: toBoltzFiles(input), args: boltzArgs(input), needsNetwork: input.options.useMsaServer };
  },

  async collect(dir: string, logs: string, exitCode: number, job: ExecutionRequest): Promise<ContainerOutcome> {
    const input = FoldInput.parse(job.input);
    const predictions = join(dir, PREDICTIONS_DIR);
    const files = await readdir(predictions).catch(() => [] as string[]);
    const extension = input.options.outputFormat === 'pdb' ? 'pdb' : 'cif';
    const models = files.filter((f) => new RegExp(`^${STEM}_model_\\d+\\.${extension}$`).test(f)).sort();
    const firstConfidence = await readJson(join(predictions, `confidence_${STEM}_model_0.json`));
    if (models.length > 0 && firstConfidence) {
      const confidences = await Promise.all(models.map((_, i) => readJson(join(predictions, `confidence_${STEM}_model_${i}.json`))));
      const affinity = await readJson(join(predictions, `affinity_${STEM}.json`));
      return {
        result: {
          tokens: foldTokenCount(input),
          confidence: firstConfidence,
          models: confidences.map((confidence, rank) => ({ rank, structure: models[rank], ...(confidence ?? {}) })),
          ...(affinity ? { affinity } : {}),
        },
        artifacts: files.map((f) => join(PREDICTIONS_DIR, f)),
      };
    }
    // No prediction: name the failure from Boltz's own lines.
    const tokens = foldTokenCount(input);
    if (/out of memory/i.test(logs)) {
      const gib = Math.round(job.gpu.totalMb / GIB);
      throw new JobFailure('gpu_out_of_memory', `GPU out of memory at ${tokens.toLocaleString('en')} tokens on a ${gib} GiB GPU`, true, true);
    }
    const rejected = /Failed to process (\S+)\. Skipping\. Error: (.*)/.exec(logs);
    if (rejected) throw new JobFailure('invalid_input', `input rejected: ${rejected[2]!.trim()}`, false);
    if (exitCode !== 0) throw new JobFailure('worker_error', `boltz exited with code ${exitCode}: ${lastLines(logs)}`, true);
    throw new JobFailure('worker_error', `boltz exited 0 but wrote no prediction: ${lastLines(logs)}`, true);
  },
};
