// A redis-server of one test's own, with its append-only file on: killed with SIGKILL (a crash, no
// chance to flush anything) and started again on the same port from the same directory, so every
// client finds it where it was, holding what the AOF had on disk.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitFor } from '@gpuq/testkit';

export interface RestartableRedisOptions {
  /**
   * `always`: Redis fsyncs the AOF before it answers a write, so a write any client saw acknowledged
   * survives a crash. `everysec` (what `npm start` runs) may lose the last second of them.
   * @defaultValue 'always'
   */
  appendFsync?: 'always' | 'everysec';
}

export class RestartableRedis {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly appendFsync: 'always' | 'everysec',
  ) {}

  static async start(options: RestartableRedisOptions = {}): Promise<RestartableRedis> {
    const redis = new RestartableRedis(await freePort(), mkdtempSync(join(tmpdir(), 'gpuq-aof-redis-')), options.appendFsync ?? 'always');
    await redis.launch();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: the harsh crash. Whatever the AOF policy did not put on disk is gone. */
  async kill(): Promise<void> {
    if (!this.isRunning) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** Starts it again on the same port and directory; resolves once it has loaded the AOF and answers. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  async stop(): Promise<void> {
    if (this.isRunning) {
      this.child!.kill('SIGTERM');
      await this.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--bind', '127.0.0.1',
        '--port', String(this.port),
        '--dir', this.dir,
        '--save', '',
        '--appendonly', 'yes',
        '--appendfsync', this.appendFsync,
        '--maxmemory-policy', 'noeviction',
        '--loglevel', 'warning',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // refused until it listens; waitFor retries
    try {
      await waitFor(
        async () => {
          if (spawnError) throw new Error(`redis-server could not start (apt-get install redis-server): ${spawnError.message}`);
          if (!this.isRunning) throw new Error('redis-server exited while starting');
          try {
            if (probe.status !== 'ready') await probe.connect();
            // LOADING errors until the AOF is read back: only then is it the same Redis again.
            return (await probe.ping()) === 'PONG';
          } catch {
            return false;
          }
        },
        { what: `redis-server on port ${this.port} to accept commands`, timeoutMs: 30_000, intervalMs: 50 },
      );
    } finally {
      probe.disconnect();
    }
  }
}
