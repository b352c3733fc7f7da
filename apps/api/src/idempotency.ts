// Idempotency-Key: a retried submit with the same key and the same body gets the job the first
// one created (200), never a second job; the same key with another body is a 409. Keys are per
// tenant and forgotten after the configured time. The job id is chosen before the job is added,
// so a submit that died half-way is completed by its retry.
import { createHash } from 'node:crypto';
import { IdempotencyRecord, keys, parseStored } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';
import { ApiError } from './errors.js';

export interface IdempotencyClaim {
  /** The job id this key stands for. */
  jobId: string;
  /** True when an earlier request with this key and body already got that job. */
  isRepeat: boolean;
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** A stable hash of a parsed body: keys sorted, so the same JSON in another order is the same body. */
export function bodyHash(body: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
    }
    return value;
  };
  return hash(JSON.stringify(canonical(body)));
}

/** `requestHash`: the parsed body's bodyHash. */
export async function claimIdempotencyKey(redis: Redis, tenant: string, key: string, requestHash: string, newJobId: string, ttlS: number): Promise<IdempotencyClaim> {
  const redisKey = keys.idempotency(tenant, hash(key));
  const record = JSON.stringify({ bodyHash: requestHash, jobId: newJobId } satisfies IdempotencyRecord);
  if ((await redis.set(redisKey, record, 'EX', ttlS, 'NX')) === 'OK') return { jobId: newJobId, isRepeat: false };
  const text = await redis.get(redisKey);
  // Expired since the SET: claim it afresh.
  if (text === null) return claimIdempotencyKey(redis, tenant, key, requestHash, newJobId, ttlS);
  const existing = parseStored(IdempotencyRecord, text);
  if (!existing) {
    // Not a record this API wrote: the key stands for nothing, so it stands for this job now.
    await redis.set(redisKey, record, 'EX', ttlS);
    return { jobId: newJobId, isRepeat: false };
  }
  if (existing.bodyHash !== requestHash) {
    throw new ApiError('idempotency_key_reused', undefined, [{ path: 'Idempotency-Key', message: 'already used, within its lifetime, with a different body' }]);
  }
  // The record names this very job: this SET was sent again (its reply lost with the connection,
  // the client resending it), not an earlier request's.
  return { jobId: existing.jobId, isRepeat: existing.jobId !== newJobId };
}
