// A redis-server of one test's own, with its append-only file on: killed with SIGKILL (a crash, no
// chance to flush anything) and started again on the same port from the same directory, so every
// client finds it where it was, holding what the AOF had on disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisServer, type RedisServer } from '@gpuq/testkit';

export interface RestartableRedisOptions {
  /**
   * `always`: Redis fsyncs the AOF before it answers a write, so a write any client saw acknowledged
   * survives a crash. `everysec` (what `npm start` runs) may lose the last second of them.
   * @defaultValue 'always'
   */
  appendFsync?: 'always' | 'everysec';
}

export class RestartableRedis {
  private server: RedisServer | undefined;

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
    return this.server?.pid;
  }

  get isRunning(): boolean {
    return this.server?.isRunning ?? false;
  }

  /** SIGKILL: the harsh crash. Whatever the AOF policy did not put on disk is gone. */
  async kill(): Promise<void> {
    await this.server?.kill();
  }

  /** Starts it again on the same port and directory; resolves once it has loaded the AOF and answers. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    this.server = await startRedisServer({ port: this.port, dir: this.dir, appendOnly: true, appendFsync: this.appendFsync });
  }
}
