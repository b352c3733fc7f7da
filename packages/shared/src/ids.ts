// Job ids: `<kind>_<ulid>`. The kind prefix names the BullMQ queue that holds the job, so a read
// needs no index lookup; the ULID sorts by creation time, so "newest first" is a plain sort.
import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

// Random bytes are drawn in blocks: one system call per 256 ids rather than one per id.
const POOL_SIZE = RANDOM_CHARS * 256;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomChunk(): Buffer {
  if (poolOffset + RANDOM_CHARS > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const chunk = pool.subarray(poolOffset, poolOffset + RANDOM_CHARS);
  poolOffset += RANDOM_CHARS;
  return chunk;
}

export const JOB_ID_PATTERN = /^([a-z][a-z0-9-]*)_([0-9a-hjkmnp-tv-z]{26})$/;

// Within one millisecond, ids from this process count up from the previous one (as monotonic
// ULIDs do), so jobs submitted in the same millisecond still list in the order they came.
let lastTimeMs = -1;
let lastRandom: number[] = [];

function freshRandom(): number[] {
  return [...randomChunk()].map((byte) => byte % 32);
}

/** The next random part after `digits` in base 32, or undefined when it would overflow. */
function incremented(digits: readonly number[]): number[] | undefined {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 31) {
      next[i]! += 1;
      return next;
    }
    next[i] = 0;
  }
  return undefined;
}

/** A new, time-ordered job id for `kind`. */
export function newJobId(kind: string, nowMs: number = Date.now()): string {
  let time = '';
  let t = nowMs;
  for (let i = 0; i < TIME_CHARS; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  lastRandom = (nowMs === lastTimeMs ? incremented(lastRandom) : undefined) ?? freshRandom();
  lastTimeMs = nowMs;
  return `${kind}_${time}${lastRandom.map((digit) => CROCKFORD[digit]).join('')}`;
}

/** The kind a job id belongs to, or undefined when the id is not one of ours. */
export function kindOfJobId(id: string): string | undefined {
  return JOB_ID_PATTERN.exec(id)?.[1];
}
