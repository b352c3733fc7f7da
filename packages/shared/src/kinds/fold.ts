// The `fold` kind: a Boltz-2 prediction (docs/contracts/boltz2.md, Boltz 2.2.0). Its input's shape is
// fold-schema.ts and the checks Boltz would only make after taking a GPU are fold-checks.ts; here
// are the input as the API parses it, its size in Boltz's tokens, its VRAM, and the kind's rules.
import { checkFoldInput } from './fold-checks.js';
import { FoldInputShape, idsOf, type FoldInput as FoldInputType } from './fold-schema.js';
import { vramNeed, type KindSpec } from './kind-spec.js';

export { AMINO_ACIDS, entryOf, FoldConstraint, FoldInputShape, FoldOptions, FoldSequence, FoldTemplate, idsOf, LigandEntity, ProteinEntity } from './fold-schema.js';
export type { EntityType, FoldEntry } from './fold-schema.js';
export { checkFoldInput } from './fold-checks.js';

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

/** A CCD residue's size is not known without the dictionary: counted as a typical cofactor. */
export const CCD_LIGAND_TOKENS = 40;

/** Boltz's tokens: a residue or nucleotide each, and each heavy atom of a ligand, for every copy. */
export function foldTokenCount(input: Pick<FoldInput, 'sequences'>): number {
  let tokens = 0;
  for (const entry of input.sequences) {
    if ('ligand' in entry) {
      const { id, smiles, ccd } = entry.ligand;
      tokens += idsOf(id).length * (smiles ? smilesHeavyAtoms(smiles) : CCD_LIGAND_TOKENS * (Array.isArray(ccd) ? ccd.length : 1));
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

export const FoldInput = FoldInputShape.superRefine((input, ctx) => {
  for (const issue of checkFoldInput(input)) ctx.addIssue({ code: 'custom', ...issue });
});
export type FoldInput = FoldInputType;

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
