// What a command reads and writes, passed in so that the same code runs in a terminal and under test.

export interface CliOutput {
  write(text: string): unknown;
}

export interface CliErrorOutput extends CliOutput {
  /** A terminal: progress rewrites one line instead of printing one line per change. */
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliErrorOutput;
  stdin: AsyncIterable<string | Uint8Array>;
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C: a wait stops (the job goes on). */
  signal: AbortSignal;
}
