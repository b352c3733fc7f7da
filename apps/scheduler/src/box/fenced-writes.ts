// Writes that only the active scheduler of a box may make: each checks, inside Redis, that the
// box's fencing token is still the one this scheduler got when it took the lease. A scheduler
// that was paused past its lease finds its writes refused instead of overwriting its successor's.
import { randomUUID } from 'node:crypto';
import { RedisScript, type Redis } from '@gpuq/runtime';

// KEYS[1], ARGV[1]: the fence's key and the token this scheduler holds; KEYS[2], ARGV[2]: the key
// written and the FencedOp (JSON). A script made with fencedScript runs its own Lua after the op,
// with `read` (the op's read-back) in scope and its own keys and arguments from KEYS[3], ARGV[3].
const FENCED_OP = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local op = cjson.decode(ARGV[2])
if op.del and #op.del > 0 then redis.call('HDEL', KEYS[2], unpack(op.del)) end
if op.set then
  local args = {}
  for field, value in pairs(op.set) do
    table.insert(args, field)
    table.insert(args, value)
  end
  if #args > 0 then redis.call('HSET', KEYS[2], unpack(args)) end
end
-- op.incrId: a call sent again (its reply lost with the connection, the client resending it)
-- finds its id as the last one added and adds nothing; the rest of an op is the same written twice.
if op.incr and redis.call('HGET', KEYS[2], 'lastIncrId') ~= op.incrId then
  redis.call('HSET', KEYS[2], 'lastIncrId', op.incrId)
  for field, amount in pairs(op.incr) do redis.call('HINCRBYFLOAT', KEYS[2], field, amount) end
end
if op.value then redis.call('SET', KEYS[2], op.value) end
if op.expire then redis.call('EXPIRE', KEYS[2], op.expire) end
if op.persist then redis.call('PERSIST', KEYS[2]) end
if op.publish then redis.call('PUBLISH', op.publish, 'changed') end
local read = {}
if op.read and #op.read > 0 then read = redis.call('HMGET', KEYS[2], unpack(op.read)) end
`;

/** A fenced write followed by `after` (Lua), in the same script: what must happen with the write, or not at all. */
export const fencedScript = (after: string) => new RedisScript(`${FENCED_OP}\n${after}\nreturn {1, read}`);

const FENCED_WRITE_SCRIPT = fencedScript('');

export interface FencedOp {
  /** Hash fields to delete, then to set. */
  del?: string[];
  set?: Record<string, string>;
  /** Hash fields to add to (floats): once, even when the call is sent again. */
  incr?: Record<string, number>;
  /** Or a whole string value. */
  value?: string;
  expire?: number;
  persist?: boolean;
  /** A channel to tell, once written. */
  publish?: string;
  /** Hash fields to read back once written, in the same round trip. */
  read?: string[];
}

export class FencedOutError extends Error {
  constructor() {
    super('this scheduler is no longer the active one for its box: another took over the lease');
    this.name = 'FencedOutError';
  }
}

export class FencedWriter {
  constructor(
    private readonly redis: Redis,
    private readonly fenceKey: string,
    private readonly fence: () => number | undefined,
  ) {}

  /**
   * Applies `op` to `key` if this scheduler still holds the box; throws FencedOutError if not.
   * Resolves to the values of `op.read` after the write (null for a field that is not set).
   * `after`: a script made with fencedScript, run with the write, and its own keys and arguments.
   */
  async write(key: string, op: FencedOp, after?: { script: RedisScript; keys: readonly string[]; args: ReadonlyArray<string | number> }): Promise<Array<string | null>> {
    const fence = this.fence();
    if (fence === undefined) throw new FencedOutError();
    const script = after?.script ?? FENCED_WRITE_SCRIPT;
    // An op that adds carries an id of its own, which the script keeps: see FENCED_OP.
    const sent = op.incr ? { ...op, incrId: randomUUID() } : op;
    const applied = await script.run(this.redis, [this.fenceKey, key, ...(after?.keys ?? [])], [String(fence), JSON.stringify(sent), ...(after?.args ?? [])]);
    if (!Array.isArray(applied) || applied[0] !== 1) throw new FencedOutError();
    return (applied[1] as Array<string | null> | undefined) ?? [];
  }
}
