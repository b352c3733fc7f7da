// Ordered, idempotent shutdown: stop intake, then workers, then queues, then Redis. Every step
// runs even when an earlier one fails or hangs, and a second signal does not start a second run.
import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run: () => unknown;
  /** How long this step may take before the next one starts anyway. */
  timeoutMs?: number;
}

export class Shutdown {
  private readonly steps: ShutdownStep[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  /** Steps run in the order they were added. */
  add(step: ShutdownStep): this {
    this.steps.push(step);
    return this;
  }

  run(reason: string): Promise<void> {
    this.running ??= this.runSteps(reason);
    return this.running;
  }

  /** Run on SIGINT/SIGTERM, then exit with `exitCode`. */
  onSignals(exitCode = 0): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        void this.run(signal).finally(() => process.exit(exitCode));
      });
    }
  }

  private async runSteps(reason: string): Promise<void> {
    this.log.info({ reason }, 'shutting down');
    for (const step of this.steps) {
      const timeoutMs = step.timeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step.run),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`did not finish within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (err) {
        this.log.error({ err, step: step.name }, 'shutdown step failed');
      } finally {
        clearTimeout(timer);
      }
    }
    this.log.info('shut down');
  }
}
