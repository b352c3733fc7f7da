// Writes the run record (keys.jobRun) that the API merges into the job view: what BullMQ has no
// field for. Written on each phase change and when the pending reason changes, never per pass,
// and only while this scheduler holds its box (fenced).
import { FINISHED_JOB_RETENTION_S, keys, RunRecord, runRecordFields, type JobError } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';
import type { FencedWriter } from './fenced-writes.js';

export class RunRecords {
  private readonly lastReason = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly writer: FencedWriter,
  ) {}

  async read(jobId: string): Promise<RunRecord> {
    const parsed = RunRecord.safeParse(await this.redis.hgetall(keys.jobRun(jobId)));
    return parsed.success ? parsed.data : {};
  }

  /** Fetched and locked with `token`: kept so a successor can adopt the lock after a crash. */
  async held(jobId: string, attempt: number, token: string): Promise<void> {
    this.lastReason.delete(jobId);
    await this.writer.write(keys.jobRun(jobId), { del: ['pendingReason', 'ahead'], set: runRecordFields({ phase: 'held', attempt, token }), persist: true });
  }

  /** Writes the reason only when it (or the position) changed since the last write. */
  async pending(jobId: string, reason: string, ahead: number): Promise<void> {
    const text = `${ahead}:${reason}`;
    if (this.lastReason.get(jobId) === text) return;
    this.lastReason.set(jobId, text);
    await this.writer.write(keys.jobRun(jobId), { set: runRecordFields({ pendingReason: reason, ahead }) });
  }

  async running(jobId: string, fields: { attempt: number; gpu: string; vramMb: number; startedAt: number; token: string }): Promise<void> {
    this.lastReason.delete(jobId);
    await this.writer.write(keys.jobRun(jobId), {
      del: ['pendingReason', 'ahead', 'handle', 'finishedAt', 'progress'],
      set: runRecordFields({ phase: 'running', ...fields }),
      persist: true,
    });
  }

  async handle(jobId: string, handle: string): Promise<void> {
    await this.writer.write(keys.jobRun(jobId), { set: runRecordFields({ handle }) });
  }

  async progress(jobId: string, progress: unknown): Promise<void> {
    await this.writer.write(keys.jobRun(jobId), { set: runRecordFields({ progress }) });
  }

  /** The attempt is over. `error` is kept so the view can say why, also while a retry waits. */
  async ended(jobId: string, fields: { finishedAt: number; error?: JobError }): Promise<void> {
    this.lastReason.delete(jobId);
    await this.writer.write(keys.jobRun(jobId), {
      del: ['pendingReason', 'ahead', 'token'],
      set: runRecordFields({ phase: 'ended', ...fields }),
      // The record lives as long as BullMQ keeps the finished job.
      expire: FINISHED_JOB_RETENTION_S,
    });
  }

  forget(jobId: string): void {
    this.lastReason.delete(jobId);
  }
}
