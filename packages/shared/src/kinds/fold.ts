// The `fold` kind's input: a Boltz-2 prediction as JSON mirroring Boltz's YAML (docs/contracts/boltz2.md,
// Boltz 2.2), with the checks Boltz would only make after loading its model: residues, chain ids,
// ligands given one way, affinity on a ligand, alignments that match their chain. Files Boltz
// reads by path (alignments, templates) come inline and are written beside the YAML.
import { z } from 'zod';
import { vramNeed, type KindSpec } from './kind-spec.js';

const ChainId = z.string().regex(/^[A-Za-z0-9]{1,4}$/, 'a chain id is 1 to 4 letters or digits');
const ChainIds = z.union([ChainId, z.array(ChainId).min(1)]);

export const AMINO_ACIDS = 'ACDEFGHIKLMNPQRSTVWY';
const ALPHABETS = {
  protein: { letters: `${AMINO_ACIDS}X`, name: 'an amino acid (ACDEFGHIKLMNPQRSTVWY, or X for unknown)' },
  dna: { letters: 'ACGTN', name: 'a DNA base (A, C, G, T or N)' },
  rna: { letters: 'ACGUN', name: 'an RNA base (A, C, G, U or N)' },
} as const;

function sequenceOf(kind: keyof typeof ALPHABETS) {
  const { letters, name } = ALPHABETS[kind];
  return z
    .string()
    .min(1)
    .max(10_000)
    .superRefine((sequence, ctx) => {
      for (let i = 0; i < sequence.length; i++) {
        if (!letters.includes(sequence[i]!)) {
          ctx.addIssue({ code: 'custom', message: `residue ${i + 1} is '${sequence[i]}', not ${name}` });
          return;
        }
      }
    });
}

const Modification = z.strictObject({
  position: z.number().int().min(1).describe('Residue index, from 1.'),
  ccd: z.string().regex(/^[A-Z0-9]{1,5}$/, 'a CCD code'),
});

/** An uploaded alignment in A3M: its first sequence is the chain's own. */
const Msa = z.union([z.literal('empty'), z.strictObject({ a3m: z.string().min(1).max(50_000_000) })], {
  error: 'msa is "empty" (single-sequence mode) or {"a3m": "<alignment text>"}',
});

const polymer = (kind: keyof typeof ALPHABETS) =>
  z.strictObject({
    id: ChainIds,
    sequence: sequenceOf(kind),
    modifications: z.array(Modification).optional(),
    cyclic: z.boolean().optional(),
  });

export const ProteinEntity = polymer('protein').extend({ msa: Msa.optional() });
export const LigandEntity = z.strictObject({
  id: ChainIds,
  smiles: z.string().min(1).max(2_000).regex(/^[A-Za-z0-9@+\-=#$%()[\]\\/.:*]+$/, 'contains characters SMILES does not use').optional(),
  ccd: z.string().regex(/^[A-Z0-9]{1,5}$/, 'a CCD code').optional(),
});

export const FoldSequence = z.union(
  [
    z.strictObject({ protein: ProteinEntity }),
    z.strictObject({ dna: polymer('dna') }),
    z.strictObject({ rna: polymer('rna') }),
    z.strictObject({ ligand: LigandEntity }),
  ],
  { error: 'each sequence is {"protein": …}, {"dna": …}, {"rna": …} or {"ligand": …}' },
);
export type FoldSequence = z.infer<typeof FoldSequence>;

const ResidueOrAtom = z.tuple([ChainId, z.union([z.number().int().min(1), z.string().min(1).max(8)])]);
const Atom = z.tuple([ChainId, z.number().int().min(1), z.string().min(1).max(8)]);
const Distance = z.number().min(4).max(20).describe('Ångström, 4 to 20.');

export const FoldConstraint = z.union(
  [
    z.strictObject({ bond: z.strictObject({ atom1: Atom, atom2: Atom }) }),
    z.strictObject({
      pocket: z.strictObject({ binder: ChainId, contacts: z.array(ResidueOrAtom).min(1), max_distance: Distance.optional(), force: z.boolean().optional() }),
    }),
    z.strictObject({ contact: z.strictObject({ token1: ResidueOrAtom, token2: ResidueOrAtom, max_distance: Distance.optional(), force: z.boolean().optional() }) }),
  ],
  { error: 'each constraint is {"bond": …}, {"pocket": …} or {"contact": …}' },
);

export const FoldTemplate = z.strictObject({
  cif: z.string().min(1).max(50_000_000).describe('The template structure, as mmCIF text.'),
  chain_id: ChainIds.optional(),
  template_id: ChainIds.optional(),
  force: z.boolean().optional(),
  threshold: z.number().positive().optional(),
});

export const FoldOptions = z.strictObject({
  recyclingSteps: z.number().int().min(1).max(20).default(3),
  samplingSteps: z.number().int().min(1).max(1_000).default(200),
  diffusionSamples: z.number().int().min(1).max(25).default(1),
  outputFormat: z.enum(['mmcif', 'pdb']).default('mmcif'),
  seed: z.number().int().nonnegative().optional(),
  /** Let Boltz fetch alignments from the public MSA server: the container then has a network. */
  useMsaServer: z.boolean().default(false),
  usePotentials: z.boolean().default(false),
});
export type FoldOptions = z.infer<typeof FoldOptions>;

const FoldInputShape = z.strictObject({
  version: z.literal(1).default(1),
  sequences: z.array(FoldSequence).min(1).max(100),
  constraints: z.array(FoldConstraint).max(1_000).optional(),
  templates: z.array(FoldTemplate).max(20).optional(),
  properties: z.array(z.strictObject({ affinity: z.strictObject({ binder: ChainId }) })).max(1, 'affinity can be computed for one ligand only').optional(),
  options: FoldOptions.prefault({}),
});
export type FoldInput = z.infer<typeof FoldInputShape>;

const idsOf = (id: string | string[]) => (Array.isArray(id) ? id : [id]);

/** Heavy atoms of a SMILES string: atoms in brackets (but hydrogen) and the organic subset. */
export function smilesHeavyAtoms(smiles: string): number {
  let atoms = 0;
  for (let i = 0; i < smiles.length; i++) {
    const c = smiles[i]!;
    if (c === '[') {
      const end = smiles.indexOf(']', i);
      const inner = smiles.slice(i + 1, end < 0 ? undefined : end).replace(/^\d+/, '');
      if (!/^H(?![a-z])/.test(inner)) atoms++;
      i = end < 0 ? smiles.length : end;
    } else if (c === 'C' && smiles[i + 1] === 'l') {
      atoms++;
      i++;
    } else if (c === 'B' && smiles[i + 1] === 'r') {
      atoms++;
      i++;
    } else if ('BCNOPSFIbcnops'.includes(c)) {
      atoms++;
    }
  }
  return atoms;
}

/** A CCD ligand's size is not known without the dictionary: counted as a typical cofactor. */
export const CCD_LIGAND_TOKENS = 40;

/** Boltz's tokens: a residue or nucleotide each, and each heavy atom of a ligand, for every copy. */
export function foldTokenCount(input: Pick<FoldInput, 'sequences'>): number {
  let tokens = 0;
  for (const entry of input.sequences) {
    if ('ligand' in entry) {
      const { id, smiles } = entry.ligand;
      tokens += idsOf(id).length * (smiles ? smilesHeavyAtoms(smiles) : CCD_LIGAND_TOKENS);
    } else {
      const polymer = 'protein' in entry ? entry.protein : 'dna' in entry ? entry.dna : entry.rna;
      tokens += idsOf(polymer.id).length * polymer.sequence.length;
    }
  }
  return tokens;
}

/** Peak VRAM of a prediction: grows with the square of the tokens (docs/contracts/boltz2.md's points:
 * ~1,300 tokens fit in 24 GB, ~2,400 in 80 GB, 3,000 do not), plus the affinity model, plus a
 * tenth per extra diffusion sample. */
export function foldVramEstimateMb(input: Pick<FoldInput, 'sequences' | 'properties' | 'options'>, tokens = foldTokenCount(input)): number {
  const base = 3_000 + 0.012 * tokens * tokens;
  const affinity = input.properties?.some((p) => p.affinity) ? 2_000 : 0;
  const samples = 1 + 0.1 * ((input.options?.diffusionSamples ?? 1) - 1);
  return Math.ceil((base + affinity) * samples);
}

type Issue = { path: (string | number)[]; message: string };

export function checkFoldInput(input: FoldInput): Issue[] {
  const issues: Issue[] = [];
  const chains = new Map<string, 'protein' | 'dna' | 'rna' | 'ligand'>();
  input.sequences.forEach((entry, i) => {
    const type = Object.keys(entry)[0] as 'protein' | 'dna' | 'rna' | 'ligand';
    const body = (entry as Record<string, { id: string | string[] }>)[type]!;
    for (const id of idsOf(body.id)) {
      if (chains.has(id)) issues.push({ path: ['sequences', i, type, 'id'], message: `chain ${id} is used twice` });
      chains.set(id, type);
    }
    if ('ligand' in entry) {
      const { smiles, ccd } = entry.ligand;
      if ((smiles === undefined) === (ccd === undefined)) {
        issues.push({ path: ['sequences', i, 'ligand'], message: 'a ligand has either smiles or ccd, not both and not neither' });
      }
      return;
    }
    const polymer = 'protein' in entry ? entry.protein : 'dna' in entry ? entry.dna : entry.rna;
    for (const [m, modification] of (polymer.modifications ?? []).entries()) {
      if (modification.position > polymer.sequence.length) {
        issues.push({ path: ['sequences', i, type, 'modifications', m, 'position'], message: `the sequence has ${polymer.sequence.length} residues` });
      }
    }
    if ('protein' in entry) {
      const { msa, sequence } = entry.protein;
      if (msa === undefined && !input.options.useMsaServer) {
        issues.push({
          path: ['sequences', i, 'protein', 'msa'],
          message: 'give an alignment ({"a3m": …}), or "empty" for single-sequence mode, or set options.useMsaServer',
        });
      }
      if (msa && msa !== 'empty') {
        const query = msa.a3m.split('\n').find((line) => line.length > 0 && !line.startsWith('>') && !line.startsWith('#'));
        const ungapped = query?.replace(/[-.a-z]/g, '');
        if (!msa.a3m.trimStart().startsWith('>') || ungapped !== sequence) {
          issues.push({ path: ['sequences', i, 'protein', 'msa', 'a3m'], message: "the alignment's first sequence must be this chain's sequence" });
        }
      }
    }
  });
  const known = (id: string, path: (string | number)[]) => {
    if (!chains.has(id)) issues.push({ path, message: `no chain ${id} among the sequences` });
  };
  input.constraints?.forEach((constraint, c) => {
    if ('bond' in constraint) {
      known(constraint.bond.atom1[0], ['constraints', c, 'bond', 'atom1', 0]);
      known(constraint.bond.atom2[0], ['constraints', c, 'bond', 'atom2', 0]);
    } else if ('pocket' in constraint) {
      known(constraint.pocket.binder, ['constraints', c, 'pocket', 'binder']);
      constraint.pocket.contacts.forEach((contact, k) => known(contact[0], ['constraints', c, 'pocket', 'contacts', k, 0]));
    } else {
      known(constraint.contact.token1[0], ['constraints', c, 'contact', 'token1', 0]);
      known(constraint.contact.token2[0], ['constraints', c, 'contact', 'token2', 0]);
    }
  });
  input.templates?.forEach((template, t) => {
    for (const id of template.chain_id ? idsOf(template.chain_id) : []) known(id, ['templates', t, 'chain_id']);
  });
  input.properties?.forEach((property, p) => {
    const type = chains.get(property.affinity.binder);
    if (type === undefined) known(property.affinity.binder, ['properties', p, 'affinity', 'binder']);
    else if (type !== 'ligand') issues.push({ path: ['properties', p, 'affinity', 'binder'], message: `chain ${property.affinity.binder} is a ${type}; affinity is computed for a ligand` });
  });
  return issues;
}

export const FoldInput = FoldInputShape.superRefine((input, ctx) => {
  for (const issue of checkFoldInput(input)) ctx.addIssue({ code: 'custom', ...issue });
});

/** The chain ids of a fold input, in order, each copy its own chain. */
export function foldChainIds(input: Pick<FoldInput, 'sequences'>): string[] {
  return input.sequences.flatMap((entry) => idsOf((Object.values(entry)[0] as { id: string | string[] }).id));
}

/** 1850 → "1,850", without Intl (which costs microseconds per call on this path). */
const withThousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** The fold kind: its VRAM grows with the input's tokens; config caps the tokens a server takes. */
export const foldKind: KindSpec<FoldInput> = {
  input: FoldInput,
  check({ input }, config) {
    const tokens = foldTokenCount(input);
    const max = config.kinds.fold.maxTokens;
    return tokens > max ? [{ path: ['input', 'sequences'], message: `the complex has ${tokens} tokens; this server takes at most ${max}` }] : [];
  },
  need({ input, requestedVramMb }) {
    // Counted once: the scheduler asks this of every job it fetches.
    const tokens = foldTokenCount(input);
    return vramNeed(requestedVramMb, { vramMb: foldVramEstimateMb(input, tokens), source: 'input', basis: `${withThousands(tokens)} tokens` });
  },
};
