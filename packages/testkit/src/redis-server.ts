// A throwaway redis-server: a free port on loopback (or the one given), its data in a temp dir (or
// the one given), stopped by PID. `kill` is the crash (SIGKILL); started again on the same port and
// directory it reads back what its append-only file had on disk.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';
import { waitFor } from './wait-for.js';
import { Redis } from 'ioredis';

export interface RedisServerOptions {
  appendOnly?: boolean;
  /** With appendOnly: `always` fsyncs before each write is acknowledged; `everysec` may lose the last second. */
  appendFsync?: 'always' | 'everysec';
  databases?: number;
  /**
   * A port it listened on before (a restart, so its clients find it again): while another process
   * still holds it, it is tried again until the start-up deadline.
   * @defaultValue a free port, chosen here
   */
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

const START_TIMEOUT_MS = 30_000;

/** It exited at start-up because another process held its port. */
class PortTakenError extends Error {
  constructor(readonly port: number) {
    super(`redis-server could not listen on port ${port}: another process holds it`);
    this.name = 'PortTakenError';
  }
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'gpuq-redis-'));
  const deadline = Date.now() + START_TIMEOUT_MS;
  // redis-server cannot be asked for port 0 and say which it got (0 turns TCP off), so the port is
  // chosen here and another process may take it before redis-server binds it. Then redis-server
  // exits saying so, and starts again: on another free port, or on the given one once it is released.
  for (;;) {
    const port = options.port ?? (await freePort());
    try {
      return await launch(port, dir, options, deadline);
    } catch (err) {
      if (!(err instanceof PortTakenError) || Date.now() > deadline) {
        if (!options.dir) rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      if (options.port !== undefined) await sleep(200);
    }
  }
}

async function launch(port: number, dir: string, options: RedisServerOptions, deadline: number): Promise<RedisServer> {
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
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // Its log (warnings only) goes to stdout: the last lines are kept to say why it did not start.
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const url = `redis://127.0.0.1:${port}`;
  // Timeouts, for a port some other program took and answers in its own way, or not at all.
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000, commandTimeout: 1_000 });
  probe.on('error', () => undefined); // refused until the server listens; waitFor retries
  let outcome: 'ready' | 'exited';
  try {
    outcome = await waitFor(
      async () => {
        if (spawnError || !isRunning()) return 'exited';
        try {
          if (probe.status !== 'ready') await probe.connect();
          // LOADING errors until an append-only file is read back: only then does it answer as before.
          if ((await probe.ping()) !== 'PONG') return false;
          // Another redis-server that took the port answers too: only this one's answer counts.
          return /^process_id:(\d+)/m.exec(await probe.info('server'))?.[1] === String(child.pid) && 'ready';
        } catch {
          return false;
        }
      },
      { what: `redis-server on port ${port} to accept commands`, timeoutMs: Math.max(deadline - Date.now(), 1_000), intervalMs: 50 },
    );
  } catch (err) {
    // Never leave a server that did not come up running behind the failed test.
    if (isRunning()) child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}; its last lines:\n${output}`, { cause: err });
  } finally {
    probe.disconnect();
  }
  if (outcome === 'exited') {
    if (spawnError) throw new Error(`redis-server could not start (is it installed? apt-get install redis-server): ${spawnError.message}`);
    await exited; // its output read to the end
    if (output.includes('Address already in use')) throw new PortTakenError(port);
    throw new Error(`redis-server on port ${port} exited while starting; its last lines:\n${output}`);
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
