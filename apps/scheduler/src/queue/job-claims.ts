// Claiming jobs by fit (ADR 0004). Many boxes share one queue per kind, so a box must not take the
// next job blindly, as BullMQ's getNextJob does: it looks at the head of the queue (peek) and takes
// exactly the jobs it can place (claim). Both are Lua scripts of ours over BullMQ 6.7's keys, doing
// for a chosen job what BullMQ's moveToActive does for the next one (lock, active list, attempt
// count, event), so BullMQ's own complete, fail, retry and stalled check handle it as any other.
// The version is pinned in package.json; test/job-claims tests drive claimed jobs through BullMQ.
import { Job, raw2NextJobData, type Worker } from 'bullmq';
import { BULLMQ_PREFIX, keys, queueName } from '@gpuq/shared';
import { RedisScript, type Redis } from '@gpuq/runtime';

// Moves retries whose backoff is over from delayed to the queue, as BullMQ's fetch would (delayed
// scores are ms << 12), then returns the next delayed time and the head of the queue in the order
// BullMQ would hand it out: the wait list from its right end (stalled jobs land there), then the
// prioritized set. With each job: its stored need, what its run record says of an earlier attempt
// (and whether that attempt's box still holds its lease), whether a cancel was asked for, and its
// data only where no need is stored yet.
const PEEK = new RedisScript(`
local prefix, now, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local runKey, cancelKey, leaseKey = ARGV[4], ARGV[5], ARGV[6]
local due = redis.call('ZRANGEBYSCORE', KEYS[3], 0, (now + 1) * 4096 - 1, 'LIMIT', 0, 1000)
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[3], id)
  local priority = tonumber(redis.call('HGET', prefix .. id, 'priority')) or 0
  if priority > 0 then
    local counter = redis.call('INCR', KEYS[4])
    redis.call('ZADD', KEYS[2], priority * 4294967296 + counter % 4294967296, id)
  else
    redis.call('LPUSH', KEYS[1], id)
  end
  redis.call('XADD', KEYS[5], '*', 'event', 'waiting', 'jobId', id, 'prev', 'delayed')
  redis.call('HSET', prefix .. id, 'delay', 0)
end
if #due > 0 then redis.call('ZADD', KEYS[6], 0, '0') end
local nextDelayed = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
local ids = {}
local waiting = redis.call('LRANGE', KEYS[1], -limit, -1)
for i = #waiting, 1, -1 do table.insert(ids, waiting[i]) end
if #ids < limit then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, limit - #ids - 1)) do table.insert(ids, id) end
end
local head = {}
for _, id in ipairs(ids) do
  local need = redis.call('HGET', KEYS[7], id)
  local run = redis.call('HMGET', string.gsub(runKey, '{id}', id), 'minVramMb', 'box', 'phase')
  local cancelled = redis.call('EXISTS', (string.gsub(cancelKey, '{id}', id)))
  local data = false
  if not need then data = redis.call('HGET', prefix .. id, 'data') end
  local boxUp = 0
  if run[2] then boxUp = redis.call('EXISTS', (string.gsub(leaseKey, '{box}', run[2]))) end
  table.insert(head, {id, need or false, run[1] or false, run[2] or false, run[3] or false, cancelled, data, boxUp})
end
return {nextDelayed[2] or false, head}
`);

// For each job id given with its lock token: if it still waits (another box may have taken it),
// take it as BullMQ's moveToActive does (out of the queue, into active, locked, attempt counted,
// 'active' event) and return its hash, with what the scheduler reads before it holds the job: its
// run record, whether a cancel was asked for, and its input kept apart. Otherwise nothing for it.
// The wait list is searched from its right end, where its head is: a long list is not walked.
// A job already locked with the same token was taken by this very claim: the client sent it again
// after a reconnect because the reply was lost (ioredis resends what was unanswered). It is
// returned as taken, unchanged; otherwise it would sit in the active list, owned by no one, until
// BullMQ's stalled check brings it back, a lock and a check interval later.
const CLAIM = new RedisScript(`
local prefix, now, lockMs, name = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local runKey, cancelKey, inputKey = ARGV[5], ARGV[6], ARGV[7]
local claimed = {}
for i = 8, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local taken = redis.call('ZREM', KEYS[2], id)
  if taken == 0 then taken = redis.call('LREM', KEYS[1], -1, id) end
  if taken > 0 then
    redis.call('LPUSH', KEYS[3], id)
    redis.call('SET', prefix .. id .. ':lock', token, 'PX', lockMs)
    redis.call('HSET', prefix .. id, 'processedOn', now, 'pb', name)
    redis.call('HINCRBY', prefix .. id, 'ats', 1)
    redis.call('XADD', KEYS[4], '*', 'event', 'active', 'jobId', id, 'prev', 'waiting')
  elseif redis.call('GET', prefix .. id .. ':lock') == token then
    taken = 1
  end
  if taken > 0 then
    local run = redis.call('HGETALL', (string.gsub(runKey, '{id}', id)))
    local cancelled = redis.call('EXISTS', (string.gsub(cancelKey, '{id}', id)))
    local input = redis.call('GET', (string.gsub(inputKey, '{id}', id)))
    table.insert(claimed, {id, redis.call('HGETALL', prefix .. id), run, cancelled, input})
  end
end
return claimed
`);

/** A job at the head of a kind's queue, as the peek read it. */
export interface HeadEntry {
  id: string;
  /** The need stored for it (JSON), or undefined when no box worked it out yet. */
  storedNeed: string | undefined;
  /** Its data, read only when no need was stored. */
  data: string | undefined;
  /** From its run record: an earlier attempt ran out of memory and needs at least this much. */
  minVramMb: number | undefined;
  /** From its run record: the box that held or ran its last attempt, and that attempt's phase. */
  lastBox: string | undefined;
  lastPhase: string | undefined;
  /** Whether that box's lease is held now: a scheduler runs it, and may re-attach to the attempt. */
  isLastBoxUp: boolean;
  isCancelled: boolean;
}

export interface Peek {
  head: HeadEntry[];
  /** When the next retry's backoff is over, epoch ms; undefined when none waits. */
  nextDelayedAt: number | undefined;
}

type RawHead = [string, string | null, string | null, string | null, string | null, number, string | null, number];

/** What the claim read of a job beside taking it: one round trip for a whole claim, none per job. */
export interface ClaimReads {
  /** Its run record's fields as stored (RunRecord parses them). */
  run: Record<string, string>;
  isCancelled: boolean;
  /** Its input kept apart (version 2 data), as stored; null when there is none. */
  inputText: string | null;
}

export interface ClaimedJob {
  job: Job;
  reads: ClaimReads;
}

export class JobClaims {
  private readonly prefix: string;
  private readonly key: (suffix: string) => string;

  constructor(
    private readonly redis: Redis,
    private readonly kind: string,
    /** The kind's BullMQ worker: claimed jobs are its jobs, completed and failed through it. */
    private readonly worker: Worker,
    private readonly workerName: string,
  ) {
    this.prefix = `${BULLMQ_PREFIX}:${queueName(kind)}:`;
    this.key = (suffix) => `${this.prefix}${suffix}`;
  }

  /** The first `limit` jobs a box may take, in queue order, after moving due retries back into it. */
  async peek(limit: number, now = Date.now()): Promise<Peek> {
    const keysFor = [this.key('wait'), this.key('prioritized'), this.key('delayed'), this.key('pc'), this.key('events'), this.key('marker'), keys.queueNeeds(this.kind)];
    const [nextDelayed, raw] = (await PEEK.run(this.redis, keysFor, [this.prefix, now, limit, keys.jobRun('{id}'), keys.jobCancel('{id}'), keys.schedulerLease('{box}')])) as [string | null, RawHead[]];
    return {
      nextDelayedAt: nextDelayed === null ? undefined : Math.floor(Number(nextDelayed) / 4096),
      head: raw.map(([id, need, minVramMb, lastBox, lastPhase, cancelled, data, boxUp]) => ({
        id,
        storedNeed: need ?? undefined,
        data: data ?? undefined,
        minVramMb: minVramMb === null ? undefined : Number(minVramMb),
        lastBox: lastBox ?? undefined,
        lastPhase: lastPhase ?? undefined,
        isLastBoxUp: boxUp === 1,
        isCancelled: cancelled === 1,
      })),
    };
  }

  /** Takes the given jobs, each locked with its own token, where they still wait; the ones it got. */
  async claim(claims: ReadonlyArray<{ id: string; token: string }>, lockDurationMs: number, now = Date.now()): Promise<ClaimedJob[]> {
    if (claims.length === 0) return [];
    const keysFor = [this.key('wait'), this.key('prioritized'), this.key('active'), this.key('events')];
    const templates = [keys.jobRun('{id}'), keys.jobCancel('{id}'), keys.jobInput('{id}')];
    const argv = [this.prefix, now, lockDurationMs, this.workerName, ...templates, ...claims.flatMap((c) => [c.id, c.token])];
    const claimed = (await CLAIM.run(this.redis, keysFor, argv)) as Array<[string, string[], string[], number, string | null]>;
    return claimed.map(([id, hash, run, cancelled, inputText]) => {
      const [json] = raw2NextJobData([hash]) as [Parameters<typeof Job.fromJSON>[1]];
      const fields: Record<string, string> = {};
      for (let i = 0; i < run.length; i += 2) fields[run[i]!] = run[i + 1]!;
      return { job: Job.fromJSON(this.worker, json, id), reads: { run: fields, isCancelled: cancelled === 1, inputText } };
    });
  }

  /** Remembers a job's need for every box (and the API's reasons) once one box worked it out. */
  async storeNeeds(needs: ReadonlyMap<string, string>): Promise<void> {
    if (needs.size > 0) await this.redis.hset(keys.queueNeeds(this.kind), Object.fromEntries(needs));
  }
}
