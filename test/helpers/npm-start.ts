// `npm start` (scripts/start.mjs) as a test runs it: on ports free a moment ago, with its data in a
// directory of its own, and without the build (the test run has built the tree). Its output is kept
// to read what it said; stop() ends it as Ctrl-C does and waits until it has stopped everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ROOT, waitFor } from '@gpuq/testkit';

/** Variables of the outer environment that would point the instance somewhere else. */
const CLEARED = ['REDIS_URL', 'GPUQ_CONFIG', 'GPUQ_DATA_DIR', 'GPUQ_FOLD_IMAGE', 'HOST', 'SOLVER_HOST', 'MODEL_HOST', 'SCHEDULER_METRICS_HOST', 'GPUQ_API_KEYS', 'GPUQ_ADMIN_KEYS'];

export interface NpmStartOptions {
  /** The command: `node scripts/start.mjs` by default; `npm start` runs it through npm, as a user does. */
  viaNpm?: boolean;
  env?: Record<string, string>;
}

export type StartPorts = Record<'GPUQ_REDIS_PORT' | 'SOLVER_PORT' | 'MODEL_PORT' | 'SCHEDULER_METRICS_PORT' | 'PORT', string>;

/** Ports for every server `npm start` runs, distinct and free a moment ago. */
export async function freeStartPorts(): Promise<StartPorts> {
  const ports = new Set<number>();
  while (ports.size < 5) ports.add(await freePort());
  const [redis, solver, model, metrics, api] = [...ports].map(String) as [string, string, string, string, string];
  return { GPUQ_REDIS_PORT: redis, SOLVER_PORT: solver, MODEL_PORT: model, SCHEDULER_METRICS_PORT: metrics, PORT: api };
}

export class NpmStart {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly dataDir: string,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts it; `env` adds to (and overrides) the ports and GPUQ_DATA_DIR given here. */
  static run(options: NpmStartOptions = {}): NpmStart {
    const dataDir = mkdtempSync(join(tmpdir(), 'gpuq-npm-start-'));
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of CLEARED) delete env[name];
    Object.assign(env, { GPUQ_DATA_DIR: dataDir, LOG_FORMAT: 'json' }, options.env);
    const [command, args] = options.viaNpm ? ['npm', ['start', '--', '--no-build']] : [process.execPath, ['scripts/start.mjs', '--no-build']];
    // Its own process group, so that stop() reaches npm, start.mjs and the apps as Ctrl-C does.
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    return new NpmStart(child, dataDir);
  }

  /**
   * Starts it on ports free a moment ago and waits until it is up. Another process may take one of
   * them before the server that wants it binds (its start then stops on EADDRINUSE): it is started
   * again on fresh ports, up to `tries` times. Returns it, its ports and the API's URL.
   */
  static async runOnFreePorts(options: NpmStartOptions = {}, tries = 3): Promise<{ gpuq: NpmStart; ports: StartPorts; api: string }> {
    for (let attempt = 1; ; attempt++) {
      const ports = await freeStartPorts();
      const gpuq = NpmStart.run({ ...options, env: { ...ports, ...options.env } });
      try {
        return { gpuq, ports, api: await gpuq.up() };
      } catch (err) {
        const isPortRace = /EADDRINUSE|is taken/.test(gpuq.stdout + gpuq.stderr);
        await gpuq.stop();
        if (!isPortRace || attempt >= tries) throw err;
      }
    }
  }

  /** Its `[gpuq] …` lines, without the prefix. */
  get said(): string[] {
    return this.stderr
      .split('\n')
      .filter((line) => line.startsWith('[gpuq] '))
      .map((line) => line.slice('[gpuq] '.length));
  }

  /** The API's URL from its "gpuq is up" line, once it has said it. */
  async up(timeoutMs = 60_000): Promise<string> {
    const url = waitFor(() => /gpuq is up: API (\S+)/.exec(this.stderr)?.[1], { what: 'npm start to say "gpuq is up"', timeoutMs, intervalMs: 100 });
    const exited = this.exited.then((code) => {
      throw new Error(`npm start exited (code ${code}) before it was up`);
    });
    try {
      return await Promise.race([url, exited]);
    } catch (err) {
      throw new Error(`${(err as Error).message}; it said:\n${this.stderr.slice(-3_000)}`);
    }
  }

  /** Ctrl-C's SIGINT to the whole group; waits until everything has stopped, then removes its data. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(-this.child.pid!, 'SIGINT');
    const killer = setTimeout(() => this.child.exitCode === null && process.kill(-this.child.pid!, 'SIGKILL'), 45_000);
    const code = await this.exited;
    clearTimeout(killer);
    rmSync(this.dataDir, { recursive: true, force: true });
    return code;
  }
}
