// gpuq logs <id> [--follow] — what has happened to a job, one dated line each, then the worker's
// own output (solver log, container output, process stderr); with --follow, both as they happen,
// until the job ends.
import type { JobView } from '@gpuq/shared';
import { parseCommandArgs, positionalsOf } from '../args.js';
import { connect, type Command } from '../command.js';
import { ExitCode, exitCodeForStatus } from '../exit-codes.js';
import { formatTime } from '../format.js';
import type { CliOutput } from '../io.js';
import { describeView, timelineOf } from '../job-text.js';
import { isTerminal } from '../../wait.js';
import { sleep } from '../../sleep.js';

export const logsCommand: Command = {
  name: 'logs',
  summary: "print a job's events, one dated line each, and its worker's output (--follow: until it ends)",
  help: `Usage: gpuq logs <id> [--follow]

Prints the job's events, one dated line each, then what its worker wrote: the solver's log, the
fold container's output, the program's stderr.

Options:
  --follow, -f           keep printing events and output until the job ends; exits as --wait does`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs('logs', args, { follow: { type: 'boolean', short: 'f' } });
    const [id] = positionalsOf('logs', positionals, ['id'] as const);
    const client = connect(values, io);
    const printer = new EventPrinter(io.stdout);
    const output = new OutputPrinter(io.stdout);
    const printOutput = async () => output.show(await client.logs(id, { offset: output.offset, signal: io.signal }));
    if (!values.follow) {
      printer.show(await client.get(id, { signal: io.signal }));
      await printOutput();
      return ExitCode.ok;
    }
    // The worker's output is read every second while the events stream; once more at the end.
    let isWaiting = true;
    const reading = (async () => {
      while (isWaiting) {
        await printOutput().catch(() => undefined);
        await sleep(1_000, io.signal).catch(() => undefined);
      }
    })();
    try {
      const final = await client.wait(id, { onProgress: printer.show, signal: io.signal });
      printer.show(final);
      isWaiting = false;
      await reading;
      await printOutput();
      return exitCodeForStatus(final.status);
    } finally {
      isWaiting = false;
    }
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

/** Prints the worker's output as it grows, under one header line, keeping where the next read starts. */
export class OutputPrinter {
  offset = 0;
  private hasHeader = false;

  constructor(private readonly out: CliOutput) {}

  show(read: { text: string; nextOffset: number }): void {
    this.offset = read.nextOffset;
    if (read.text.length === 0) return;
    if (!this.hasHeader) {
      this.hasHeader = true;
      this.out.write('--- worker output ---\n');
    }
    this.out.write(read.text);
  }
}
