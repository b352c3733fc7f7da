import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inlineFoldFiles, parseDocument, readInputText, requestOfDocument, solveInputOf } from '../src/cli/input-file.js';
import { UsageError } from '../src/cli/usage-error.js';

const dir = mkdtempSync(join(tmpdir(), 'gpuq-client-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* stdinOf(text: string) {
  yield Buffer.from(text.slice(0, 3));
  yield text.slice(3);
}

describe('input files', () => {
  it('reads YAML and JSON to the same document, and stdin too', async () => {
    writeFileSync(join(dir, 'in.yaml'), 'texts:\n  - A wonderful film.\n  - "Not good"\n');
    writeFileSync(join(dir, 'in.json'), '{"texts": ["A wonderful film.", "Not good"]}');
    const yaml = parseDocument(await readInputText(join(dir, 'in.yaml'), stdinOf(''), 'submit'), 'submit');
    const json = parseDocument(await readInputText(join(dir, 'in.json'), stdinOf(''), 'submit'), 'submit');
    const stdin = parseDocument(await readInputText('-', stdinOf('texts: [A wonderful film., Not good]'), 'submit'), 'submit');
    expect(yaml).toEqual({ texts: ['A wonderful film.', 'Not good'] });
    expect(json).toEqual(yaml);
    expect(stdin).toEqual(yaml);
  });

  it('names the file when it cannot be read or parsed', async () => {
    await expect(readInputText(join(dir, 'missing.yaml'), stdinOf(''), 'submit')).rejects.toThrow(new UsageError(`cannot read ${join(dir, 'missing.yaml')}: no such file`, 'submit'));
    expect(() => parseDocument({ text: '{"a": ', name: 'bad.json', dir }, 'submit')).toThrow(/^bad\.json is not valid JSON: /);
    expect(() => parseDocument({ text: 'a: [1, 2', name: 'bad.yaml', dir }, 'submit')).toThrow(/^bad\.yaml is not valid YAML or JSON: .*line 1/);
    expect(() => parseDocument({ text: '  \n', name: 'empty.yaml', dir }, 'submit')).toThrow('empty.yaml is empty');
  });

  it('takes a document as the input, or as the whole request when it has kind and input', () => {
    expect(requestOfDocument('solve', { csr_constraint_matrix: {} }, 'lp.json', 'submit')).toEqual({ kind: 'solve', input: { csr_constraint_matrix: {} } });
    const whole = { kind: 'solve', input: { format: 'mps', mps: 'x' }, priority: 80 };
    expect(requestOfDocument('solve', whole, 'job.yaml', 'submit')).toEqual(whole);
    expect(() => requestOfDocument('fold', whole, 'job.yaml', 'submit')).toThrow('job.yaml is a solve request, not fold');
  });

  it('takes a plain list of texts as an inference input', () => {
    expect(requestOfDocument('inference', ['Good.', 'Bad.'], 'texts.json', 'submit')).toEqual({ kind: 'inference', input: { texts: ['Good.', 'Bad.'] } });
    expect(requestOfDocument('inference', { texts: ['Good.'], model: 'default' }, 'texts.json', 'submit')).toEqual({ kind: 'inference', input: { texts: ['Good.'], model: 'default' } });
  });

  it('reads a Boltz YAML’s alignment and template paths relative to it, leaving "empty" and inline text alone', async () => {
    writeFileSync(join(dir, 'a.a3m'), '>A\nMVTPEG\n');
    writeFileSync(join(dir, 't.cif'), 'data_t\n_cell.length_a 1\n');
    const input = {
      version: 1,
      sequences: [{ protein: { id: 'A', sequence: 'MVTPEG', msa: './a.a3m' } }, { protein: { id: 'B', sequence: 'MV', msa: 'empty' } }, { ligand: { id: 'C', ccd: 'SAH' } }],
      templates: [{ cif: 't.cif', chain_id: 'A' }, { cif: 'data_inline\n' }],
    };
    expect(await inlineFoldFiles(input, dir, 'submit')).toEqual({
      version: 1,
      sequences: [{ protein: { id: 'A', sequence: 'MVTPEG', msa: { a3m: '>A\nMVTPEG\n' } } }, { protein: { id: 'B', sequence: 'MV', msa: 'empty' } }, { ligand: { id: 'C', ccd: 'SAH' } }],
      templates: [{ cif: 'data_t\n_cell.length_a 1\n', chain_id: 'A' }, { cif: 'data_inline\n' }],
    });
    await expect(inlineFoldFiles({ sequences: [{ protein: { id: 'A', sequence: 'M', msa: 'nope.a3m' } }] }, dir, 'submit')).rejects.toThrow(/^cannot read the alignment nope\.a3m/);
  });

  it('sends a .mps file, or MPS text on stdin, as the solve kind’s MPS input', () => {
    const mps = 'NAME x\nROWS\n N obj\nENDATA\n';
    expect(solveInputOf({ text: mps, name: 'model.MPS', dir }, 'solve')).toEqual({ format: 'mps', mps });
    expect(solveInputOf({ text: mps, name: 'stdin', dir }, 'solve')).toEqual({ format: 'mps', mps });
    expect(solveInputOf({ text: '{"csr_constraint_matrix": {}}', name: 'stdin', dir }, 'solve')).toEqual({ csr_constraint_matrix: {} });
    expect(solveInputOf({ text: 'task_data: {}', name: 'vrp.yaml', dir }, 'solve')).toEqual({ task_data: {} });
  });
});
