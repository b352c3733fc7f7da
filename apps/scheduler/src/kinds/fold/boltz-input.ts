// What a fold attempt gives Boltz: its YAML, the files it names (alignments, templates), and the
// command's arguments. Boltz reads the YAML with PyYAML's safe_load, YAML 1.1 rules
// (data/parse/yaml.py:64-65), where a plain `NO`, `on` or `0777` is not a string: every string
// is written double-quoted, so each reads back as the text it is.
import { stringify } from 'yaml';
import type { FoldInput } from '@gpuq/shared';

/** The input's stem: Boltz names its output after it. */
export const STEM = 'input';

/** The YAML Boltz reads, and the files it names, by path relative to the attempt's directory (/job). */
export function toBoltzFiles(input: FoldInput): Record<string, string> {
  const files: Record<string, string> = {};
  // One alignment file per distinct sequence: Boltz makes proteins with the same sequence one
  // entity, and refuses them unless they name the same MSA (schema.py:1106-1122).
  const msaPaths = new Map<string, string>();
  const sequences = input.sequences.map((entry) => {
    if (!('protein' in entry) || entry.protein.msa === undefined || entry.protein.msa === 'empty') return entry;
    let path = msaPaths.get(entry.protein.sequence);
    if (path === undefined) {
      path = `msa_${msaPaths.size}.a3m`;
      msaPaths.set(entry.protein.sequence, path);
      files[path] = entry.protein.msa.a3m;
    }
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
  // Every string double-quoted (a YAML 1.1 reader takes it as written); keys are plain words.
  // No line folding: one sequence per line, as people write it.
  files[`${STEM}.yaml`] = stringify(yaml, { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
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
