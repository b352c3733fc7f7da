// A throwaway redis-server: a free port on loopback (or the one given), its data in a temp dir (or
// the one given), stopped by PID. `kill` is the crash (SIGKILL); started again on the same port and
// directory it reads back what its append-only file had on disk.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { waitFor } from './wait-for.js';
import { Redis } from 'ioredis';

export interface RedisServerOptions {
  appendOnly?: boolean;
  /** With appendOnly: `always` fsyncs before each write is acknowledged; `everysec` may lose the last second. */
  appendFsync?: 'always' | 'everysec';
  databases?: number;
  port?: number;
  /** Its data directory, kept by stop() when given (a restarted server reads it back). */
  dir?: string;
}

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  /** Still running (not killed, stopped or crashed). */
  readonly isRunning: boolean;
  /** SIGTERM; then removes the data directory unless it was given. */
  stop(): Promise<void>;
  /** SIGKILL: what the append-only policy did not put on disk is gone. */
  kill(): Promise<void>;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'gpuq-redis-'));
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--bind', '127.0.0.1',
      '--port', String(port),
      '--dir', dir,
      '--save', '',
      '--appendonly', options.appendOnly ? 'yes' : 'no',
      ...(options.appendFsync ? ['--appendfsync', options.appendFsync] : []),
      '--databases', String(options.databases ?? 16),
      '--maxmemory-policy', 'noeviction',
      '--loglevel', 'warning',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined); // refused until the server listens; waitFor retries
  try {
    await waitFor(
      async () => {
        if (spawnError) throw new Error(`redis-server could not start (is it installed? apt-get install redis-server): ${spawnError.message}`);
        if (!isRunning()) throw new Error(`redis-server on port ${port} exited while starting`);
        try {
          if (probe.status !== 'ready') await probe.connect();
          // LOADING errors until an append-only file is read back: only then does it answer as before.
          return (await probe.ping()) === 'PONG';
        } catch {
          return false;
        }
      },
      { what: `redis-server on port ${port} to accept commands`, timeoutMs: 30_000, intervalMs: 50 },
    );
  } catch (err) {
    // Never leave a server that did not come up running behind the failed test.
    if (isRunning()) child.kill('SIGKILL');
    throw err;
  } finally {
    probe.disconnect();
  }
  const signal = async (name: NodeJS.Signals) => {
    if (isRunning()) child.kill(name);
    await exited;
  };
  return {
    url,
    port,
    pid: child.pid!,
    get isRunning() {
      return isRunning();
    },
    async stop() {
      await signal('SIGTERM');
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
    kill: () => signal('SIGKILL'),
  };
}
