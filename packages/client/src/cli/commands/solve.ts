// gpuq solve <model.mps|problem.json|-> — a solve job from an MPS file or an LP/MILP/VRP in cuOpt's JSON.
import { numberOption, parseCommandArgs, positionalsOf } from '../args.js';
import { connect, type Command } from '../command.js';
import { readInputText, requestOfDocument, solveInputOf } from '../input-file.js';
import { SUBMIT_HELP, SUBMIT_OPTIONS, submitAndReport, submitFlagsOf } from '../submit-flow.js';

const OPTIONS = { ...SUBMIT_OPTIONS, 'time-limit': { type: 'string' } } as const;

export const solveCommand: Command = {
  name: 'solve',
  summary: 'solve an MPS file, or an LP, MILP or VRP in cuOpt JSON',
  help: `Usage: gpuq solve <model.mps|problem.json|problem.yaml|-> [options]

Submits a solve job. A .mps file (fixed or free format) is sent as MPS; a JSON or YAML file is an
LP, MILP or VRP in cuOpt's JSON (or a whole request with "kind": "solve"). On stdin, text that
does not start with "{" is read as MPS. Prints the job's id; with --wait, the solver's status and
objective.

Options:
  --time-limit S         the solver's time limit in seconds (solver_config.time_limit)
${SUBMIT_HELP}`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs('solve', args, OPTIONS);
    const [path] = positionalsOf('solve', positionals, ['model'] as const);
    const timeLimitS = numberOption('solve', 'time-limit', values['time-limit'], { min: 0 });
    const flags = submitFlagsOf('solve', values);
    const client = connect(values, io);
    const file = await readInputText(path, io.stdin, 'solve');
    const request = requestOfDocument('solve', solveInputOf(file, 'solve'), file.name, 'solve');
    if (timeLimitS !== undefined) request.input = withTimeLimit(request.input, timeLimitS);
    return submitAndReport(client, request, flags, io);
  },
};

/** The input with solver_config.time_limit set, whatever else its solver_config says. */
function withTimeLimit(input: unknown, timeLimitS: number): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const config = (input as { solver_config?: Record<string, unknown> }).solver_config ?? {};
  return { ...input, solver_config: { ...config, time_limit: timeLimitS } };
}
