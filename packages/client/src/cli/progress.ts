// Shows a job's progress on stderr while `gpuq` waits: on a terminal one line rewritten in place
// (a new line when the status changes), elsewhere (a log, CI) one line per change.
import type { JobView } from '@gpuq/shared';
import { formatDuration, truncate } from './format.js';
import type { CliErrorOutput } from './io.js';
import { describeView } from './job-text.js';

export class ProgressReporter {
  private lastLine = '';
  private lastStatus: JobView['status'] | undefined;
  private isLineOpen = false;
  private readonly startedAt: number;

  constructor(
    private readonly out: CliErrorOutput,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  /** Shows the view if it says something new. */
  readonly update = (view: JobView): void => {
    const line = `${view.id} ${describeView(view)}`;
    if (line === this.lastLine) return;
    this.lastLine = line;
    const isNewStatus = view.status !== this.lastStatus;
    this.lastStatus = view.status;
    const stamped = `[${formatDuration(this.now() - this.startedAt).padStart(6)}] ${line}`;
    if (!this.out.isTTY) {
      this.out.write(`${stamped}\n`);
      return;
    }
    // Rewriting a line only works while it fits: cut it to the terminal's width.
    const fitted = truncate(stamped, Math.max(20, (this.out.columns ?? 80) - 1));
    this.out.write(`${this.isLineOpen && isNewStatus ? '\n' : '\r\x1b[2K'}${fitted}`);
    this.isLineOpen = true;
  };

  /** Ends the rewritten line, so that what follows starts on its own. */
  finish(): void {
    if (this.isLineOpen) this.out.write('\n');
    this.isLineOpen = false;
  }
}
