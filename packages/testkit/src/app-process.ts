// A gpuq app (or any program) as a real child process: its log lines kept for assertions and
// printed when a test fails, stopped with SIGTERM (or killed with SIGKILL) and awaited.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { waitFor } from './wait-for.js';

/** The repository's root: packages/testkit/dist is three levels down. */
export const ROOT = join(import.meta.dirname, '..', '..', '..');

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

export class AppProcess {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  private readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Exited, and its output read to the end. */
  private readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    script: string,
    env: Record<string, string>,
    /** Node's own options (`--cpu-prof`, say), before the script. */
    nodeArgs: readonly string[] = [],
  ) {
    this.child = spawn(process.execPath, [...nodeArgs, join(ROOT, script)], {
      cwd: ROOT,
      env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.closed = new Promise((resolve) => this.child.once('close', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal })));
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.raw.push(line);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.lines.push({ msg: line });
        }
      });
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for a log line matching `predicate`; fails with the process's last lines at the deadline, or at once if it exits first. */
  waitForLog(predicate: (line: LogLine) => boolean, what: string, timeoutMs = 15_000): Promise<LogLine> {
    const seen = waitFor(() => this.lines.find(predicate), { what: `${this.name}: ${what}`, timeoutMs }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; its last lines:\n${this.tail(20)}`);
    });
    // 'close' comes after the output streams ended, so every line the process wrote is read by then.
    const gone = this.closed.then(({ code, signal }) => {
      const line = this.lines.find(predicate);
      if (line) return line;
      throw new Error(`${this.name} exited (${signal ?? `code ${code}`}) before ${what}; its last lines:\n${this.tail(20)}`);
    });
    return Promise.race([seen, gone]);
  }

  async stop(timeoutMs = 20_000): Promise<void> {
    if (!this.isRunning) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (!this.isRunning) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** The last lines, for a failing test's message. */
  tail(n = 30): string {
    return this.raw.slice(-n).join('\n');
  }
}
