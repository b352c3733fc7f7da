// Boltz-2's own strings and file names, in one table: the fold collector reads Boltz's output
// through it, the test stand-in (test/fakes/boltz) prints and writes through it, and the tests
// build their logs from it, so none of them can drift from Boltz or from each other. Each entry
// cites where Boltz writes it, as `file:line` under src/boltz/ at the release below.
// `{name}` marks a value Boltz fills in.

/** The Boltz release the table was read from (the image installs it: deploy/images/boltz2). */
export const BOLTZ_RELEASE = { version: '2.2.0', tag: 'v2.2.0', commit: 'ac1c8582d61a728bee899451ff95e6e93be8922a' } as const;

export interface BoltzString {
  readonly text: string;
  readonly source: string;
}

/** Lines Boltz prints, each on its own line (stdout unless said). */
export const BOLTZ_LINES = {
  checkingInput: { text: 'Checking input data.', source: 'main.py:295' },
  processing: { text: 'Processing {count} inputs with {threads} threads.', source: 'main.py:795' },
  alreadyProcessed: { text: 'All inputs are already processed.', source: 'main.py:739' },
  emptyMsa: {
    text: 'Found explicit empty MSA for some proteins, will run these in single sequence mode. Keep in mind that the model predictions will be suboptimal without an MSA.',
    source: 'data/parse/schema.py:1127-1132',
  },
  /** A parse failure: caught, after a traceback on stderr; the input is dropped and the run goes on (exit 0). */
  inputRejected: { text: 'Failed to process {path}. Skipping. Error: {error}.', source: 'main.py:657-660' },
  runningStructure: { text: 'Running structure prediction for {count} input.', source: 'main.py:1265-1267' },
  /** Caught per batch; the batch writes no files. */
  outOfMemory: { text: '| WARNING: ran out of memory, skipping batch', source: 'model/models/boltz2.py:1125' },
  /** Printed at the end of each stage: structure, then affinity. */
  failedExamples: { text: 'Number of failed examples: {count}', source: 'data/write/writer.py:267 (structure), 343 (affinity)' },
  /** Echoed with a blank line before and after. */
  predictingAffinity: { text: 'Predicting property: affinity', source: 'main.py:1337' },
  checkingAffinity: { text: 'Checking input data for affinity.', source: 'main.py:387' },
  runningAffinity: { text: 'Running affinity prediction for {count} input.', source: 'main.py:1349-1351' },
  /**
   * The data loader's four failures. Each is followed by `__getitem__(0)` again, so with one input
   * the same line repeats until Python's recursion limit: a RecursionError, and exit 1.
   */
  tokenizerFailed: { text: 'Tokenizer failed on {id} with error {error}. Skipping.', source: 'data/module/inferencev2.py:233-235' },
  cropperFailed: { text: 'Cropper failed on {id} with error {error}. Skipping.', source: 'data/module/inferencev2.py:246' },
  moleculesFailed: { text: 'Molecule loading failed for {id} with error {error}. Skipping.', source: 'data/module/inferencev2.py:258' },
  featurizerFailed: { text: 'Featurizer failed on {id} with error {error}. Skipping.', source: 'data/module/inferencev2.py:297-298 (after a traceback)' },
  /** Uncaught (exit 1): only when the weights are missing from the cache and cannot be fetched. */
  downloadFailed: { text: 'Failed to download model from all URLs. Last error: {error}', source: 'main.py:239 (RuntimeError)' },
} as const satisfies Record<string, BoltzString>;

/** Error texts that appear inside `inputRejected` and the data loader's lines. */
export const BOLTZ_ERRORS = {
  ccdNotFound: { text: 'CCD component {code} not found!', source: 'data/mol.py:35' },
  /**
   * A SMILES RDKit cannot read: MolFromSmiles returns None and AddHs(None) raises Boost.Python's
   * ArgumentError, several lines long (schema.py:1231-1232). The lines below are its shape; the C++
   * signature differs between RDKit releases.
   */
  smilesUnreadable: {
    text: 'Python argument types in\n    rdkit.Chem.rdmolops.AddHs(NoneType)\ndid not match C++ signature:\n    AddHs(RDKit::ROMol mol, bool explicitOnly=False, bool addCoords=False, boost::python::api::object onlyOnAtoms=None, bool addResidueInfo=False)',
    source: 'data/parse/schema.py:1231-1232 (RDKit)',
  },
  /** The affinity stage reads the structure stage's rank-0 model; absent when that stage failed (exit 1). */
  preAffinityMissing: { text: "[Errno 2] No such file or directory: '{path}'", source: 'data/module/inferencev2.py:62-66 (np.load)' },
} as const satisfies Record<string, BoltzString>;

/** Where Boltz writes, relative to `--out_dir`. */
export const BOLTZ_FILES = {
  results: { text: 'boltz_results_{stem}', source: 'main.py:1133' },
  msaDir: { text: 'boltz_results_{stem}/msa', source: 'main.py:744' },
  records: { text: 'boltz_results_{stem}/processed/records/{id}.json', source: 'main.py:745, 653' },
  manifest: { text: 'boltz_results_{stem}/processed/manifest.json', source: 'main.py:807' },
  structures: { text: 'boltz_results_{stem}/processed/structures/{id}.npz', source: 'main.py:746, 649' },
  processedMsa: { text: 'boltz_results_{stem}/processed/msa/{id}_{index}.npz', source: 'main.py:747, 611' },
  constraints: { text: 'boltz_results_{stem}/processed/constraints/{id}.npz', source: 'main.py:748, 640' },
  templates: { text: 'boltz_results_{stem}/processed/templates', source: 'main.py:749' },
  mols: { text: 'boltz_results_{stem}/processed/mols/{id}.pkl', source: 'main.py:750, 645' },
  predictions: { text: 'boltz_results_{stem}/predictions/{id}', source: 'main.py:1248; data/write/writer.py:150' },
  /** rank 0 is the highest confidence_score; ranks run 0..samples-1, not zero-padded. */
  model: { text: '{id}_model_{rank}.{extension}', source: 'data/write/writer.py:74-76, 159-169' },
  confidence: { text: 'confidence_{id}_model_{rank}.json', source: 'data/write/writer.py:185-187' },
  plddt: { text: 'plddt_{id}_model_{rank}.npz', source: 'data/write/writer.py:225-229' },
  pae: { text: 'pae_{id}_model_{rank}.npz', source: 'data/write/writer.py:234-238' },
  pde: { text: 'pde_{id}_model_{rank}.npz', source: 'data/write/writer.py:243-247' },
  /** Only when affinity is asked: the rank-0 structure, which the affinity stage reads. */
  preAffinity: { text: 'pre_affinity_{id}.npz', source: 'data/write/writer.py:178-180' },
  affinity: { text: 'affinity_{id}.json', source: 'data/write/writer.py:329-334' },
} as const satisfies Record<string, BoltzString>;

/** The keys of `confidence_*.json` and `affinity_*.json`. */
export const BOLTZ_CONFIDENCE_KEYS = {
  text: 'confidence_score ptm iptm ligand_iptm protein_iptm complex_plddt complex_iplddt complex_pde complex_ipde chains_ptm pair_chains_iptm',
  source: 'data/write/writer.py:189-214',
} as const;
export const BOLTZ_AFFINITY_KEYS = {
  text: 'affinity_pred_value affinity_probability_binary affinity_pred_value1 affinity_probability_binary1 affinity_pred_value2 affinity_probability_binary2',
  source: 'data/write/writer.py:307-326 (the last four when the model is an ensemble)',
} as const;

/**
 * Lines that are not Boltz's but follow its messages in a container's log: Lightning's start-up
 * lines and tqdm's progress bars (pytorch-lightning 2.5.0 and tqdm, as boltz 2.2.0 pins and pulls
 * them). A multi-line error ends where one of these, or one of BOLTZ_LINES, begins.
 */
export const OTHER_LINE_STARTS = [
  'GPU available:',
  'TPU available:',
  'HPU available:',
  'IPU available:',
  'LOCAL_RANK:',
  'Using ',
  'You are using a CUDA device',
  'Predicting DataLoader',
  'Traceback (most recent call last):',
] as const;

/** `{name}` placeholders replaced by the values given. */
export function fill(template: BoltzString | string, values: Record<string, string | number>): string {
  const text = typeof template === 'string' ? template : template.text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A template as a regular expression: each `{name}` a named group. `error` matches across lines
 * (lazily); every other placeholder within one line. Anchored: the whole text is the template.
 */
export function patternOf(template: BoltzString | string): RegExp {
  const text = typeof template === 'string' ? template : template.text;
  const source = text
    .split(/(\{\w+\})/)
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (!name) return escapeRegExp(part);
      return name === 'error' ? `(?<${name}>[\\s\\S]*?)` : `(?<${name}>[^\\n]*?)`;
    })
    .join('');
  return new RegExp(`^${source}$`);
}
