// The producer side of the job queues (one per kind): how an accepted job goes in. Each kind's jobs
// in one atomic add; beside them what each needs (keys.queueNeeds), so the schedulers choose by
// fit without reading inputs; then a message on the kind's channel, so every box looks now (a box
// that reads a job before its need works it out itself; one that misses the message finds the job
// at its next poll). The API's submits and the benchmarks enqueue through this.
import type { Queue } from 'bullmq';
import { bullJobOptions, keys, queueChangedChannel, type GpuqConfig, type JobData, type Kind, type QueuedNeed } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';

/** A request checked and ready to add: its id, the data stored with it, and what it needs. */
export interface PreparedJob {
  id: string;
  data: JobData;
  need: QueuedNeed;
}

export async function enqueueJobs(queues: ReadonlyMap<Kind, Queue>, redis: Redis, config: GpuqConfig, jobs: readonly PreparedJob[]): Promise<void> {
  const byKind = new Map<Kind, PreparedJob[]>();
  for (const job of jobs) byKind.set(job.data.kind, [...(byKind.get(job.data.kind) ?? []), job]);
  const adds = [...byKind].map(([kind, group]) => {
    const queue = queues.get(kind)!;
    const backoffMs = config.kinds[kind].backoffMs;
    // One job: one script call. Several: addBulk, one transaction.
    if (group.length === 1) return queue.add(kind, group[0]!.data, bullJobOptions(group[0]!.id, group[0]!.data, backoffMs));
    return queue.addBulk(group.map(({ id, data }) => ({ name: kind, data, opts: bullJobOptions(id, data, backoffMs) })));
  });
  const needs = [...byKind].map(([kind, group]) => redis.hset(keys.queueNeeds(kind), Object.fromEntries(group.map(({ id, need }) => [id, JSON.stringify(need)]))));
  await Promise.all([...adds, ...needs]);
  await Promise.all([...byKind.keys()].map((kind) => redis.publish(queueChangedChannel(kind), 'added')));
}
