// A throwaway redis-server: a free port on loopback, its data in a temp dir, stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { waitFor } from './wait-for.js';
import { Redis } from 'ioredis';

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function startRedisServer(options: { appendOnly?: boolean; databases?: number } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gpuq-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--bind', '127.0.0.1',
      '--port', String(port),
      '--dir', dir,
      '--save', '',
      '--appendonly', options.appendOnly ? 'yes' : 'no',
      '--databases', String(options.databases ?? 16),
      '--maxmemory-policy', 'noeviction',
      '--loglevel', 'warning',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined); // refused until the server listens; waitFor retries
  await waitFor(async () => {
    if (spawnError) throw new Error(`redis-server could not start (is it installed? apt-get install redis-server): ${spawnError.message}`);
    try {
      if (probe.status !== 'ready') await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    }
  }, { what: 'redis-server to accept connections', timeoutMs: 10_000 });
  probe.disconnect();
  return {
    url,
    port,
    pid: child.pid!,
    async stop() {
      process.kill(child.pid!, 'SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
