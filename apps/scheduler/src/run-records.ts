// Writes the run record (keys.jobRun) that the API merges into the job view: what BullMQ has no
// field for. Written on each phase change and when the pending reason changes, never per pass.
import { FINISHED_JOB_RETENTION_S, keys, runRecordFields, type JobError } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';

export class RunRecords {
  private readonly lastReason = new Map<string, string>();

  constructor(private readonly redis: Redis) {}

  async held(jobId: string, attempt: number): Promise<void> {
    this.lastReason.delete(jobId);
    await this.redis
      .multi()
      .hdel(keys.jobRun(jobId), 'pendingReason')
      .hset(keys.jobRun(jobId), runRecordFields({ phase: 'held', attempt }))
      .persist(keys.jobRun(jobId))
      .exec();
  }

  /** Writes the reason only when it changed since the last write. */
  async pending(jobId: string, reason: string): Promise<void> {
    if (this.lastReason.get(jobId) === reason) return;
    this.lastReason.set(jobId, reason);
    await this.redis.hset(keys.jobRun(jobId), runRecordFields({ pendingReason: reason }));
  }

  async running(jobId: string, fields: { attempt: number; gpu: string; vramMb: number; startedAt: number }): Promise<void> {
    this.lastReason.delete(jobId);
    await this.redis
      .multi()
      .hdel(keys.jobRun(jobId), 'pendingReason', 'handle', 'finishedAt', 'progress')
      .hset(keys.jobRun(jobId), runRecordFields({ phase: 'running', ...fields }))
      .exec();
  }

  async handle(jobId: string, handle: string): Promise<void> {
    await this.redis.hset(keys.jobRun(jobId), runRecordFields({ handle }));
  }

  async progress(jobId: string, progress: unknown): Promise<void> {
    await this.redis.hset(keys.jobRun(jobId), runRecordFields({ progress }));
  }

  /** The attempt is over. `error` is kept so the view can say why, also while a retry waits. */
  async ended(jobId: string, fields: { finishedAt: number; error?: JobError }): Promise<void> {
    this.lastReason.delete(jobId);
    await this.redis
      .multi()
      .hdel(keys.jobRun(jobId), 'pendingReason')
      .hset(keys.jobRun(jobId), runRecordFields({ phase: 'ended', ...fields }))
      // The record lives as long as BullMQ keeps the finished job.
      .expire(keys.jobRun(jobId), FINISHED_JOB_RETENTION_S)
      .exec();
  }

  forget(jobId: string): void {
    this.lastReason.delete(jobId);
  }
}
