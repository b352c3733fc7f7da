// gpuq drain <box> / gpuq undrain <box> — take a box out of service for maintenance and back (an
// admin key): a drained box finishes what it runs and takes nothing new; other boxes take its share.
import { parseCommandArgs, positionalsOf } from '../args.js';
import { connect, type Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';

export const drainCommand: Command = {
  name: 'drain',
  summary: 'drain a box: it finishes what it runs and takes no new jobs (admin)',
  help: `Usage: gpuq drain <box> [--reason <text>]

The box's scheduler finishes the jobs it runs and takes no new ones; the other boxes take the
queued jobs it would have taken. It stays drained, across restarts, until \`gpuq undrain <box>\`.
\`gpuq gpus\` shows which boxes are drained and why. Needs an admin key.

Options:
  --reason <text>        why, shown wherever the box is (default: maintenance)`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs('drain', args, { reason: { type: 'string' } });
    const [box] = positionalsOf('drain', positionals, ['box'] as const);
    const state = await connect(values, io).drainBox(box, values.reason, { signal: io.signal });
    io.stdout.write(`${state.boxId} drained (${state.drainedReason}): it finishes what it runs and takes no new jobs\n`);
    return ExitCode.ok;
  },
};

export const undrainCommand: Command = {
  name: 'undrain',
  summary: 'undrain a box: it takes jobs again (admin)',
  help: `Usage: gpuq undrain <box>

The box's scheduler takes jobs again. Needs an admin key.`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs('undrain', args, {});
    const [box] = positionalsOf('undrain', positionals, ['box'] as const);
    const state = await connect(values, io).undrainBox(box, { signal: io.signal });
    io.stdout.write(`${state.boxId} takes jobs again\n`);
    return ExitCode.ok;
  },
};
