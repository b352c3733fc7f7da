// gpuq cancel <id> — a queued job never runs; a running one stops within a second.
import { parseCommandArgs, positionalsOf } from '../args.js';
import { connect, type Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { isTerminal } from '../../wait.js';

export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'cancel a job',
  help: `Usage: gpuq cancel <id> [--wait]

A queued job never runs; a running one is stopped within a second. Cancelling a job that is
already cancelled is not an error; one that ended otherwise is (exit 2).

Options:
  --wait                 wait until the job has stopped`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs('cancel', args, { wait: { type: 'boolean' } });
    const [id] = positionalsOf('cancel', positionals, ['id'] as const);
    const client = connect(values, io);
    let view = await client.cancel(id, { signal: io.signal });
    if (values.wait && !isTerminal(view)) view = await client.wait(id, { signal: io.signal });
    io.stdout.write(isTerminal(view) ? `${view.id} ${view.status}\n` : `${view.id} cancel requested (it was ${view.status}; it stops within a second)\n`);
    return ExitCode.ok;
  },
};
