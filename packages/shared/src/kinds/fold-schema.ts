// The shape of a `fold` input: a Boltz-2 prediction as JSON mirroring Boltz's YAML (docs/contracts/boltz2.md,
// Boltz 2.2.0 `src/boltz/data/parse/schema.py`). The checks across fields (fold-checks.ts) and the
// kind's rules (fold.ts) build on it. Files Boltz reads by path (alignments, templates) come inline.
import { z } from 'zod';

const ChainId = z.string().regex(/^[A-Za-z0-9]{1,4}$/, 'a chain id is 1 to 4 letters or digits');
const ChainIds = z.union([ChainId, z.array(ChainId).min(1)]);

export const AMINO_ACIDS = 'ACDEFGHIKLMNPQRSTVWY';
/**
 * Boltz's residue tables (`const.py` prot/dna/rna_letter_to_token at v2.2.0): X, B, J, O, U and Z are
 * protein letters it reads as UNK. Any other character Boltz silently turns into an unknown residue
 * too, which is never what a lowercase or mistyped sequence meant, so gpuq refuses it.
 */
const ALPHABETS = {
  protein: { letters: `${AMINO_ACIDS}XBJOUZ`, name: 'an amino acid (ACDEFGHIKLMNPQRSTVWY, or X, B, J, O, U, Z, which Boltz reads as unknown)' },
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

const CcdCode = z.string().regex(/^[A-Z0-9]{1,5}$/, 'a CCD code');

const Modification = z.strictObject({
  position: z.number().int().min(1).describe('Residue index, from 1.'),
  ccd: CcdCode,
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
  /** One CCD code, or several: a ligand of several residues (Boltz's schema.py takes a list). */
  ccd: z.union([CcdCode, z.array(CcdCode).min(1).max(50)]).optional(),
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

/** A residue of a polymer chain (a number, from 1) or an atom of a ligand (its name). */
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
export type FoldConstraint = z.infer<typeof FoldConstraint>;

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

export const FoldInputShape = z.strictObject({
  version: z.literal(1).default(1),
  sequences: z.array(FoldSequence).min(1).max(100),
  constraints: z.array(FoldConstraint).max(1_000).optional(),
  templates: z.array(FoldTemplate).max(20).optional(),
  /** Boltz takes the same binder named more than once; two different binders it refuses (fold-checks.ts). */
  properties: z.array(z.strictObject({ affinity: z.strictObject({ binder: ChainId }) })).max(10).optional(),
  options: FoldOptions.prefault({}),
});
export type FoldInput = z.infer<typeof FoldInputShape>;

export type EntityType = 'protein' | 'dna' | 'rna' | 'ligand';

export const idsOf = (id: string | string[]) => (Array.isArray(id) ? id : [id]);

type Polymer = z.infer<ReturnType<typeof polymer>>;
export type FoldEntry =
  | { type: 'protein'; body: z.infer<typeof ProteinEntity> }
  | { type: 'dna' | 'rna'; body: Polymer }
  | { type: 'ligand'; body: z.infer<typeof LigandEntity> };

/** A sequence entry's type and body, without the one-key wrapper. */
export function entryOf(entry: FoldSequence): FoldEntry {
  if ('protein' in entry) return { type: 'protein', body: entry.protein };
  if ('dna' in entry) return { type: 'dna', body: entry.dna };
  if ('rna' in entry) return { type: 'rna', body: entry.rna };
  return { type: 'ligand', body: entry.ligand };
}
