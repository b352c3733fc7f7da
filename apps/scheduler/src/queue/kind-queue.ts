// One kind's BullMQ queue, shared by every box: jobs taken by fit (job-claims.ts, ADR 0004), one
// lock per job renewed while this scheduler holds or runs it, completion or failure with that
// job's own token, and BullMQ's stalled check, which returns the jobs of a box that died.
import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job, type RedisOptions } from 'bullmq';
import { BULLMQ_PREFIX, bullmqKey, keys, queueName, type JobData } from '@gpuq/shared';
import { RedisScript, type Logger, type Redis } from '@gpuq/runtime';
import { withInput, type InputRead } from './job-inputs.js';
import { JobClaims, type ClaimedJob, type Peek } from './job-claims.js';

export interface KindQueueOptions {
  kind: string;
  connection: RedisOptions;
  /** This scheduler's own connection, for the claim scripts. */
  redis: Redis;
  /** Named in the jobs it takes (BullMQ's processedBy). */
  schedulerId: string;
  lockDurationMs: number;
  /** Jobs whose locks could not be renewed: someone else may own them now. */
  onLockLost: (jobIds: string[]) => void;
  /** Jobs the stalled check returned to the queue (their scheduler died): any box may take them. */
  onStalled: (jobId: string) => void;
  log: Logger;
}

// After BullMQ recorded a job's end (or refused to): its input goes when it ended for good and that
// was recorded (ARGV[1]), its need is forgotten when no attempt follows (ARGV[2]), and its events
// channel (ARGV[4]) is told. One round trip, where these were three.
const AFTER_END = new RedisScript(`
if ARGV[1] == '1' then redis.call('DEL', KEYS[1]) end
if ARGV[2] == '1' then redis.call('HDEL', KEYS[2], ARGV[3]) end
redis.call('PUBLISH', ARGV[4], 'changed')
return 1
`);

export class KindQueue {
  private readonly worker: Worker;
  /** For reads (active jobs after a takeover, depth for metrics), apart from the worker that holds the locks. */
  private readonly queue: Queue;
  private readonly locks = new Map<string, string>();
  private readonly claims: JobClaims;
  private closing = false;
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
    this.worker.on('stalled', (jobId) => options.onStalled(jobId));
    this.claims = new JobClaims(options.redis, options.kind, this.worker, options.schedulerId);
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

  /** Jobs no box has taken yet, by BullMQ state. */
  async depth(): Promise<Record<'waiting' | 'prioritized' | 'delayed', number>> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed');
    return { waiting: counts.waiting ?? 0, prioritized: counts.prioritized ?? 0, delayed: counts.delayed ?? 0 };
  }

  /** Connects and starts renewing locks. */
  async start(): Promise<void> {
    await Promise.all([this.worker.waitUntilReady(), this.queue.waitUntilReady()]);
    this.renewTimer = setInterval(() => void this.renewLocks(), Math.floor(this.options.lockDurationMs / 3));
  }

  /** Starts BullMQ's stalled check: jobs whose scheduler died come back when their locks lapse. */
  async startStalledCheck(): Promise<void> {
    await this.worker.startStalledCheckTimer();
  }

  /** The head of the queue, for choosing what to take (after due retries moved back into it). */
  peek(limit: number): Promise<Peek> {
    return this.claims.peek(limit);
  }

  /** Takes these jobs where they still wait, each locked with a token of its own; the jobs it got, with their tokens and what was read of them. */
  async claim(ids: readonly string[]): Promise<Array<ClaimedJob & { token: string }>> {
    if (this.closing || ids.length === 0) return [];
    const tokens = new Map(ids.map((id) => [id, randomUUID()]));
    const claimed = await this.claims.claim([...tokens].map(([id, token]) => ({ id, token })), this.options.lockDurationMs);
    return claimed.map(({ job, reads }) => {
      const token = tokens.get(job.id!)!;
      this.locks.set(job.id!, token);
      return { job, token, reads };
    });
  }

  storeNeeds(needs: ReadonlyMap<string, string>): Promise<void> {
    return this.claims.storeNeeds(needs);
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

  /** The job's data with its input, read from beside the queue when it is kept there. */
  withInput(jobId: string, data: JobData): Promise<InputRead> {
    return withInput(this.options.redis, jobId, data);
  }

  /**
   * Completes a job; false when its lock was lost and the result could not be recorded. Then its
   * input goes (read no more) and its need, and the job's event channel is told.
   */
  async complete(job: Job, token: string, result: unknown): Promise<boolean> {
    let isRecorded = false;
    try {
      await job.moveToCompleted(result, token, false);
      isRecorded = true;
    } catch (err) {
      isRecorded = (await this.endLanded(job)) !== undefined;
      if (!isRecorded) this.options.log.warn({ err, jobId: job.id }, 'could not complete the job: its lock was lost');
    } finally {
      this.locks.delete(job.id!);
    }
    await this.afterEnd(job.id!, { dropInput: isRecorded, forgetNeed: true });
    return isRecorded;
  }

  /**
   * Fails an attempt; BullMQ retries with backoff unless the error is an UnrecoverableError. When
   * it failed for good, its input and need go; either way the job's event channel is told.
   */
  async fail(job: Job, token: string, error: Error, willRetry: boolean): Promise<boolean> {
    let isRecorded = false;
    try {
      await job.moveToFailed(error, token, false);
      isRecorded = true;
    } catch (err) {
      const landed = await this.endLanded(job);
      isRecorded = landed !== undefined;
      if (landed) {
        // What BullMQ sets on the job once its call answers.
        job.attemptsMade += 1;
        if (landed.finishedOn !== undefined) job.finishedOn = landed.finishedOn;
      } else {
        this.options.log.warn({ err, jobId: job.id }, 'could not fail the job: its lock was lost');
      }
    } finally {
      this.locks.delete(job.id!);
    }
    // finishedOn is set when the job failed for good, not when it waits to be retried.
    await this.afterEnd(job.id!, { dropInput: isRecorded && job.finishedOn !== undefined, forgetNeed: !willRetry });
    return isRecorded;
  }

  /**
   * After BullMQ's end call failed: whether the end was recorded all the same. The connection can
   * drop after Redis ran the call and before its answer came; the client sends it again on
   * reconnecting, and that second call is refused (the lock is gone with the first). The end is
   * ours when the job has left the active list, its attempt was counted (every end counts it; the
   * stalled check does not), and no claim since started another attempt.
   */
  private async endLanded(job: Job): Promise<{ finishedOn: number | undefined } | undefined> {
    const { redis, kind } = this.options;
    try {
      const [[started, made, finishedOn], activeAt] = await Promise.all([redis.hmget(bullmqKey(kind, job.id!), 'ats', 'atm', 'finishedOn'), redis.lpos(bullmqKey(kind, 'active'), job.id!)]);
      const isOurs = activeAt === null && Number(started) === job.attemptsStarted && Number(made) === job.attemptsMade + 1;
      return isOurs ? { finishedOn: finishedOn === null ? undefined : Number(finishedOn) } : undefined;
    } catch {
      return undefined;
    }
  }

  /** What follows a job's end in BullMQ: its input (read no more) and need, and the word to its event channel. */
  private async afterEnd(jobId: string, what: { dropInput: boolean; forgetNeed: boolean }): Promise<void> {
    const flags = [what.dropInput ? '1' : '0', what.forgetNeed ? '1' : '0'];
    await AFTER_END.run(this.options.redis, [keys.jobInput(jobId), keys.queueNeeds(this.options.kind)], [...flags, jobId, keys.jobEvents(jobId)]).catch((err: unknown) =>
      this.options.log.warn({ err, jobId }, "could not clear the ended job's input and need, or announce its end"),
    );
  }

  /** Returns a held job to the queue at once, as if it had never been taken. */
  async release(job: Job, token: string): Promise<void> {
    try {
      await job.moveToWait(token);
    } catch (err) {
      this.options.log.warn({ err, jobId: job.id }, 'could not return the job to the queue; its lock will lapse instead');
    } finally {
      this.locks.delete(job.id!);
    }
  }

  /** Takes no more jobs. Locks stay renewed. */
  stopTaking(): void {
    this.closing = true;
  }

  /** After stopTaking and after every held job was released or finished. */
  async close(): Promise<void> {
    this.stopTaking();
    clearInterval(this.renewTimer);
    await this.worker.close(true);
    await this.queue.close();
  }

  /** Stops without touching Redis state: for a scheduler that lost its lease. */
  async abandon(): Promise<void> {
    this.stopTaking();
    clearInterval(this.renewTimer);
    this.locks.clear();
    await Promise.allSettled([this.worker.close(true), this.queue.close()]);
  }
}
