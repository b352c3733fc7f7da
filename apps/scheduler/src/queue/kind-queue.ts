// One kind's BullMQ queue, fetched manually: a blocking fetch whenever the window has room (so a
// new job wakes the scheduler at once, with no polling), one lock per job renewed while the
// scheduler holds or runs it, and completion or failure with that job's own token.
import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job, type RedisOptions } from 'bullmq';
import { BULLMQ_PREFIX, queueName } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';

export interface KindQueueOptions {
  kind: string;
  connection: RedisOptions;
  lockDurationMs: number;
  /** Whether the window may take another job of this kind. */
  hasRoom: () => boolean;
  /** A job fetched and locked with `token`. */
  onJob: (job: Job, token: string) => void;
  /** Jobs whose locks could not be renewed: someone else may own them now. */
  onLockLost: (jobIds: string[]) => void;
  log: Logger;
}

export class KindQueue {
  private readonly worker: Worker;
  /** For reads (active jobs after a takeover, depth for metrics), apart from the fetching worker. */
  private readonly queue: Queue;
  private readonly locks = new Map<string, string>();
  private closing = false;
  private wakeFetcher: (() => void) | undefined;
  private fetchLoopDone: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: KindQueueOptions) {
    this.worker = new Worker(queueName(options.kind), null, {
      connection: options.connection,
      prefix: BULLMQ_PREFIX,
      autorun: false,
      lockDuration: options.lockDurationMs,
      // Look for lapsed locks as often as one can lapse, so a dead scheduler's jobs come back soon.
      stalledInterval: options.lockDurationMs,
      // A restart of the scheduler returns its jobs through the stalled check; allow a few.
      maxStalledCount: 3,
    });
    this.worker.on('error', (err) => options.log.error({ err, kind: options.kind }, 'queue worker error'));
    this.queue = new Queue(queueName(options.kind), { connection: options.connection, prefix: BULLMQ_PREFIX });
    this.queue.on('error', (err) => options.log.warn({ err, kind: options.kind }, 'queue connection error'));
  }

  /** Jobs BullMQ has as active: after a takeover, those a previous scheduler held or ran. */
  async activeJobs(): Promise<Job[]> {
    return this.queue.getActive(0, -1);
  }

  /** Takes over the lock a previous scheduler held with `token`; false if it lapsed or is someone else's. */
  async adopt(job: Job, token: string): Promise<boolean> {
    const failed = await this.worker.extendJobLocks([job.id!], [token], this.options.lockDurationMs);
    if (failed.length > 0) return false;
    this.locks.set(job.id!, token);
    return true;
  }

  /** Jobs not yet fetched, by BullMQ state. */
  async depth(): Promise<Record<'waiting' | 'prioritized' | 'delayed', number>> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed');
    return { waiting: counts.waiting ?? 0, prioritized: counts.prioritized ?? 0, delayed: counts.delayed ?? 0 };
  }

  /** Connects and starts renewing locks; fetching starts separately, after any takeover adopted its jobs. */
  async start(): Promise<void> {
    await Promise.all([this.worker.waitUntilReady(), this.queue.waitUntilReady()]);
    this.renewTimer = setInterval(() => void this.renewLocks(), Math.floor(this.options.lockDurationMs / 3));
  }

  async startFetching(): Promise<void> {
    // Jobs locked by a scheduler that died return to the queue when their locks expire.
    await this.worker.startStalledCheckTimer();
    this.fetchLoopDone = this.fetchLoop();
  }

  /** Called when the window frees a slot. */
  notifyRoom(): void {
    const wake = this.wakeFetcher;
    this.wakeFetcher = undefined;
    wake?.();
  }

  private async fetchLoop(): Promise<void> {
    const { log, kind } = this.options;
    let failures = 0;
    while (!this.closing) {
      if (!this.options.hasRoom()) {
        await new Promise<void>((resolve) => (this.wakeFetcher = resolve));
        continue;
      }
      const token = randomUUID();
      try {
        // Blocks on Redis until a job arrives; returns undefined when the block times out.
        const job = await this.worker.getNextJob(token, { block: true });
        failures = 0;
        if (!job) continue;
        this.locks.set(job.id!, token);
        if (this.closing) await this.release(job, token);
        else this.options.onJob(job, token);
      } catch (err) {
        if (this.closing) break;
        failures++;
        log.error({ err, kind }, 'fetching the next job failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** failures, 5_000)));
      }
    }
  }

  private async renewLocks(): Promise<void> {
    if (this.locks.size === 0) return;
    const ids = [...this.locks.keys()];
    const tokens = ids.map((id) => this.locks.get(id)!);
    try {
      const failed = await this.worker.extendJobLocks(ids, tokens, this.options.lockDurationMs);
      if (failed.length > 0) {
        for (const id of failed) this.locks.delete(id);
        this.options.onLockLost(failed);
      }
    } catch (err) {
      this.options.log.warn({ err, kind: this.options.kind }, 'renewing job locks failed; will retry');
    }
  }

  /** Completes a job; false when its lock was lost and the result could not be recorded. */
  async complete(job: Job, token: string, result: unknown): Promise<boolean> {
    try {
      await job.moveToCompleted(result, token, false);
      return true;
    } catch (err) {
      this.options.log.warn({ err, jobId: job.id }, 'could not complete the job: its lock was lost');
      return false;
    } finally {
      this.locks.delete(job.id!);
    }
  }

  /** Fails an attempt; BullMQ retries with backoff unless the error is an UnrecoverableError. */
  async fail(job: Job, token: string, error: Error): Promise<boolean> {
    try {
      await job.moveToFailed(error, token, false);
      return true;
    } catch (err) {
      this.options.log.warn({ err, jobId: job.id }, 'could not fail the job: its lock was lost');
      return false;
    } finally {
      this.locks.delete(job.id!);
    }
  }

  /** Returns a held job to the queue at once, as if it had never been fetched. */
  async release(job: Job, token: string): Promise<void> {
    try {
      await job.moveToWait(token);
    } catch (err) {
      this.options.log.warn({ err, jobId: job.id }, 'could not return the job to the queue; its lock will lapse instead');
    } finally {
      this.locks.delete(job.id!);
    }
  }

  /** Stops taking jobs; a job that arrives meanwhile goes straight back. Locks stay renewed. */
  stopFetching(): void {
    this.closing = true;
    this.notifyRoom();
  }

  /** After stopFetching and after every held job was released or finished. */
  async close(): Promise<void> {
    this.stopFetching();
    clearInterval(this.renewTimer);
    // Closing the worker ends the blocking fetch.
    await this.worker.close(true);
    await this.fetchLoopDone;
    await this.queue.close();
  }

  /** Stops without touching Redis state: for a scheduler that lost its lease. */
  async abandon(): Promise<void> {
    this.stopFetching();
    clearInterval(this.renewTimer);
    this.locks.clear();
    await Promise.allSettled([this.worker.close(true), this.queue.close()]);
  }
}
