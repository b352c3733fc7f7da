// A whole gpuq on this machine for one test: its own Redis database, solver-cpu, scheduler and
// API as real processes on free ports, with a config file written for the test.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GpuDeclaration, JobView } from '@gpuq/shared';
import { AppProcess } from './app-process.js';
import { freePort } from './ports.js';
import { freshRedisUrl } from './redis-db.js';
import { waitFor } from './wait-for.js';

export interface StackOptions {
  gpus?: GpuDeclaration[];
  /** Merged into the config's `kinds.solve`. */
  solve?: Record<string, unknown>;
  scheduler?: Record<string, unknown>;
  solverThreads?: number;
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export class Stack {
  solver!: AppProcess;
  scheduler!: AppProcess;
  api!: AppProcess;
  redisUrl!: string;
  apiUrl!: string;
  solverUrl!: string;
  private dir!: string;
  configPath!: string;

  static async start(options: StackOptions = {}): Promise<Stack> {
    const stack = new Stack();
    await stack.boot(options);
    return stack;
  }

  private async boot(options: StackOptions): Promise<void> {
    this.redisUrl = await freshRedisUrl();
    this.dir = mkdtempSync(join(tmpdir(), 'gpuq-stack-'));
    const [solverPort, apiPort] = [await freePort(), await freePort()];
    this.solverUrl = `http://127.0.0.1:${solverPort}`;
    this.apiUrl = `http://127.0.0.1:${apiPort}`;
    this.configPath = join(this.dir, 'gpuq.json');
    writeFileSync(
      this.configPath,
      JSON.stringify({
        gpus: options.gpus ?? [{ id: 'gpu0', vramMb: 24_576 }],
        scheduler: options.scheduler ?? {},
        kinds: { solve: { executor: { type: 'http', url: this.solverUrl }, ...options.solve } },
      }),
    );
    this.solver = new AppProcess('solver-cpu', 'apps/solver-cpu/dist/server.js', {
      SOLVER_PORT: String(solverPort),
      SOLVER_THREADS: String(options.solverThreads ?? 1),
    });
    this.scheduler = this.startScheduler();
    this.api = new AppProcess('api', 'apps/api/dist/server.js', {
      PORT: String(apiPort),
      REDIS_URL: this.redisUrl,
      GPUQ_CONFIG: this.configPath,
    });
    await Promise.all([
      this.solver.waitForLog((l) => l.msg === 'solver-cpu ready', 'ready'),
      this.scheduler.waitForLog((l) => l.msg === 'scheduler started', 'started'),
      waitFor(async () => (await fetch(`${this.apiUrl}/healthz`)).ok, { what: 'the API to answer /healthz' }),
    ]);
  }

  /** A scheduler process for this stack (another one, for takeover and restart tests). */
  startScheduler(env: Record<string, string> = {}): AppProcess {
    return new AppProcess('scheduler', 'apps/scheduler/dist/main.js', {
      REDIS_URL: this.redisUrl,
      GPUQ_CONFIG: this.configPath,
      SCHEDULER_SHUTDOWN_GRACE_S: '2',
      SCHEDULER_METRICS_PORT: '0',
      ...env,
    });
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async submit(job: unknown): Promise<JobView> {
    const result = await this.request<JobView>('POST', '/v1/jobs', job);
    if (result.status !== 202) throw new Error(`submit answered ${result.status}: ${JSON.stringify(result.body)}`);
    return result.body;
  }

  async job(id: string): Promise<JobView> {
    const result = await this.request<JobView>('GET', `/v1/jobs/${id}`);
    if (result.status !== 200) throw new Error(`GET job answered ${result.status}: ${JSON.stringify(result.body)}`);
    return result.body;
  }

  /** Waits until the job reaches one of `statuses` (a terminal one by default). */
  waitForJob(id: string, statuses: JobView['status'][] = ['succeeded', 'failed', 'cancelled'], timeoutMs = 30_000): Promise<JobView> {
    return waitFor(
      async () => {
        const view = await this.job(id);
        return statuses.includes(view.status) ? view : undefined;
      },
      { what: `job ${id} to be ${statuses.join(' or ')}`, timeoutMs, intervalMs: 25 },
    );
  }

  /** Process logs, for a failing assertion's message. */
  logs(): string {
    return [this.solver, this.scheduler, this.api].map((p) => `--- ${p.name}\n${p.tail()}`).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all([this.api?.stop(), this.scheduler?.stop()]);
    await this.solver?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
