// The fold input's checks agree with Boltz 2.2.0's parser in both directions: what schema.py refuses
// is refused at submit, naming the field; what it accepts passes. Each case names the lines of
// src/boltz/data/parse/schema.py (tag v2.2.0) it follows.
import { describe, expect, it } from 'vitest';
import { FoldInput, issuesToDetails } from '../src/index.js';

const problems = (input: unknown) => {
  const result = FoldInput.safeParse(input);
  return result.success ? [] : issuesToDetails(result.error.issues);
};

const A3M = '>query\nMKTAYIAK\n>hit\nMKTAHIAK\n';
const protein = (id: string | string[], extra: Record<string, unknown> = {}) => ({ protein: { id, sequence: 'MKTAYIAK', msa: 'empty', ...extra } });
const smiles = (id: string | string[], value = 'CCO') => ({ ligand: { id, smiles: value } });
const ccd = (id: string | string[], value: string | string[]) => ({ ligand: { id, ccd: value } });
const affinityOf = (binder: string) => ({ affinity: { binder } });

describe('affinity (schema.py:1045-1102, 1189-1191)', () => {
  it('refuses a binder with copies: an id list, or another ligand written the same way', () => {
    expect(problems({ sequences: [protein('A'), smiles(['L', 'M'])], properties: [affinityOf('L')] })).toEqual([
      { path: 'properties[0].affinity.binder', message: 'ligand L has 2 copies (chains L, M); Boltz computes affinity only for a ligand with one copy' },
    ]);
    expect(problems({ sequences: [protein('A'), smiles('L'), smiles('M')], properties: [affinityOf('L')] })[0]?.message).toMatch(/^ligand L has 2 copies/);
    expect(problems({ sequences: [protein('A'), ccd('L', 'SAH'), ccd('M', 'SAH')], properties: [affinityOf('M')] })[0]?.message).toMatch(/^ligand M has 2 copies/);
  });

  it('refuses a ligand of several CCD residues, and a second binder; takes the same binder named twice', () => {
    expect(problems({ sequences: [protein('A'), ccd('G', ['NAG', 'NAG'])], properties: [affinityOf('G')] })).toEqual([
      { path: 'properties[0].affinity.binder', message: 'ligand G has 2 CCD residues; Boltz computes affinity only for a single-residue ligand' },
    ]);
    expect(problems({ sequences: [protein('A'), smiles('L'), smiles('M', 'CCN')], properties: [affinityOf('L'), affinityOf('M')] })).toEqual([
      { path: 'properties[1].affinity.binder', message: 'affinity is computed for one ligand only, and chain L is already asked for' },
    ]);
    expect(problems({ sequences: [protein('A'), smiles('L')], properties: [affinityOf('L'), affinityOf('L')] })).toEqual([]);
  });
});

describe('ligands (schema.py:1016-1032, 1178-1213)', () => {
  it('takes a CCD list: a ligand of several residues', () => {
    expect(problems({ sequences: [protein('A'), ccd('G', ['NAG', 'NAG', 'MAN'])] })).toEqual([]);
    expect(problems({ sequences: [ccd('G', [])] })[0]?.path).toBe('sequences[0].ligand.ccd');
  });

  it('refuses a SMILES and a CCD code written the same way: Boltz makes them one entity', () => {
    expect(problems({ sequences: [ccd('L', 'CO'), smiles('M', 'CO')] })).toEqual([
      { path: 'sequences[1].ligand', message: 'chain M is written as chain L is, so Boltz makes them one entity and reads both as CCD: write one of them the other way' },
    ]);
  });
});

describe('alignments (schema.py:1106-1122, 1289-1292)', () => {
  const withMsa = (id: string, msa: unknown) => ({ protein: { id, sequence: 'MKTAYIAK', msa } });

  it('chains with the same sequence share one alignment, or Boltz refuses them', () => {
    expect(problems({ sequences: [withMsa('A', { a3m: A3M }), withMsa('B', { a3m: A3M })] })).toEqual([]);
    expect(problems({ sequences: [withMsa('A', { a3m: A3M }), withMsa('B', 'empty')] })).toEqual([
      {
        path: 'sequences[1].protein.msa',
        message: 'chain B is written as chain A is, so Boltz makes them one entity: it must have the same msa (Boltz: All proteins with the same sequence must share the same MSA!)',
      },
    ]);
    expect(problems({ sequences: [withMsa('A', { a3m: A3M }), withMsa('B', { a3m: `${A3M}>hit2\nMKTAYLAK\n` })] })[0]?.path).toBe('sequences[1].protein.msa');
  });

  it('refuses uploaded and server alignments in one input', () => {
    const input = { sequences: [withMsa('A', { a3m: A3M }), { protein: { id: 'B', sequence: 'GSGSGS' } }], options: { useMsaServer: true } };
    expect(problems(input)).toEqual([
      { path: 'sequences[1].protein.msa', message: 'another protein has an uploaded alignment, and Boltz cannot mix uploaded and server alignments in one input: upload this one too, or give "empty"' },
    ]);
    expect(problems({ ...input, sequences: [withMsa('A', 'empty'), { protein: { id: 'B', sequence: 'GSGSGS' } }] })).toEqual([]);
  });

  it('refuses chains of one entity that differ in what Boltz reads from the first only (modifications, cyclic)', () => {
    expect(problems({ sequences: [protein('A'), protein('B', { modifications: [{ position: 2, ccd: 'SEP' }] })] })[0]).toEqual({
      path: 'sequences[1].protein',
      message: 'chain B is written as chain A is, so Boltz makes them one entity, with the modifications and cyclic flag of chain A: give both the same, or list the ids in one entry',
    });
    expect(problems({ sequences: [protein('A', { cyclic: true }), protein('B', { cyclic: true })] })).toEqual([]);
  });
});

describe('constraints (schema.py:1493-1575, token_spec_to_ids 927-936)', () => {
  const sequences = [protein('A'), smiles('L')];

  it('a polymer’s token is a residue number within it, a ligand’s an atom name', () => {
    expect(problems({ sequences, constraints: [{ pocket: { binder: 'L', contacts: [['A', 3], ['L', 'C1']] } }] })).toEqual([]);
    expect(problems({ sequences, constraints: [{ pocket: { binder: 'L', contacts: [['A', 'CA'], ['A', 9], ['L', 2]] } }] })).toEqual([
      { path: 'constraints[0].pocket.contacts[0][1]', message: 'chain A is a protein: give a residue number (from 1), not an atom name' },
      { path: 'constraints[0].pocket.contacts[1][1]', message: 'chain A has 8 residues' },
      { path: 'constraints[0].pocket.contacts[2][1]', message: 'chain L is a ligand: name one of its atoms (a string such as "C1"), not a residue number' },
    ]);
    expect(problems({ sequences, constraints: [{ contact: { token1: ['A', 1], token2: ['Q', 1] } }] })).toEqual([{ path: 'constraints[0].contact.token2[0]', message: 'no chain Q among the sequences' }]);
  });

  it('a bond names a residue that exists: within a polymer, the first (or nth CCD) residue of a ligand', () => {
    expect(problems({ sequences, constraints: [{ bond: { atom1: ['A', 8, 'SG'], atom2: ['L', 1, 'C1'] } }] })).toEqual([]);
    expect(problems({ sequences, constraints: [{ bond: { atom1: ['A', 9, 'SG'], atom2: ['L', 2, 'C1'] } }] })).toEqual([
      { path: 'constraints[0].bond.atom1[1]', message: 'chain A has 8 residues' },
      { path: 'constraints[0].bond.atom2[1]', message: 'chain L has 1 residue' },
    ]);
  });
});

describe('templates (schema.py:1581-1663)', () => {
  const sequences = [protein('A'), smiles('L')];
  const cif = 'data_t\n';

  it('refuses force without a threshold; takes it with one', () => {
    expect(problems({ sequences, templates: [{ cif, force: true }] })).toEqual([
      { path: 'templates[0].threshold', message: 'a forced template needs a threshold (Ångström): Boltz refuses force without one' },
    ]);
    expect(problems({ sequences, templates: [{ cif, force: true, threshold: 2 }] })).toEqual([]);
  });

  it('chain_id names protein chains, as many as template_id', () => {
    expect(problems({ sequences, templates: [{ cif, chain_id: 'L' }] })).toEqual([{ path: 'templates[0].chain_id', message: 'chain L is a ligand; templates are for protein chains' }]);
    expect(problems({ sequences, templates: [{ cif, chain_id: ['A'], template_id: ['A', 'B'] }] })).toEqual([{ path: 'templates[0].template_id', message: 'give as many template_id as chain_id (1)' }]);
    expect(problems({ sequences, templates: [{ cif, chain_id: 'A', template_id: 'B' }] })).toEqual([]);
  });
});
