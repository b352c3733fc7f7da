// gpuq logs <id> [--follow] — what has happened to a job, one dated line each; with --follow,
// each change as it happens, until the job ends.
import type { JobView } from '@gpuq/shared';
import { parseCommandArgs, positionalsOf } from '../args.js';
import { connect, type Command } from '../command.js';
import { ExitCode, exitCodeForStatus } from '../exit-codes.js';
import { formatTime } from '../format.js';
import type { CliOutput } from '../io.js';
import { describeView, timelineOf } from '../job-text.js';
import { isTerminal } from '../../wait.js';

export const logsCommand: Command = {
  name: 'logs',
  summary: "print a job's events, one dated line each (--follow: until it ends)",
  help: `Usage: gpuq logs <id> [--follow]

Options:
  --follow, -f           keep printing changes until the job ends; exits as --wait does`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs('logs', args, { follow: { type: 'boolean', short: 'f' } });
    const [id] = positionalsOf('logs', positionals, ['id'] as const);
    const client = connect(values, io);
    const printer = new EventPrinter(io.stdout);
    if (!values.follow) {
      printer.show(await client.get(id, { signal: io.signal }));
      return ExitCode.ok;
    }
    const final = await client.wait(id, { onProgress: printer.show, signal: io.signal });
    printer.show(final);
    return exitCodeForStatus(final.status);
  },
};

/** Prints each event of the views it is shown once: dated history, then the state now when it changes. */
export class EventPrinter {
  private readonly printed = new Set<string>();
  private lastState = '';

  constructor(
    private readonly out: CliOutput,
    private readonly now: () => number = Date.now,
  ) {}

  readonly show = (view: JobView): void => {
    for (const entry of timelineOf(view)) {
      const line = `${formatTime(entry.at)}  ${entry.text}`;
      if (this.printed.has(line)) continue;
      this.printed.add(line);
      this.out.write(`${line}\n`);
    }
    if (isTerminal(view)) return;
    const state = describeView(view);
    if (state === this.lastState) return;
    this.lastState = state;
    this.out.write(`${formatTime(this.now())}  ${state}\n`);
  };
}
