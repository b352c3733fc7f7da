// gpuq submit <kind> <file|-> — a job whose input (or whole request) is in a YAML or JSON file.
import { KINDS } from '@gpuq/shared';
import { parseCommandArgs, positionalsOf } from '../args.js';
import { connect, type Command } from '../command.js';
import { inlineFoldFiles, parseDocument, readInputText, requestOfDocument } from '../input-file.js';
import { SUBMIT_HELP, SUBMIT_OPTIONS, submitAndReport, submitFlagsOf } from '../submit-flow.js';
import { UsageError } from '../usage-error.js';

export const submitCommand: Command = {
  name: 'submit',
  summary: 'submit a job from a YAML or JSON file',
  help: `Usage: gpuq submit <kind> <input.yaml|input.json|-> [options]

Submits a ${KINDS.join(', ')} job. The file holds the job's input (for fold, a Boltz YAML: its
alignment and template paths are read relative to it), or a whole request with "kind" and
"input". Prints the job's id.

Options:
${SUBMIT_HELP}`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs('submit', args, SUBMIT_OPTIONS);
    const [kind, path] = positionalsOf('submit', positionals, ['kind', 'input'] as const);
    if (!(KINDS as readonly string[]).includes(kind)) throw new UsageError(`unknown kind '${kind}': expected ${KINDS.join(', ')}`, 'submit');
    const flags = submitFlagsOf('submit', values);
    const client = connect(values, io);
    const file = await readInputText(path, io.stdin, 'submit');
    const request = requestOfDocument(kind, parseDocument(file, 'submit'), file.name, 'submit');
    if (kind === 'fold') request.input = await inlineFoldFiles(request.input, file.dir, 'submit');
    return submitAndReport(client, request, flags, io);
  },
};
