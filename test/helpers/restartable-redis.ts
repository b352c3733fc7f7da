// A redis-server of one test's own, with its append-only file on: killed with SIGKILL (a crash, no
// chance to flush anything) and started again on the same port from the same directory, so every
// client finds it where it was, holding what the AOF had on disk. Between the crash and the restart
// another process could take that port (a port the system hands out, as it handed it to us); the
// restart then waits for it to be released (startRedisServer), and the test fails if it never is.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '@gpuq/testkit';

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
  /** The port its first start got; every restart asks for it again. */
  private port: number | undefined;

  private constructor(
    readonly dir: string,
    private readonly appendFsync: 'always' | 'everysec',
  ) {}

  static async start(options: RestartableRedisOptions = {}): Promise<RestartableRedis> {
    const redis = new RestartableRedis(mkdtempSync(join(tmpdir(), 'gpuq-aof-redis-')), options.appendFsync ?? 'always');
    try {
      await redis.launch();
    } catch (err) {
      rmSync(redis.dir, { recursive: true, force: true });
      throw err;
    }
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port!}`;
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
    this.port = this.server.port;
  }
}
