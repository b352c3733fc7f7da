// Checks of submit bodies, off the event loop when they are large. A body up to `inlineMaxBytes`
// is checked where it arrived (a hand-off costs more than the check); a larger one waits for one of
// a few worker threads, so that parsing megabytes of MPS or walking a VRP matrix never delays
// /healthz or another tenant's small request. Tenants take turns: each has at most `perTenant`
// bodies in the threads and `maxWaitingPerTenant` waiting (more are refused with 429), and a free
// thread goes to the next tenant in turn, not to whoever sent most. A check past its time or its
// heap ends its thread (JavaScript cannot be interrupted another way) and is refused with 413.
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ApiConfig, GpuqConfig } from '@gpuq/shared';
import { ApiError } from '../errors.js';
import { byteLengthOf, transferablesOf } from './body-chunks.js';
import type { BodyCheckMessage, BodyCheckReply, BodyCheckThreadData } from './body-check-thread.js';
import { refusalError, runBodyTask, type BodyOutcome, type BodyTask, type BodyTaskValue } from './body-tasks.js';

type Settings = ApiConfig['bodyChecks'];

interface Waiting {
  tenant: string;
  task: BodyTask;
  resolve: (outcome: BodyOutcome) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  busy?: { waiting: Waiting; id: number; timer: NodeJS.Timeout };
}

/** The compiled thread script beside this module (under vitest this module is src/, the script is in dist/). */
function threadScript(): URL {
  const here = fileURLToPath(import.meta.url);
  const at = here.lastIndexOf('/src/');
  const compiled = here.endsWith('.ts') && at >= 0 ? `${here.slice(0, at)}/dist/${here.slice(at + 5)}` : here;
  return new URL('./body-check-thread.js', pathToFileURL(compiled));
}

export class BodyCheckPool {
  private readonly threads: Thread[] = [];
  private readonly maxThreads: number;
  /** Per tenant, its bodies waiting for a thread, oldest first. */
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly running = new Map<string, number>();
  /** When each tenant last had a body start (a count of turns), for taking turns. */
  private readonly lastTurn = new Map<string, number>();
  private turns = 0;
  private nextId = 1;
  private isClosed = false;

  constructor(
    private readonly config: GpuqConfig,
    /** Where threads stage the inputs they checked; absent: inputs come back as bytes. */
    private readonly redisUrl?: string,
    private readonly settings: Settings = config.api.bodyChecks,
  ) {
    this.maxThreads = settings.threads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  }

  /** Checks a body for `tenant`: here when it is small, else in a thread in the tenant's turn. A refusal throws its ApiError. */
  async check(tenant: string, task: BodyTask): Promise<BodyTaskValue> {
    const outcome = this.isCheapHere(task) ? runBodyTask(task, this.config) : await this.inThread(tenant, task);
    if (!outcome.ok) throw refusalError(outcome.refusal);
    return outcome.value;
  }

  /** A small body, unless it is compressed: a zlib body's size says nothing of what it inflates to. */
  private isCheapHere(task: BodyTask): boolean {
    return byteLengthOf(task.body) <= this.settings.inlineMaxBytes && !(task.type === 'cuopt' && task.media === 'zlib');
  }

  /** Bodies waiting for a thread and being checked now, for the metrics. */
  load(): { waiting: number; running: number } {
    let waiting = 0;
    for (const queue of this.waiting.values()) waiting += queue.length;
    return { waiting, running: this.threads.filter((t) => t.busy).length };
  }

  private inThread(tenant: string, task: BodyTask): Promise<BodyOutcome> {
    if (this.isClosed) return Promise.reject(new ApiError('not_ready', 'The API is shutting down.'));
    const queue = this.waiting.get(tenant) ?? [];
    if ((this.running.get(tenant) ?? 0) >= this.settings.perTenant && queue.length >= this.settings.maxWaitingPerTenant) {
      const waitingNow = queue.length + (this.running.get(tenant) ?? 0);
      return Promise.reject(new ApiError('too_many_large_requests', `${waitingNow} large requests of tenant ${tenant} are being checked or wait for it; send this one again when one is answered.`));
    }
    return new Promise<BodyOutcome>((resolve, reject) => {
      queue.push({ tenant, task, resolve, reject });
      this.waiting.set(tenant, queue);
      this.pump();
    });
  }

  /** Gives free threads to waiting bodies, one tenant after another. */
  private pump(): void {
    for (;;) {
      const free = this.threads.find((t) => !t.busy);
      if (!free && this.threads.length >= this.maxThreads) return;
      const next = this.nextInTurn();
      if (!next) return;
      this.start(free ?? this.spawn(), next);
    }
  }

  /**
   * The oldest body of the tenant whose turn it is: of those waiting and below their limit, the one
   * served longest ago (never served first, then in order of arrival).
   */
  private nextInTurn(): Waiting | undefined {
    let pick: string | undefined;
    for (const tenant of this.waiting.keys()) {
      if ((this.running.get(tenant) ?? 0) >= this.settings.perTenant) continue;
      if (pick === undefined || (this.lastTurn.get(tenant) ?? -1) < (this.lastTurn.get(pick) ?? -1)) pick = tenant;
    }
    if (pick === undefined) return undefined;
    const queue = this.waiting.get(pick)!;
    const next = queue.shift()!;
    if (queue.length === 0) this.waiting.delete(pick);
    this.lastTurn.set(pick, this.turns++);
    return next;
  }

  private start(thread: Thread, waiting: Waiting): void {
    const id = this.nextId++;
    const timer = setTimeout(() => this.replace(thread, new ApiError('body_too_costly', `Checking the body took longer than ${this.settings.timeoutMs / 1000} s; split the work into smaller jobs.`)), this.settings.timeoutMs);
    thread.busy = { waiting, id, timer };
    this.running.set(waiting.tenant, (this.running.get(waiting.tenant) ?? 0) + 1);
    // The chunks' memory moves to the thread: this thread copies none of a large body.
    thread.worker.postMessage({ ...waiting.task, id } satisfies BodyCheckMessage, transferablesOf(waiting.task.body));
  }

  private spawn(): Thread {
    const worker = new Worker(threadScript(), {
      workerData: { config: this.config, ...(this.redisUrl ? { redisUrl: this.redisUrl } : {}) } satisfies BodyCheckThreadData,
      resourceLimits: { maxOldGenerationSizeMb: this.settings.maxHeapMb },
    });
    const thread: Thread = { worker };
    worker.unref();
    worker.on('message', (reply: BodyCheckReply) => {
      const busy = thread.busy;
      if (!busy || busy.id !== reply.id) return;
      this.finish(thread);
      if ('crash' in reply) busy.waiting.reject(new Error(`a body check failed: ${reply.crash}`));
      else busy.waiting.resolve(reply.outcome);
      this.pump();
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const isOutOfMemory = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.replace(thread, isOutOfMemory ? new ApiError('body_too_costly', `Checking the body needed more than ${this.settings.maxHeapMb} MiB; split the work into smaller jobs.`) : err);
    });
    this.threads.push(thread);
    return thread;
  }

  private finish(thread: Thread): void {
    const busy = thread.busy;
    if (!busy) return;
    clearTimeout(busy.timer);
    thread.busy = undefined;
    const tenant = busy.waiting.tenant;
    const left = (this.running.get(tenant) ?? 1) - 1;
    if (left > 0) this.running.set(tenant, left);
    else this.running.delete(tenant);
  }

  /** Ends a thread whose check failed it (time, heap) and refuses that check; the next body spawns a new one. */
  private replace(thread: Thread, err: Error): void {
    const busy = thread.busy;
    this.finish(thread);
    this.threads.splice(this.threads.indexOf(thread), 1);
    void thread.worker.terminate();
    busy?.waiting.reject(err);
    this.pump();
  }

  async close(): Promise<void> {
    this.isClosed = true;
    for (const queue of this.waiting.values()) for (const w of queue) w.reject(new ApiError('not_ready', 'The API is shutting down.'));
    this.waiting.clear();
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
  }
}
