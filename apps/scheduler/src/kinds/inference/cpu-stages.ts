// The CPU stages' worker threads: tasks queue for a free thread; one past its timeout has its
// thread ended and replaced, since pure JavaScript cannot be interrupted any other way.
import { Worker } from 'node:worker_threads';
import type { CpuTask, CpuTaskReply } from './cpu-stage-thread.js';

type TaskInput = CpuTask extends infer T ? (T extends CpuTask ? Omit<T, 'id'> : never) : never;

export class CpuStageError extends Error {
  constructor(
    message: string,
    /** True when the input is at fault (a text empty once cleaned): retrying cannot help. */
    readonly isInputError: boolean,
    readonly isTimeout = false,
  ) {
    super(message);
    this.name = 'CpuStageError';
  }
}

interface Pending {
  task: CpuTask;
  timeoutMs: number;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  busy?: { pending: Pending; timer: NodeJS.Timeout };
}

export class CpuStages {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private isClosed = false;

  constructor(private readonly threads: number) {}

  run<T>(task: TaskInput, timeoutMs: number): Promise<T> {
    if (this.isClosed) return Promise.reject(new CpuStageError('the scheduler is shutting down', false));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ task: { ...task, id: this.nextId++ }, timeoutMs, resolve: resolve as (value: unknown) => void, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => !s.busy) ?? (this.slots.length < this.threads ? this.spawn() : undefined);
      if (!slot) return;
      const pending = this.queue.shift()!;
      const timer = setTimeout(() => this.timeOut(slot), pending.timeoutMs);
      slot.busy = { pending, timer };
      slot.worker.postMessage(pending.task);
    }
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(new URL('./cpu-stage-thread.js', import.meta.url)) };
    slot.worker.unref();
    slot.worker.on('message', (reply: CpuTaskReply) => {
      const busy = slot.busy;
      if (!busy || busy.pending.task.id !== reply.id) return;
      clearTimeout(busy.timer);
      slot.busy = undefined;
      if (reply.ok) busy.pending.resolve(reply.value);
      else busy.pending.reject(new CpuStageError(reply.message, reply.isInputError));
      this.pump();
    });
    slot.worker.on('error', (err) => this.replace(slot, new CpuStageError(`the CPU stage's thread failed: ${err.message}`, false)));
    this.slots.push(slot);
    return slot;
  }

  private timeOut(slot: Slot): void {
    const seconds = (slot.busy?.pending.timeoutMs ?? 0) / 1000;
    this.replace(slot, new CpuStageError(`timed out after ${seconds} s`, false, true));
  }

  /** Ends a thread (its task failed or ran too long) and fails its task; the next task spawns a new one. */
  private replace(slot: Slot, err: CpuStageError): void {
    const busy = slot.busy;
    slot.busy = undefined;
    this.slots.splice(this.slots.indexOf(slot), 1);
    void slot.worker.terminate();
    if (busy) {
      clearTimeout(busy.timer);
      busy.pending.reject(err);
    }
    this.pump();
  }

  async close(): Promise<void> {
    this.isClosed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new CpuStageError('the scheduler is shutting down', false));
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }
}
