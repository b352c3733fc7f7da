import { describe, expect, it } from 'vitest';
import { checkKindRequest, FoldInput, foldTokenCount, GpuqConfig, issuesToDetails, placementNeedOf, smilesHeavyAtoms, type VramNeed } from '../src/index.js';

const PROTEIN = 'MVTPEGNVSLVDESLLVGVTDEDRAVRSAHQFYERLIGLWAPAVMEAAHELGVFAALAEAPADSGELARRLDCDARAMRVLLDALYAYDVIDRIHDTNGFRYLLSAEARECLLPGTLFSLVGKFMHDINVAWPAWRNLAEVVRHG';

/** Boltz's own examples/ligand.yaml (tag v2.2.0), as JSON: a homodimer, two copies of a CCD ligand, two of a SMILES one. */
export const BOLTZ_EXAMPLE = {
  sequences: [
    { protein: { id: ['A', 'B'], sequence: PROTEIN, msa: 'empty' } },
    { ligand: { id: ['C', 'D'], ccd: 'SAH' } },
    { ligand: { id: ['E', 'F'], smiles: 'N[C@@H](Cc1ccc(O)cc1)C(=O)O' } },
  ],
};

/** Boltz's examples/affinity.yaml: affinity of a ligand with one copy. */
export const BOLTZ_AFFINITY_EXAMPLE = {
  sequences: [
    { protein: { id: 'A', sequence: PROTEIN, msa: 'empty' } },
    { ligand: { id: 'B', smiles: 'N[C@@H](Cc1ccc(O)cc1)C(=O)O' } },
  ],
  properties: [{ affinity: { binder: 'B' } }],
};

const problems = (input: unknown) => {
  const result = FoldInput.safeParse(input);
  return result.success ? [] : issuesToDetails(result.error.issues);
};

describe('FoldInput (Boltz-2 YAML as JSON)', () => {
  it('accepts Boltz’s examples, with the default options', () => {
    expect(FoldInput.safeParse(BOLTZ_AFFINITY_EXAMPLE).success).toBe(true);
    const parsed = FoldInput.parse(BOLTZ_EXAMPLE);
    expect(parsed.options).toEqual({ recyclingSteps: 3, samplingSteps: 200, diffusionSamples: 1, outputFormat: 'mmcif', useMsaServer: false, usePotentials: false });
    expect(parsed.version).toBe(1);
  });

  it('names a residue that is not an amino acid, and where it is', () => {
    expect(problems({ sequences: [{ protein: { id: 'A', sequence: 'MKTbAL', msa: 'empty' } }] })).toEqual([
      { path: 'sequences[0].protein.sequence', message: "residue 4 is 'b', not an amino acid (ACDEFGHIKLMNPQRSTVWY, or X, B, J, O, U, Z, which Boltz reads as unknown)" },
    ]);
    expect(problems({ sequences: [{ protein: { id: 'A', sequence: 'MK-T', msa: 'empty' } }] })[0]?.message).toMatch(/^residue 3 is '-'/);
    expect(problems({ sequences: [{ rna: { id: 'R', sequence: 'ACGT' } }] })[0]?.message).toBe("residue 4 is 'T', not an RNA base (A, C, G, U or N)");
  });

  it('accepts the letters Boltz’s residue table reads as unknown: X, B, J, O, U, Z', () => {
    expect(problems({ sequences: [{ protein: { id: 'A', sequence: 'MXBJOUZK', msa: 'empty' } }] })).toEqual([]);
  });

  it('wants a ligand as smiles or ccd, never both', () => {
    expect(problems({ sequences: [{ ligand: { id: 'L', smiles: 'CCO', ccd: 'EOH' } }] })).toEqual([
      { path: 'sequences[0].ligand', message: 'a ligand has either smiles or ccd, not both and not neither' },
    ]);
  });

  it('computes affinity for a ligand only', () => {
    expect(problems({ ...BOLTZ_AFFINITY_EXAMPLE, properties: [{ affinity: { binder: 'A' } }] })).toEqual([
      { path: 'properties[0].affinity.binder', message: 'chain A is a protein; affinity is computed for a ligand' },
    ]);
    expect(problems({ ...BOLTZ_AFFINITY_EXAMPLE, properties: [{ affinity: { binder: 'Z' } }] })[0]?.message).toBe('no chain Z among the sequences');
  });

  it('refuses a chain id used twice, and constraints on chains that do not exist', () => {
    const input = {
      sequences: [
        { protein: { id: 'A', sequence: 'MKT', msa: 'empty' } },
        { ligand: { id: 'A', ccd: 'HEM' } },
      ],
      constraints: [{ pocket: { binder: 'Q', contacts: [['A', 2]] } }],
    };
    expect(problems(input).map((p) => p.path)).toEqual(['sequences[1].ligand.id', 'constraints[0].pocket.binder']);
  });

  it('needs an alignment for each protein unless the MSA server may be used, and checks it matches', () => {
    expect(problems({ sequences: [{ protein: { id: 'A', sequence: 'MKTAY' } }] })[0]?.path).toBe('sequences[0].protein.msa');
    expect(problems({ sequences: [{ protein: { id: 'A', sequence: 'MKTAY' } }], options: { useMsaServer: true } })).toEqual([]);
    expect(problems({ sequences: [{ protein: { id: 'A', sequence: 'MKTAY', msa: { a3m: '>query\nMK-TAY\n>hit\nMKSAY\n' } } }] })).toEqual([]);
    expect(problems({ sequences: [{ protein: { id: 'A', sequence: 'MKTAY', msa: { a3m: '>query\nMKTAW\n' } } }] })).toEqual([
      { path: 'sequences[0].protein.msa.a3m', message: "the alignment's first sequence must be this chain's sequence" },
    ]);
  });

  it('keeps option values within what Boltz takes', () => {
    expect(problems({ ...BOLTZ_EXAMPLE, options: { diffusionSamples: 0, outputFormat: 'xyz' } }).map((p) => p.path)).toEqual(['options.diffusionSamples', 'options.outputFormat']);
  });
});

describe('tokens and VRAM', () => {
  it('counts the heavy atoms of a SMILES string', () => {
    expect(smilesHeavyAtoms('N[C@@H](Cc1ccc(O)cc1)C(=O)O')).toBe(13); // tyrosine
    expect(smilesHeavyAtoms('ClCBr')).toBe(3);
    expect(smilesHeavyAtoms('[2H]C([2H])([2H])O')).toBe(2);
  });

  it('counts a token per residue and per ligand atom, for every copy', () => {
    expect(foldTokenCount(FoldInput.parse(BOLTZ_EXAMPLE))).toBe(2 * PROTEIN.length + 2 * 40 + 2 * 13);
    // A ligand of several CCD residues: each counted as a CCD ligand.
    expect(foldTokenCount(FoldInput.parse({ sequences: [{ ligand: { id: 'G', ccd: ['NAG', 'NAG', 'MAN'] } }] }))).toBe(3 * 40);
  });

  it('estimates VRAM growing with the square of the tokens, through the contract’s points (docs/contracts/boltz2.md)', () => {
    const protein = (n: number) => FoldInput.parse({ sequences: [{ protein: { id: 'A', sequence: 'A'.repeat(n), msa: 'empty' } }] });
    const config = GpuqConfig.parse({});
    const mb = (n: number) => (placementNeedOf('fold', { input: protein(n) }, config) as VramNeed).vramMb;
    expect(mb(1_300)).toBeLessThan(24 * 1024); // fits in 24 GB
    expect(mb(2_400)).toBeLessThan(80 * 1024); // fits in 80 GB
    expect(mb(3_000)).toBeGreaterThan(80 * 1024); // does not
    expect(mb(2_000) / mb(1_000)).toBeGreaterThan(3);
    // A solve job's input says nothing of its VRAM: it gets the kind's default.
    expect(placementNeedOf('solve', { input: {} }, GpuqConfig.parse({ kinds: { solve: { executor: { type: 'process', command: ['x'] } } } }))).toMatchObject({ source: 'default' });
  });

  it('refuses more tokens than the server allows', () => {
    const config = GpuqConfig.parse({ kinds: { fold: { maxTokens: 100 } } });
    expect(checkKindRequest('fold', { input: FoldInput.parse(BOLTZ_EXAMPLE) }, config)).toEqual([{ path: ['input', 'sequences'], message: `the complex has ${2 * PROTEIN.length + 106} tokens; this server takes at most 100` }]);
  });
});
