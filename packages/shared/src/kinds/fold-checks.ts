// The checks across a fold input's fields that Boltz-2 makes only inside its container, made at
// submit instead so a bad input never takes a GPU. Each agrees with Boltz 2.2.0's parser
// (`src/boltz/data/parse/schema.py`, line numbers at tag v2.2.0): what it refuses is refused here,
// naming the field; what it accepts passes, except where it would silently change the input's
// meaning (then the message says so).
import { entryOf, idsOf, type EntityType, type FoldEntry, type FoldInput } from './fold-schema.js';

export type Issue = { path: (string | number)[]; message: string };

interface Chain {
  type: EntityType;
  /** Residues a bond may name: a polymer's length, a ligand's CCD codes (1 for a SMILES). */
  residues: number;
  entity: Entity;
}

/** Boltz's entity: entries of one type written the same way (schema.py:1016-1032 groups by type and `str(sequence | smiles | ccd)`). */
interface Entity {
  type: EntityType;
  entries: Array<{ index: number; entry: FoldEntry }>;
  chains: string[];
}

const pythonStr = (value: string | string[]) => (Array.isArray(value) ? `[${value.map((v) => `'${v}'`).join(', ')}]` : value);

function entityKey({ type, body }: FoldEntry): string {
  if (type !== 'ligand') return `${type}:${body.sequence}`;
  return `ligand:${pythonStr(body.smiles ?? body.ccd ?? '')}`;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function checkFoldInput(input: FoldInput): Issue[] {
  const issues: Issue[] = [];
  const chains = new Map<string, Chain>();
  const entities = new Map<string, Entity>();

  input.sequences.forEach((raw, i) => {
    const entry = entryOf(raw);
    const { type, body } = entry;
    const key = entityKey(entry);
    const entity = entities.get(key) ?? { type, entries: [], chains: [] };
    entities.set(key, entity);
    entity.entries.push({ index: i, entry });
    const residues = type === 'ligand' ? (Array.isArray(body.ccd) ? body.ccd.length : 1) : body.sequence.length;
    for (const id of idsOf(body.id)) {
      // Boltz keys chains by name: a second chain of the same name would replace the first (schema.py:1280-1287).
      if (chains.has(id)) {
        issues.push({ path: ['sequences', i, type, 'id'], message: `chain ${id} is used twice` });
        continue;
      }
      chains.set(id, { type, residues, entity });
      entity.chains.push(id);
    }
    if (type === 'ligand') {
      // schema.py:1027-1028: an assert, so Boltz's own message is empty.
      if ((body.smiles === undefined) === (body.ccd === undefined)) {
        issues.push({ path: ['sequences', i, 'ligand'], message: 'a ligand has either smiles or ccd, not both and not neither' });
      }
      return;
    }
    for (const [m, modification] of (body.modifications ?? []).entries()) {
      if (modification.position > body.sequence.length) {
        issues.push({ path: ['sequences', i, type, 'modifications', m, 'position'], message: `the sequence has ${body.sequence.length} residues` });
      }
    }
    if (type !== 'protein') return;
    const { msa, sequence } = body;
    if (msa === undefined && !input.options.useMsaServer) {
      // main.py:580-582: "Missing MSA's in input and --use_msa_server flag not set."
      issues.push({ path: ['sequences', i, 'protein', 'msa'], message: 'give an alignment ({"a3m": …}), or "empty" for single-sequence mode, or set options.useMsaServer' });
    }
    if (msa && msa !== 'empty') {
      const query = msa.a3m.split('\n').find((line) => line.length > 0 && !line.startsWith('>') && !line.startsWith('#'));
      const ungapped = query?.replace(/[-.a-z]/g, '');
      if (!msa.a3m.trimStart().startsWith('>') || ungapped !== sequence) {
        issues.push({ path: ['sequences', i, 'protein', 'msa', 'a3m'], message: "the alignment's first sequence must be this chain's sequence" });
      }
    }
  });

  checkEntities(input, [...entities.values()], issues);
  checkAffinity(input, chains, issues);
  checkConstraints(input, chains, issues);
  checkTemplates(input, chains, issues);
  return issues;
}

/** Entries Boltz folds into one entity must agree on what it reads from the first of them only. */
function checkEntities(input: FoldInput, entities: Entity[], issues: Issue[]): void {
  let custom: (string | number)[] | undefined;
  let generated: (string | number)[] | undefined;
  for (const { entries } of entities) {
    const [first, ...rest] = entries;
    const firstChain = idsOf(first!.entry.body.id)[0]!;
    for (const { index, entry } of rest) {
      const { type, body } = entry;
      const chain = idsOf(body.id)[0]!;
      const same = `chain ${chain} is written as chain ${firstChain} is, so Boltz makes them one entity`;
      if (type === 'ligand') {
        const firstBody = first!.entry.body as typeof body;
        if ((body.smiles === undefined) !== (firstBody.smiles === undefined)) {
          issues.push({ path: ['sequences', index, 'ligand'], message: `${same} and reads both as ${firstBody.smiles !== undefined ? 'SMILES' : 'CCD'}: write one of them the other way` });
        }
        continue;
      }
      const firstBody = first!.entry.body as typeof body;
      // schema.py:1164-1169: the modifications and cyclic flag of the entity's first entry are used for all.
      if (!sameJson(body.modifications, firstBody.modifications) || Boolean(body.cyclic) !== Boolean(firstBody.cyclic)) {
        issues.push({ path: ['sequences', index, type], message: `${same}, with the modifications and cyclic flag of chain ${firstChain}: give both the same, or list the ids in one entry` });
      }
      // schema.py:1106-1122: "All proteins with the same sequence must share the same MSA!"
      if (type === 'protein' && !sameJson(body.msa, (firstBody as typeof body).msa)) {
        issues.push({ path: ['sequences', index, 'protein', 'msa'], message: `${same}: it must have the same msa (Boltz: All proteins with the same sequence must share the same MSA!)` });
      }
    }
    const { entry, index } = first!;
    if (entry.type === 'protein') {
      if (entry.body.msa === undefined) generated ??= ['sequences', index, 'protein', 'msa'];
      else if (entry.body.msa !== 'empty') custom ??= ['sequences', index, 'protein', 'msa'];
    }
  }
  // schema.py:1289-1292: "Cannot mix custom and auto-generated MSAs in the same input!"
  if (custom && generated && input.options.useMsaServer) {
    issues.push({ path: generated, message: 'another protein has an uploaded alignment, and Boltz cannot mix uploaded and server alignments in one input: upload this one too, or give "empty"' });
  }
}

/** schema.py:1045-1102 (the binder: a named ligand chain, one only, of one copy) and 1189-1191 (one residue). */
function checkAffinity(input: FoldInput, chains: Map<string, Chain>, issues: Issue[]): void {
  let binder: string | undefined;
  input.properties?.forEach((property, p) => {
    const path = ['properties', p, 'affinity', 'binder'];
    const name = property.affinity.binder;
    const chain = chains.get(name);
    if (!chain) {
      issues.push({ path, message: `no chain ${name} among the sequences` });
      return;
    }
    if (chain.type !== 'ligand') {
      issues.push({ path, message: `chain ${name} is a ${chain.type}; affinity is computed for a ligand` });
      return;
    }
    if (binder !== undefined && binder !== name) {
      issues.push({ path, message: `affinity is computed for one ligand only, and chain ${binder} is already asked for` });
      return;
    }
    if (binder === name) return;
    binder = name;
    const copies = chain.entity.chains;
    if (copies.length > 1) {
      issues.push({ path, message: `ligand ${name} has ${copies.length} copies (chains ${copies.join(', ')}); Boltz computes affinity only for a ligand with one copy` });
    } else if (chain.residues > 1) {
      issues.push({ path, message: `ligand ${name} has ${chain.residues} CCD residues; Boltz computes affinity only for a single-residue ligand` });
    }
  });
}

/**
 * schema.py:1493-1575 and token_spec_to_ids (927-936): a polymer's token is a residue number, a
 * ligand's an atom name; a bond names [chain, residue from 1, atom].
 */
function checkConstraints(input: FoldInput, chains: Map<string, Chain>, issues: Issue[]): void {
  const token = (spec: readonly [string, number | string], path: (string | number)[]) => {
    const chain = chains.get(spec[0]);
    if (!chain) return issues.push({ path: [...path, 0], message: `no chain ${spec[0]} among the sequences` });
    const at = spec[1];
    if (chain.type === 'ligand') {
      if (typeof at !== 'string') issues.push({ path: [...path, 1], message: `chain ${spec[0]} is a ligand: name one of its atoms (a string such as "C1"), not a residue number` });
    } else if (typeof at !== 'number') {
      issues.push({ path: [...path, 1], message: `chain ${spec[0]} is a ${chain.type}: give a residue number (from 1), not an atom name` });
    } else if (at > chain.residues) {
      issues.push({ path: [...path, 1], message: `chain ${spec[0]} has ${chain.residues} residues` });
    }
  };
  const atom = (spec: readonly [string, number, string], path: (string | number)[]) => {
    const chain = chains.get(spec[0]);
    if (!chain) issues.push({ path: [...path, 0], message: `no chain ${spec[0]} among the sequences` });
    else if (spec[1] > chain.residues) issues.push({ path: [...path, 1], message: `chain ${spec[0]} has ${chain.residues} residue${chain.residues === 1 ? '' : 's'}` });
  };
  input.constraints?.forEach((constraint, c) => {
    if ('bond' in constraint) {
      atom(constraint.bond.atom1, ['constraints', c, 'bond', 'atom1']);
      atom(constraint.bond.atom2, ['constraints', c, 'bond', 'atom2']);
    } else if ('pocket' in constraint) {
      if (!chains.has(constraint.pocket.binder)) issues.push({ path: ['constraints', c, 'pocket', 'binder'], message: `no chain ${constraint.pocket.binder} among the sequences` });
      constraint.pocket.contacts.forEach((contact, k) => token(contact, ['constraints', c, 'pocket', 'contacts', k]));
    } else {
      token(constraint.contact.token1, ['constraints', c, 'contact', 'token1']);
      token(constraint.contact.token2, ['constraints', c, 'contact', 'token2']);
    }
  });
}

/** schema.py:1581-1663: chain_id and template_id pair up, chain_id names protein chains, force needs a threshold. */
function checkTemplates(input: FoldInput, chains: Map<string, Chain>, issues: Issue[]): void {
  input.templates?.forEach((template, t) => {
    const chainIds = template.chain_id === undefined ? [] : idsOf(template.chain_id);
    if (template.chain_id !== undefined && template.template_id !== undefined && chainIds.length !== idsOf(template.template_id).length) {
      issues.push({ path: ['templates', t, 'template_id'], message: `give as many template_id as chain_id (${chainIds.length})` });
    }
    for (const id of chainIds) {
      const chain = chains.get(id);
      if (!chain) issues.push({ path: ['templates', t, 'chain_id'], message: `no chain ${id} among the sequences` });
      else if (chain.type !== 'protein') issues.push({ path: ['templates', t, 'chain_id'], message: `chain ${id} is a ${chain.type}; templates are for protein chains` });
    }
    if (template.force && template.threshold === undefined) {
      issues.push({ path: ['templates', t, 'threshold'], message: 'a forced template needs a threshold (Ångström): Boltz refuses force without one' });
    }
  });
}
