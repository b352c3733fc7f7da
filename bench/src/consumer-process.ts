// The bench's end of a consumer process, gpuq's scheduler (noop-scheduler.ts) or the baseline's
// BullMQ Worker (noop-worker.ts): forked with its own heap and RSS, heard over IPC, its memory read
// from /proc, and stopped.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, waitFor } from '@gpuq/testkit';
import type { ChildMessage, ChildStats, ParentMessage, StageTimes, StartReporting } from './child-messages.js';
import { onCleanup, throwIfStopping } from './cleanup.js';

export class ConsumerProcess {
  private readonly output: string[] = [];
  private readonly startListeners: Array<(jobId: string, atMs: number, stages?: StageTimes) => void> = [];
  private readonly statsWaiters: Array<{ resolve: (stats: ChildStats) => void; reject: (err: Error) => void }> = [];
  private isReady = false;
  private exitCode: number | string | undefined;
  private readonly exited: Promise<void>;
  readonly stop: () => Promise<void>;

  private constructor(
    private readonly what: string,
    private readonly child: ChildProcess,
  ) {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.output.push(line);
        if (this.output.length > 40) this.output.shift();
      });
    }
    child.on('message', (message: ChildMessage) => this.onMessage(message));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? signal ?? 'unknown';
        for (const waiter of this.statsWaiters.splice(0)) waiter.reject(new Error(`${this.what} exited (${this.exitCode})\n${this.tail()}`));
        resolve();
      }),
    );
    this.stop = onCleanup(what, async () => {
      if (this.exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await this.exited;
      clearTimeout(timer);
    }, 25_000);
  }

  /** Forks `script` (in bench/dist) and waits until it says it is ready. */
  static async start(what: string, script: string, reporting: StartReporting, env: Record<string, string>, execArgv: string[] = []): Promise<ConsumerProcess> {
    throwIfStopping();
    const child = fork(join(ROOT, 'bench', 'dist', script), {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', BENCH_REPORT_STARTS: reporting, ...env },
      // So the bench can ask for the heap after a full collection: what it retains, not what awaits collection.
      execArgv: [...process.execArgv, '--expose-gc', ...execArgv],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const consumer = new ConsumerProcess(what, child);
    try {
      await waitFor(
        () => {
          if (consumer.exitCode !== undefined) throw new Error(`it exited (${consumer.exitCode})`);
          return consumer.isReady;
        },
        { what: `${what} to start`, timeoutMs: 30_000 },
      );
    } catch (err) {
      await consumer.stop();
      throw new Error(`${(err as Error).message}\n${consumer.tail()}`);
    }
    return consumer;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get isRunning(): boolean {
    return this.exitCode === undefined;
  }

  /** Called with each job's executor start, in 'each' reporting. */
  onStart(listener: (jobId: string, atMs: number, stages?: StageTimes) => void): void {
    this.startListeners.push(listener);
  }

  /** The child's counts and heap, now (after a full garbage collection with `collectGarbage`). */
  stats(collectGarbage = false): Promise<ChildStats> {
    return new Promise((resolve, reject) => {
      if (!this.isRunning) return reject(new Error(`${this.what} exited (${this.exitCode})\n${this.tail()}`));
      this.statsWaiters.push({ resolve, reject });
      this.child.send({ type: 'report', collectGarbage } satisfies ParentMessage);
    });
  }

  /** Its resident set from /proc (Linux), in bytes; undefined where /proc is not there. */
  rssBytes(): number | undefined {
    try {
      const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
      return kb === undefined ? undefined : Number(kb) * 1024;
    } catch {
      return undefined;
    }
  }

  /** Its last lines of output, for an error message. */
  tail(): string {
    return this.output.join('\n');
  }

  private onMessage(message: ChildMessage): void {
    switch (message.type) {
      case 'ready':
        this.isReady = true;
        break;
      case 'started':
        for (const listener of this.startListeners) listener(message.jobId, message.atMs, message.stages);
        break;
      case 'stats': {
        const { type: _type, ...stats } = message;
        for (const waiter of this.statsWaiters.splice(0)) waiter.resolve(stats);
        break;
      }
    }
  }
}

/**
 * gpuq's scheduler, wired as in production, with a no-op executor for every kind; with
 * `profileDir`, under V8's sampling profiler (--cpu-prof), which writes
 * `CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile` there when the process exits.
 */
export function startScheduler(options: { redisUrl: string; configPath: string; reporting: StartReporting; profileDir?: string }): Promise<ConsumerProcess> {
  const env = { REDIS_URL: options.redisUrl, GPUQ_CONFIG: options.configPath, SCHEDULER_METRICS_PORT: '0', SCHEDULER_SHUTDOWN_GRACE_S: '1' };
  return ConsumerProcess.start('the scheduler', 'noop-scheduler.js', options.reporting, env, options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`]);
}

/** A plain BullMQ Worker on `queue` whose processor does nothing. */
export function startBullmqWorker(options: { redisUrl: string; queue: string; concurrency: number; reporting: StartReporting }): Promise<ConsumerProcess> {
  return ConsumerProcess.start('the BullMQ worker', 'noop-worker.js', options.reporting, {
    REDIS_URL: options.redisUrl,
    BENCH_QUEUE: options.queue,
    BENCH_CONCURRENCY: String(options.concurrency),
  });
}
