// The producer side of the job queues (one per kind): how an accepted job goes in. First each
// job's input (version 2 data keeps it apart, keys.jobInput) and what each needs
// (keys.queueNeeds, so the schedulers choose by fit without reading inputs), in one round trip:
// both are in Redis before any box can see the job. Then each kind's jobs in one atomic add; then
// a message on the kind's channel, so every box looks now (one that misses it finds the job at its
// next poll). The API's submits and the benchmarks enqueue through this.
import type { Queue } from 'bullmq';
import { bullJobOptions, keys, queueChangedChannel, type GpuqConfig, type JobData, type Kind, type QueuedNeed } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';
import type { StagedInput } from './body-checks/checked-job.js';

/** A request checked and ready to add: its id, the data stored with it, its input when kept apart, and what it needs. */
export interface PreparedJob {
  id: string;
  data: JobData;
  /** The input's JSON, for version 2 data; or the key a body-check thread staged it under. */
  input?: string | Uint8Array | StagedInput;
  need: QueuedNeed;
}

export async function enqueueJobs(queues: ReadonlyMap<Kind, Queue>, redis: Redis, config: GpuqConfig, jobs: readonly PreparedJob[]): Promise<void> {
  const byKind = new Map<Kind, PreparedJob[]>();
  for (const job of jobs) byKind.set(job.data.kind, [...(byKind.get(job.data.kind) ?? []), job]);
  const beforehand = redis.multi();
  for (const { id, input } of jobs) {
    if (input === undefined) continue;
    // A staged input is moved, not copied: O(1) in Redis, nothing through this thread.
    if (typeof input === 'object' && 'stagedKey' in input) beforehand.rename(input.stagedKey, keys.jobInput(id)).persist(keys.jobInput(id));
    else beforehand.set(keys.jobInput(id), typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  }
  for (const [kind, group] of byKind) beforehand.hset(keys.queueNeeds(kind), Object.fromEntries(group.map(({ id, need }) => [id, JSON.stringify(need)])));
  const written = await beforehand.exec();
  const refused = written?.find(([err]) => err !== null)?.[0];
  // A staged input that expired before its job was added (admission took minutes: Redis was away).
  if (refused) throw new Error(`could not store a job's input: ${refused.message}`);
  const adds = await Promise.allSettled(
    [...byKind].map(([kind, group]) => {
      const queue = queues.get(kind)!;
      const backoffMs = config.kinds[kind].backoffMs;
      // One job: one script call. Several: addBulk, one transaction.
      if (group.length === 1) return queue.add(kind, group[0]!.data, bullJobOptions(group[0]!.id, group[0]!.data, backoffMs));
      return queue.addBulk(group.map(({ id, data }) => ({ name: kind, data, opts: bullJobOptions(id, data, backoffMs) })));
    }),
  );
  const kinds = [...byKind.keys()];
  const failed = adds.flatMap((add, i) => (add.status === 'rejected' ? [{ kind: kinds[i]!, reason: add.reason as unknown }] : []));
  const added = kinds.filter((kind) => !failed.some((f) => f.kind === kind));
  await Promise.all(added.map((kind) => redis.publish(queueChangedChannel(kind), 'added')));
  if (failed.length > 0) {
    // Those jobs were not added: their inputs would stay for nothing (a retried submit writes them again).
    const inputs = failed.flatMap(({ kind }) => byKind.get(kind)!.filter((j) => j.input !== undefined).map((j) => keys.jobInput(j.id)));
    if (inputs.length > 0) await redis.del(...inputs).catch(() => undefined);
    throw new KindsNotAdded(new Set(failed.map((f) => f.kind)), failed[0]!.reason);
  }
}

/** Some kinds' jobs were not added (the others were): which, and the first reason. */
export class KindsNotAdded extends Error {
  constructor(
    readonly kinds: ReadonlySet<Kind>,
    readonly reason: unknown,
  ) {
    super(`could not add the ${[...kinds].join(', ')} jobs: ${(reason as Error)?.message ?? String(reason)}`, { cause: reason });
    this.name = 'KindsNotAdded';
  }
}
