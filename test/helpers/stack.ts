// A whole gpuq on this machine for one test: its own Redis database, solver-cpu, scheduler and
// API as real processes, with a config file written for the test. Each server listens on port 0 and
// says which port it got: a port chosen here and bound later could be taken by another test file's
// process in between, and the test would talk to that one.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CANCEL_CHANNEL, Inventory, keys, SchedulerHeartbeat, type GpuDeclaration, type JobView } from '@gpuq/shared';
import { AppProcess, freePort, startListening, waitFor, type ListeningApp } from '@gpuq/testkit';
import { freshRedisUrl } from './redis-db.js';

export interface StackOptions {
  /** A Redis of the test's own (one it restarts, say); a fresh database of the shared one when absent. */
  redisUrl?: string;
  gpus?: GpuDeclaration[];
  /** Config's `cluster`: the GPUs are a Kubernetes cluster's (then `gpus` is not written). */
  cluster?: Record<string, unknown>;
  /**
   * Merged into the config's `kinds.solve`, which sends solve jobs to this stack's solver-cpu through
   * an http executor on the GPUs; with `servers`, they go to solve servers instead (SOLVER_URL in a
   * server's url is this stack's solver-cpu).
   */
  solve?: Record<string, unknown>;
  /** More kinds (`fold`, say), by name: each kind's config as is. */
  kinds?: Record<string, unknown>;
  scheduler?: Record<string, unknown>;
  solverThreads?: number;
  /** Extra environment for the scheduler (a fake nvidia-smi's state file, say). */
  schedulerEnv?: Record<string, string>;
  /** Extra environment for the API (keys, webhook secrets). */
  apiEnv?: Record<string, string>;
  /** Merged into the config's `api`. */
  api?: Record<string, unknown>;
  /** Runs model-cpu too, as the `default` inference model's server (merged with `inference`). */
  modelServer?: boolean;
  /** Merged into the config's `kinds.inference`. */
  inference?: Record<string, unknown>;
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export class Stack {
  solver!: AppProcess;
  modelServer: AppProcess | undefined;
  modelUrl = '';
  scheduler!: AppProcess;
  api!: AppProcess;
  redisUrl!: string;
  apiUrl!: string;
  solverUrl!: string;
  dir!: string;
  configPath!: string;
  /** The box its schedulers run (config's scheduler.boxId; `box-1` unless the test names one). */
  boxId = 'box-1';
  private schedulerEnv: Record<string, string> = {};
  private apiEnv: Record<string, string> = {};

  static async start(options: StackOptions = {}): Promise<Stack> {
    const stack = new Stack();
    try {
      await stack.boot(options);
    } catch (err) {
      // The caller never gets the stack to stop: stop what did start, and say what the processes said.
      const logs = stack.logs();
      await stack.stop().catch(() => undefined);
      throw new Error(`${(err as Error).message}\n${logs}`, { cause: err });
    }
    return stack;
  }

  private async boot(options: StackOptions): Promise<void> {
    if (typeof options.scheduler?.boxId === 'string') this.boxId = options.scheduler.boxId;
    this.redisUrl = options.redisUrl ?? (await freshRedisUrl());
    this.dir = mkdtempSync(join(tmpdir(), 'gpuq-stack-'));
    // The servers first: the config names their URLs, and only they know their ports. Four Node
    // processes starting beside another test file's: give a loaded machine time.
    const bootMs = 30_000;
    // Without a model server, the model's URL is a port nothing here listens on.
    const noModelServer = async () => `http://127.0.0.1:${await freePort()}`;
    [this.solverUrl, this.modelUrl] = await Promise.all([
      this.startSolver(0, options.solverThreads ?? 1, bootMs),
      options.modelServer ? this.startModelServer(0, bootMs) : noModelServer(),
    ]);
    this.configPath = join(this.dir, 'gpuq.json');
    writeFileSync(
      this.configPath,
      JSON.stringify({
        ...(options.cluster ? { cluster: options.cluster } : { gpus: options.gpus ?? [{ id: 'gpu0', vramMb: 24_576 }] }),
        scheduler: { boxId: this.boxId, ...options.scheduler },
        api: options.api ?? {},
        artifactsDir: join(this.dir, 'artifacts'),
        kinds: {
          solve: this.solveConfig(options.solve),
          inference: { models: { default: { url: this.modelUrl } }, ...options.inference },
          ...options.kinds,
        },
      }),
    );
    this.schedulerEnv = options.schedulerEnv ?? {};
    this.scheduler = this.startScheduler();
    this.apiEnv = options.apiEnv ?? {};
    // Both settled before either failure is thrown, so that stop() finds the API if it did start.
    const [api, scheduler] = await Promise.allSettled([
      this.startApi(0, bootMs),
      this.scheduler.waitForLog((l) => l.msg === 'scheduler started', 'started', bootMs),
    ]);
    if (api.status === 'fulfilled') [this.api, this.apiUrl] = [api.value.process, api.value.url];
    if (api.status === 'rejected') throw api.reason;
    if (scheduler.status === 'rejected') throw scheduler.reason;
  }

  private solveConfig(solve: Record<string, unknown> = {}): Record<string, unknown> {
    if (!Array.isArray(solve.servers)) return { executor: { type: 'http', url: this.solverUrl }, ...solve };
    const servers = (solve.servers as Array<Record<string, unknown>>).map((s) => ({ ...s, url: String(s.url).replace('SOLVER_URL', this.solverUrl) }));
    return { ...solve, servers };
  }

  /** A scheduler process for this stack (another one, for takeover and restart tests). */
  startScheduler(env: Record<string, string> = {}): AppProcess {
    return new AppProcess('scheduler', 'apps/scheduler/dist/main.js', {
      REDIS_URL: this.redisUrl,
      GPUQ_CONFIG: this.configPath,
      SCHEDULER_SHUTDOWN_GRACE_S: '2',
      SCHEDULER_METRICS_PORT: '0',
      ...this.schedulerEnv,
      ...env,
    });
  }

  /**
   * An API process against this stack's Redis (another replica, for multi-replica tests), once it
   * listens: on a free port, or on `port` when it had that one before (a replica started again).
   */
  async startApi(port = 0, timeoutMs?: number): Promise<ListeningApp> {
    return startListening(
      (p) => new AppProcess('api', 'apps/api/dist/server.js', { PORT: String(p), REDIS_URL: this.redisUrl, GPUQ_CONFIG: this.configPath, ...this.apiEnv }),
      { port, readyMsg: 'api listening', timeoutMs },
    );
  }

  /**
   * model-cpu, once it is ready: on this stack's model port by default (again, after a test stopped
   * it). Its URL is in the config, so a restart needs that port back: see startListening.
   */
  async startModelServer(port = Number(new URL(this.modelUrl).port), timeoutMs?: number): Promise<string> {
    const started = await startListening(
      (p) => (this.modelServer = new AppProcess('model-cpu', 'apps/model-cpu/dist/server.js', { MODEL_PORT: String(p) })),
      { port, readyMsg: 'model-cpu ready', timeoutMs },
    );
    return started.url;
  }

  /**
   * solver-cpu, once it is ready: on this stack's solver port by default (again, after a test stopped
   * it). Its URL is in the config, so a restart needs that port back: see startListening.
   */
  async startSolver(port = Number(new URL(this.solverUrl).port), threads = 1, timeoutMs?: number): Promise<string> {
    const started = await startListening(
      (p) => (this.solver = new AppProcess('solver-cpu', 'apps/solver-cpu/dist/server.js', { SOLVER_PORT: String(p), SOLVER_THREADS: String(threads) })),
      { port, readyMsg: 'solver-cpu ready', timeoutMs },
    );
    return started.url;
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, base = this.apiUrl): Promise<HttpResult<T>> {
    const response = await fetch(`${base}${path}`, {
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
  async waitForJob(id: string, statuses: JobView['status'][] = ['succeeded', 'failed', 'cancelled'], timeoutMs = 30_000): Promise<JobView> {
    let last: JobView | undefined;
    try {
      return await waitFor(
        async () => {
          last = await this.job(id);
          return statuses.includes(last.status) ? last : undefined;
        },
        { what: `job ${id} to be ${statuses.join(' or ')}`, timeoutMs, intervalMs: 25 },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\nlast view: ${JSON.stringify({ ...last, result: undefined })}\n${this.logs()}`);
    }
  }

  private client: Redis | undefined;

  /** A Redis client on this stack's database, for looking behind the API. */
  redis(): Redis {
    this.client ??= new Redis(this.redisUrl, { maxRetriesPerRequest: 2 });
    return this.client;
  }

  /** Cancels a job the way the API does: a durable flag, then a message to every scheduler. */
  async cancel(id: string): Promise<void> {
    await this.redis().set(keys.jobCancel(id), JSON.stringify({ at: Date.now() }));
    await this.redis().publish(CANCEL_CHANNEL, id);
  }

  /** The inventory of the box whose scheduler is active. */
  async inventory(): Promise<Inventory | undefined> {
    const active = Object.values(await this.heartbeats()).find((h) => h.role === 'active');
    const text = active ? await this.redis().get(keys.inventory(active.boxId)) : null;
    return text ? Inventory.parse(JSON.parse(text)) : undefined;
  }

  async heartbeats(): Promise<Record<string, SchedulerHeartbeat>> {
    const all = await this.redis().hgetall(keys.schedulers);
    return Object.fromEntries(Object.entries(all).map(([id, text]) => [id, SchedulerHeartbeat.parse(JSON.parse(text))]));
  }

  /** Process logs, for a failing assertion's message. */
  /** Schedulers of other boxes on this stack's Redis (startBox), by box id. */
  readonly boxes = new Map<string, AppProcess>();

  /**
   * A scheduler of another box sharing this stack's queues: this stack's config with that box's
   * id and GPUs, and whatever else `configure` changes (its executor's environment, say).
   */
  startBox(boxId: string, gpus: GpuDeclaration[], configure: (config: Record<string, unknown>) => Record<string, unknown> = (c) => c): AppProcess {
    const config = JSON.parse(readFileSync(this.configPath, 'utf8')) as Record<string, unknown>;
    const path = join(this.dir, `gpuq-${boxId}.json`);
    writeFileSync(path, JSON.stringify(configure({ ...config, gpus, scheduler: { ...(config.scheduler as object), boxId } })));
    const scheduler = this.startScheduler({ GPUQ_CONFIG: path });
    this.boxes.set(boxId, scheduler);
    return scheduler;
  }

  logs(): string {
    const boxes = [...this.boxes].map(([box, p]) => `--- scheduler of ${box}\n${p.tail()}`);
    return [...[this.solver, this.modelServer, this.scheduler, this.api].flatMap((p) => (p ? [`--- ${p.name}\n${p.tail()}`] : [])), ...boxes].join('\n');
  }

  async stop(): Promise<void> {
    await this.client?.quit();
    await Promise.all([this.api?.stop(), this.scheduler?.stop(), ...[...this.boxes.values()].map((p) => p.stop())]);
    await Promise.all([this.solver?.stop(), this.modelServer?.stop()]);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
