// Reading what a user hands `gpuq submit` and `gpuq solve`: a YAML or JSON file (or stdin) that
// holds a job's input, or a whole request with `kind`; a Boltz YAML's alignment and template
// paths read into it, as the API takes them inline; an MPS file as the `solve` kind's MPS input.
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './usage-error.js';

export interface InputText {
  text: string;
  /** As the user named it, for messages ('stdin' for -). */
  name: string;
  /** Where relative paths inside it are read from. */
  dir: string;
}

export async function readInputText(path: string, stdin: AsyncIterable<string | Uint8Array>, command: string): Promise<InputText> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return { text: Buffer.concat(chunks).toString('utf8'), name: 'stdin', dir: process.cwd() };
  }
  try {
    return { text: await readFile(path, 'utf8'), name: path, dir: dirname(resolve(path)) };
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, command);
  }
}

/** A YAML or JSON document (JSON by a .json name, YAML otherwise: YAML reads JSON too). */
export function parseDocument(input: InputText, command: string): unknown {
  if (input.text.trim() === '') throw new UsageError(`${input.name} is empty`, command);
  if (extname(input.name).toLowerCase() === '.json') {
    try {
      return JSON.parse(input.text) as unknown;
    } catch (err) {
      throw new UsageError(`${input.name} is not valid JSON: ${(err as Error).message}`, command);
    }
  }
  try {
    return parseYaml(input.text, { prettyErrors: true }) as unknown;
  } catch (err) {
    throw new UsageError(`${input.name} is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`, command);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request a document stands for: a whole request when it has `kind` and `input`, else the input of a `kind` job. */
export function requestOfDocument(kind: string, document: unknown, name: string, command: string): Record<string, unknown> {
  if (isRecord(document) && 'kind' in document && 'input' in document) {
    if (document.kind !== kind) throw new UsageError(`${name} is a ${String(document.kind)} request, not ${kind}`, command);
    return { ...document };
  }
  // Texts to classify, as a plain list: the inference input they stand for.
  if (kind === 'inference' && Array.isArray(document) && document.every((text) => typeof text === 'string')) return { kind, input: { texts: document } };
  return { kind, input: document };
}

/**
 * A Boltz YAML names its alignments (`msa: ./a.a3m`) and templates (`cif: ./t.cif`) by path; the
 * API takes their text (`msa: {a3m: …}`, `cif: <text>`). Paths are read relative to the file.
 */
export async function inlineFoldFiles(input: unknown, dir: string, command: string): Promise<unknown> {
  if (!isRecord(input)) return input;
  const read = async (path: string, what: string) => {
    try {
      return await readFile(isAbsolute(path) ? path : resolve(dir, path), 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${what} ${path}: ${(err as Error).message}`, command);
    }
  };
  const sequences = Array.isArray(input.sequences)
    ? await Promise.all(
        input.sequences.map(async (entry: unknown) => {
          if (!isRecord(entry) || !isRecord(entry.protein)) return entry;
          const protein = entry.protein;
          if (typeof protein.msa !== 'string' || protein.msa === 'empty') return entry;
          return { ...entry, protein: { ...protein, msa: { a3m: await read(protein.msa, 'the alignment') } } };
        }),
      )
    : input.sequences;
  const templates = Array.isArray(input.templates)
    ? await Promise.all(
        input.templates.map(async (template: unknown) => {
          // A path is one line; mmCIF text never is.
          if (!isRecord(template) || typeof template.cif !== 'string' || template.cif.includes('\n')) return template;
          return { ...template, cif: await read(template.cif, 'the template') };
        }),
      )
    : input.templates;
  return { ...input, ...(sequences === undefined ? {} : { sequences }), ...(templates === undefined ? {} : { templates }) };
}

/** `gpuq solve`'s file: MPS text (by a .mps name, or stdin that is not JSON) or an LP/VRP document. */
export function solveInputOf(input: InputText, command: string): unknown {
  const isMps = /\.mps$/i.test(input.name) || (input.name === 'stdin' && !/^\s*[{[]/.test(input.text));
  if (isMps) {
    if (input.text.trim() === '') throw new UsageError(`${input.name} is empty`, command);
    return { format: 'mps', mps: input.text };
  }
  return parseDocument(input, command);
}
