// Writes the run record (keys.jobRun) that the API merges into the job view: what BullMQ has no
// field for. Written on each phase change and when the pending reason changes, never per pass,
// and only while this scheduler holds its box (fenced). Each write is announced on the job's
// events channel, for the API's event streams. Beside it, what the worker handed out while the job
// ran: a solve's incumbents and the solver's log, kept as long as the record.
import { FINISHED_JOB_RETENTION_S, keys, RunRecord, runRecordFields, type cuopt, type JobError, type StageRecord } from '@gpuq/shared';
import { RedisScript, type Redis } from '@gpuq/runtime';
import { fencedScript, type FencedOp, type FencedWriter } from '../box/fenced-writes.js';

/** A job's log is kept up to this many bytes: its start, then one line saying the rest was cut. */
export const JOB_LOG_MAX_BYTES = 1024 * 1024;
const LOG_CUT_LINE = '\n[gpuq] the log was cut here: a job keeps the first 1 MiB of its log\n';

// Appends ARGV[1] to the log, cut at ARGV[2] bytes with the line ARGV[3] once; sets the expiry.
const APPEND_CAPPED = `
local len = redis.call('STRLEN', KEYS[1])
local cap = tonumber(ARGV[2])
if len > cap then return len end
local text = ARGV[1]
if len + #text > cap then text = string.sub(text, 1, cap - len) .. ARGV[3] end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return redis.call('APPEND', KEYS[1], text)
`;
const APPEND_CAPPED_SCRIPT = new RedisScript(APPEND_CAPPED);

// With the end's fenced write: an attempt that started goes into the job's history (KEYS[3], an
// AttemptRecord as JSON per entry) from the run record's fields (the write's read-back, ENDED_READ),
// ending at ARGV[3] with the error ARGV[4] (JSON or null), kept ARGV[5] seconds. Not when the last
// entry has its start: an attempt that ended before it ran finds the run record's start of the one before.
const ENDED_READ = ['gpuSeconds', 'cpuSeconds', 'attempt', 'startedAt', 'box', 'gpu', 'vramMb', 'server'];
const ENDED_WITH_HISTORY = fencedScript(`
local f = {read[3], read[4], read[5], read[6], read[7], read[8]}
if f[2] then
  local last = redis.call('LINDEX', KEYS[3], -1)
  local ok, entry = false, nil
  if last then ok, entry = pcall(cjson.decode, last) end
  if not (ok and tostring(entry.startedAt) == f[2]) then
    local record = {attempt = tonumber(f[1]) or 0, box = f[3] or cjson.null, gpu = f[4] or cjson.null, vramMb = tonumber(f[5]) or cjson.null,
      server = f[6] or cjson.null, startedAt = tonumber(f[2]), finishedAt = tonumber(ARGV[3]), error = cjson.decode(ARGV[4])}
    redis.call('RPUSH', KEYS[3], cjson.encode(record))
    redis.call('EXPIRE', KEYS[3], ARGV[5])
  end
end
`);

/** A run record from its stored fields; empty when they do not read as one. */
export function runRecordOf(fields: Record<string, string>): RunRecord {
  const parsed = RunRecord.safeParse(fields);
  return parsed.success ? parsed.data : {};
}

/** The time an attempt held its GPU (or, on a CPU solve server, the CPU), for the job's cost. */
export interface Spent {
  seconds: number;
  onCpu: boolean;
}

/** A job's time over all its attempts, also those a previous scheduler ran. */
export interface JobSeconds {
  gpuSeconds: number;
  cpuSeconds: number;
}

/** The most incumbents kept per job, newest last: each is a whole solution vector. */
const MAX_KEPT_INCUMBENTS = 1_000;

export class RunRecords {
  private readonly lastReason = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly writer: FencedWriter,
    /** The box whose attempts these are; and its fencing token now. */
    private readonly boxId: string,
    private readonly fence: () => number | undefined,
  ) {}

  async read(jobId: string): Promise<RunRecord> {
    return runRecordOf(await this.redis.hgetall(keys.jobRun(jobId)));
  }

  /** Held here, locked with `token` (kept so a successor can adopt the lock after a crash), and why it waits. */
  async held(jobId: string, attempt: number, token: string, waiting: { reason: string; ahead: number }): Promise<void> {
    this.lastReason.set(jobId, `${waiting.ahead}:${waiting.reason}`);
    await this.write(jobId, { set: runRecordFields({ phase: 'held', attempt, token, pendingReason: waiting.reason, ahead: waiting.ahead, ...this.owner() }), persist: true });
  }

  /** Writes the reason only when it (or the position) changed since the last write. */
  async pending(jobId: string, reason: string, ahead: number): Promise<void> {
    const text = `${ahead}:${reason}`;
    if (this.lastReason.get(jobId) === text) return;
    this.lastReason.set(jobId, text);
    await this.write(jobId, { set: runRecordFields({ pendingReason: reason, ahead }) });
  }

  async running(
    jobId: string,
    fields: { attempt: number; gpu: string; vramMb: number; startedAt: number; token: string; server?: string; serverGpus?: string },
  ): Promise<void> {
    this.lastReason.delete(jobId);
    await this.write(jobId, {
      del: ['pendingReason', 'ahead', 'handle', 'finishedAt', 'progress', 'server', 'serverGpus'],
      set: runRecordFields({ phase: 'running', ...fields, ...this.owner() }),
      persist: true,
    });
  }

  /** A pipeline attempt's stages so far; a CPU stage's seconds add to the job's CPU time. */
  async stages(jobId: string, stages: StageRecord[], cpuSeconds = 0): Promise<void> {
    await this.write(jobId, { set: runRecordFields({ stages }), ...(cpuSeconds > 0 ? { incr: { cpuSeconds } } : {}) });
  }

  async handle(jobId: string, handle: string): Promise<void> {
    await this.write(jobId, { set: runRecordFields({ handle }) });
  }

  async progress(jobId: string, progress: unknown): Promise<void> {
    await this.write(jobId, { set: runRecordFields({ progress }) });
  }

  /**
   * An incumbent as the solve server sent it (cuOpt's JSON), after those before it. Not fenced: the
   * server hands each out once, so a scheduler that read one keeps it even while losing its box.
   */
  async incumbent(jobId: string, incumbent: cuopt.Incumbent): Promise<void> {
    const key = keys.jobIncumbents(jobId);
    // Bounded: a long MILP finds thousands; a client that never reads them keeps the latest.
    // The latest is also kept on its own: a cancelled or timed-out MILP's best answer so far.
    const text = JSON.stringify(incumbent);
    await this.redis
      .multi()
      .rpush(key, text)
      .ltrim(key, -MAX_KEPT_INCUMBENTS, -1)
      .expire(key, FINISHED_JOB_RETENTION_S)
      .set(keys.jobBestIncumbent(jobId), JSON.stringify({ ...incumbent, foundAt: Date.now() }), 'EX', FINISHED_JOB_RETENTION_S)
      .exec();
  }

  /** The worker's log text, appended; past JOB_LOG_MAX_BYTES only the line saying it was cut is added. */
  async log(jobId: string, text: string): Promise<void> {
    await APPEND_CAPPED_SCRIPT.run(this.redis, [keys.jobLog(jobId)], [text, JOB_LOG_MAX_BYTES, LOG_CUT_LINE, FINISHED_JOB_RETENTION_S]);
  }

  /**
   * The attempt is over. `error` is kept so the view can say why, also while a retry waits;
   * the attempt's time on its GPU (or on a CPU solve server) adds to the job's total. Resolves to
   * the job's totals over all its attempts, read in the same round trip.
   */
  async ended(jobId: string, fields: { finishedAt: number; error?: JobError; spent?: Spent }): Promise<JobSeconds> {
    this.lastReason.delete(jobId);
    const { spent, ...rest } = fields;
    const op: FencedOp = {
      del: ['pendingReason', 'ahead', 'token'],
      set: runRecordFields({ phase: 'ended', ...rest }),
      ...(spent?.seconds ? { incr: { [spent.onCpu ? 'cpuSeconds' : 'gpuSeconds']: spent.seconds } } : {}),
      // The record lives as long as BullMQ keeps the finished job.
      expire: FINISHED_JOB_RETENTION_S,
      read: ENDED_READ,
      // Not announced here: BullMQ records the end next, and the queue announces it once it did
      // (kind-queue.ts), when the job's view reads the end whole.
    };
    // The attempt's history (where it ran and how it ended) in the same round trip.
    const history = { script: ENDED_WITH_HISTORY, keys: [keys.jobAttempts(jobId)], args: [rest.finishedAt, JSON.stringify(rest.error ?? null), FINISHED_JOB_RETENTION_S] };
    const [gpuSeconds, cpuSeconds] = await this.writer.write(keys.jobRun(jobId), op, history);
    return { gpuSeconds: Number(gpuSeconds ?? 0), cpuSeconds: Number(cpuSeconds ?? 0) };
  }

  /** The next attempt must reserve at least this much (it ran out of memory on a smaller GPU). */
  async needsAtLeast(jobId: string, minVramMb: number): Promise<void> {
    await this.write(jobId, { set: runRecordFields({ minVramMb }) });
  }

  /** The box that holds the attempt, and its fence: only that box re-attaches to it. */
  private owner(): { box: string; fence?: number } {
    const fence = this.fence();
    return { box: this.boxId, ...(fence !== undefined ? { fence } : {}) };
  }

  forget(jobId: string): void {
    this.lastReason.delete(jobId);
  }

  private write(jobId: string, op: FencedOp): Promise<Array<string | null>> {
    return this.writer.write(keys.jobRun(jobId), { ...op, publish: keys.jobEvents(jobId) });
  }
}
