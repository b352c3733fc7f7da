// The files and arguments Boltz is given: its YAML as Boltz's own reader (PyYAML, YAML 1.1) takes
// it, the alignments and templates beside it, and the flags.
import { execFileSync, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FoldInput } from '@gpuq/shared';
import { boltzArgs, foldContainer, toBoltzFiles } from '../src/kinds/fold/fold-container.js';

const A3M = '>query\nMKTAYIAK\n>hit1\nMKTAHIAK\n';

/** A Python whose PyYAML (the reader Boltz uses) can be imported, or why there is none. */
const pyyaml: { python?: string; missing?: string } = (() => {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0) return { python };
  }
  return { missing: 'no python3 with PyYAML here (apt-get install python3-yaml)' };
})();

/** Each YAML document as PyYAML's safe_load reads it (data/parse/yaml.py:64-65), as JSON. */
function readByPyYaml(documents: string[]): unknown[] {
  if (!pyyaml.python) throw new Error(pyyaml.missing);
  const script = 'import json, sys, yaml\nfor doc in json.load(sys.stdin):\n    print(json.dumps(yaml.safe_load(doc)))';
  const out = execFileSync(pyyaml.python, ['-c', script], { input: JSON.stringify(documents), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out.trim().split('\n').map((line) => JSON.parse(line) as unknown);
}

/** What the YAML means to Boltz: the input as written, alignments and templates as paths. */
const yamlOf = (input: unknown) => toBoltzFiles(FoldInput.parse(input))['input.yaml']!;

/** Strings YAML 1.1 reads as something else when plain: booleans, octal, base 60, floats, null. */
const TRICKY_IDS = ['NO', 'No', 'no', 'ON', 'on', 'YES', 'Yes', 'OFF', 'Y', 'N', 'y', 'n', '0b1', '1e3', '010', '0777', '1', '12', '0x1F', 'TRUE', 'null', 'Null', 'NULL', '1_0', '190', '.5'].filter((id) =>
  /^[A-Za-z0-9]{1,4}$/.test(id),
);

describe('the YAML Boltz reads', () => {
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
    expect(Object.keys(files).sort()).toEqual(['input.yaml', 'msa_0.a3m', 'template_0.cif']);
    expect(files['msa_0.a3m']).toBe(A3M);
    expect(files['template_0.cif']).toBe('data_template\n');
    expect(parse(files['input.yaml']!)).toEqual({
      version: 1,
      sequences: [
        { protein: { id: ['A', 'B'], sequence: 'MKTAYIAK', msa: '/job/msa_0.a3m' } },
        { protein: { id: 'C', sequence: 'GSGS', msa: 'empty' } },
        { ligand: { id: 'L', smiles: 'CCO' } },
      ],
      constraints: [{ pocket: { binder: 'L', contacts: [['A', 3]], max_distance: 6 } }],
      templates: [{ cif: '/job/template_0.cif', chain_id: 'A' }],
      properties: [{ affinity: { binder: 'L' } }],
    });
  });

  it('quotes every string, so a YAML 1.1 reader takes NO, ON, Y, 0b1 or 1e3 as the text they are', () => {
    const input = {
      sequences: [
        ...TRICKY_IDS.map((id) => ({ protein: { id, sequence: 'YES', msa: 'empty' } })),
        { ligand: { id: 'L1', ccd: 'NO' } },
        { ligand: { id: 'L2', smiles: 'ON' } },
        { ligand: { id: 'L3', ccd: ['NO', 'ON'] } },
      ],
    };
    const expected = { version: 1, sequences: FoldInput.parse(input).sequences };
    // The `yaml` package's YAML 1.1 schema resolves plain scalars as PyYAML does for these.
    expect(parse(yamlOf(input), { version: '1.1' })).toEqual(expected);
    expect(yamlOf(input)).toContain('      id: "NO"\n');
    expect(yamlOf(input)).toContain('      ccd: "NO"\n');
  });

  it.skipIf(!pyyaml.python)(`reads back under PyYAML exactly as written, for any chain ids, codes and SMILES${pyyaml.missing ? ` (skipped: ${pyyaml.missing})` : ''}`, () => {
    const chainId = fc.oneof(fc.constantFrom(...TRICKY_IDS), fc.stringMatching(/^[A-Za-z0-9]{1,4}$/));
    const ccd = fc.oneof(fc.constantFrom('NO', 'ON', 'YES', 'OFF', 'Y', 'N', '010', '1E3', 'SAH', 'HEM'), fc.stringMatching(/^[A-Z0-9]{1,5}$/));
    const smiles = fc.oneof(fc.constantFrom('NO', 'ON', 'C#N', 'N[C@@H](C)C(=O)O', '[Na+]', '*C', 'C/C=C\\C', 'c1ccccc1', 'O=C=O', '%10'), fc.stringMatching(/^[A-Za-z0-9@+\-=#$%()[\]\\/.:*]{1,30}$/));
    const sequence = fc.oneof(fc.constantFrom('YES', 'NO', 'ON', 'Y'), fc.stringMatching(/^[ACDEFGHIKLMNPQRSTVWY]{1,40}$/));
    const entity = fc.oneof(
      fc.record({ protein: fc.record({ sequence, msa: fc.constant('empty') }) }),
      fc.record({ ligand: fc.record({ ccd }) }),
      fc.record({ ligand: fc.record({ smiles }) }),
      fc.record({ ligand: fc.record({ ccd: fc.array(ccd, { minLength: 2, maxLength: 3 }) }) }),
    );
    const inputs = fc.sample(
      fc.uniqueArray(chainId, { minLength: 1, maxLength: 6, selector: (id) => id }).chain((ids) =>
        fc.tuple(...ids.map(() => entity)).map((entities) => ({
          sequences: entities.map((e, i) => {
            const [type, body] = Object.entries(e)[0]!;
            return { [type]: { id: ids[i]!, ...body } };
          }),
        })),
      ),
      { numRuns: 300, seed: 42 },
    ).filter((input) => FoldInput.safeParse(input).success); // e.g. a CCD and a SMILES both written NO: refused at submit
    const read = readByPyYaml(inputs.map(yamlOf));
    inputs.forEach((input, i) => expect(read[i], yamlOf(input)).toEqual({ version: 1, sequences: FoldInput.parse(input).sequences }));
  });

  it('writes one alignment per distinct sequence: chains with the same sequence share its file', () => {
    const other = '>query\nGSGSAK\n';
    const files = toBoltzFiles(
      FoldInput.parse({
        sequences: [
          { protein: { id: 'A', sequence: 'MKTAYIAK', msa: { a3m: A3M } } },
          { protein: { id: 'B', sequence: 'GSGSAK', msa: { a3m: other } } },
          { protein: { id: 'C', sequence: 'MKTAYIAK', msa: { a3m: A3M } } },
        ],
      }),
    );
    expect(Object.keys(files).sort()).toEqual(['input.yaml', 'msa_0.a3m', 'msa_1.a3m']);
    expect(files['msa_1.a3m']).toBe(other);
    const msas = (parse(files['input.yaml']!) as { sequences: Array<{ protein: { msa: string } }> }).sequences.map((s) => s.protein.msa);
    expect(msas).toEqual(['/job/msa_0.a3m', '/job/msa_1.a3m', '/job/msa_0.a3m']);
  });

  it('keeps a long sequence on one line', () => {
    const sequence = 'A'.repeat(2_000);
    expect(yamlOf({ sequences: [{ protein: { id: 'A', sequence, msa: 'empty' } }] })).toContain(`      sequence: "${sequence}"\n`);
  });
});

describe('the command', () => {
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
