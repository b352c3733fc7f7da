// A FIFO of requests and a fixed number of solver threads, each solving one request at a time,
// as the cuOpt server runs one solve per GPU. Aborting a running solve interrupts HiGHS at its next
// checkpoint; a solve that does not stop in time has its thread replaced.
import { Worker } from 'node:worker_threads';
import type { Logger } from '@gpuq/runtime';
import type { RequestStore, SolveRequest } from './request-store.js';
import type { ThreadData, ThreadReply, ThreadRequest } from './thread-protocol.js';

const THREAD_URL = new URL('./solver-thread.js', import.meta.url);

// Read through a function: TypeScript would keep `state` narrowed to 'running' across the await.
const wasAborted = (request: SolveRequest): boolean => request.state === 'aborted';

class SolverSlot {
  private worker!: Worker;
  private interrupt!: Int32Array;
  private ready!: Promise<void>;
  current: SolveRequest | undefined;
  private finish: ((reply: Extract<ThreadReply, { type: 'done' }>) => void) | undefined;
  private abortTimer: NodeJS.Timeout | undefined;
  private respawnTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly index: number,
    private readonly store: RequestStore,
    private readonly log: Logger,
    private readonly abortGraceMs: number,
    private readonly allowPickle: boolean,
  ) {
    this.spawn();
  }

  private spawn(): void {
    const interruptFlag = new SharedArrayBuffer(4);
    this.interrupt = new Int32Array(interruptFlag);
    this.worker = new Worker(THREAD_URL, { workerData: { interruptFlag, allowPickle: this.allowPickle } satisfies ThreadData });
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (reply: ThreadReply) => {
        if (reply.type === 'ready') resolve();
        else if (reply.type === 'incumbent') this.onIncumbent(reply);
        else if (reply.type === 'log') this.store.appendLog(reply.reqId, reply.text);
        else this.finish?.(reply);
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', (err) => {
        this.log.error({ err, slot: this.index }, 'solver thread crashed; starting another');
        reject(err);
        this.finish?.({ type: 'done', reqId: this.current?.id ?? '', ok: false, status: 500, error: `solver thread crashed: ${err.message}` });
        // A short pause so a thread that cannot start does not spin.
        this.respawnTimer = setTimeout(() => this.spawn(), 1_000);
      });
    });
    this.ready.catch(() => undefined);
  }

  private onIncumbent(reply: Extract<ThreadReply, { type: 'incumbent' }>): void {
    const request = this.store.get(reply.reqId);
    if (!request) return;
    const finite = (x: number) => (Number.isFinite(x) ? x : null);
    request.incumbents.push({ solution: reply.solution, cost: finite(reply.cost), bound: finite(reply.bound) });
  }

  async run(request: SolveRequest): Promise<void> {
    this.current = request;
    request.state = 'running';
    Atomics.store(this.interrupt, 0, 0);
    const reply = await new Promise<Extract<ThreadReply, { type: 'done' }>>((resolve) => {
      this.finish = resolve;
      const body = request.body ?? Buffer.alloc(0);
      // The thread has its copy; the result is all this request holds from now on.
      request.body = undefined;
      this.ready.then(
        () =>
          this.worker.postMessage({
            reqId: request.id,
            body,
            media: request.media,
            incumbents: request.wantsIncumbents,
            logs: request.wantsLogs,
            validationOnly: request.validationOnly,
          } satisfies ThreadRequest),
        (err: Error) => resolve({ type: 'done', reqId: request.id, ok: false, status: 500, error: `solver thread unavailable: ${err.message}` }),
      );
    });
    clearTimeout(this.abortTimer);
    this.finish = undefined;
    this.current = undefined;
    request.finishedAt = Date.now();
    if (wasAborted(request)) return;
    request.state = 'completed';
    request.outcome = reply.ok
      ? { ok: true, response: reply.response, notes: reply.notes, warnings: reply.warnings }
      : { ok: false, status: reply.status, error: reply.error };
  }

  /** Stops the running solve: at HiGHS' next checkpoint, or by replacing the thread. */
  abortCurrent(): void {
    const request = this.current;
    if (!request) return;
    request.state = 'aborted';
    Atomics.store(this.interrupt, 0, 1);
    this.abortTimer = setTimeout(() => {
      if (this.current !== request) return;
      this.log.warn({ reqId: request.id, slot: this.index }, 'solve did not stop when interrupted; replacing its thread');
      const old = this.worker;
      this.spawn();
      void old.terminate();
      this.finish?.({ type: 'done', reqId: request.id, ok: false, status: 500, error: `${request.id} was aborted` });
    }, this.abortGraceMs);
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  async close(): Promise<void> {
    clearTimeout(this.abortTimer);
    clearTimeout(this.respawnTimer);
    await this.worker.terminate();
  }
}

export class SolverPool {
  private readonly slots: SolverSlot[];
  private readonly waiting: SolveRequest[] = [];

  constructor(
    size: number,
    private readonly store: RequestStore,
    log: Logger,
    abortGraceMs = 2_000,
    allowPickle = false,
  ) {
    this.slots = Array.from({ length: size }, (_, i) => new SolverSlot(i, store, log, abortGraceMs, allowPickle));
  }

  /** Resolves once every thread has loaded HiGHS. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.whenReady()));
  }

  submit(request: SolveRequest): void {
    this.waiting.push(request);
    this.pump();
  }

  /** Aborts a request wherever it is; returns what it did, in cuOpt's counts. */
  abort(id: string, which: { queued: boolean; running: boolean }): { queued: number; running: number } {
    const counts = { queued: 0, running: 0 };
    if (which.queued) {
      for (let i = this.waiting.length - 1; i >= 0; i--) {
        const request = this.waiting[i]!;
        if (id !== '*' && request.id !== id) continue;
        request.state = 'aborted';
        request.finishedAt = Date.now();
        this.waiting.splice(i, 1);
        counts.queued++;
      }
    }
    if (which.running) {
      for (const slot of this.slots) {
        if (slot.current && (id === '*' || slot.current.id === id) && slot.current.state === 'running') {
          slot.abortCurrent();
          counts.running++;
        }
      }
    }
    return counts;
  }

  queuedCount(): number {
    return this.waiting.length;
  }

  runningCount(): number {
    return this.slots.filter((s) => s.current).length;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.current) continue;
      const next = this.waiting.shift();
      if (!next) return;
      void slot.run(next).finally(() => this.pump());
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.slots.map((slot) => slot.close()));
  }
}
