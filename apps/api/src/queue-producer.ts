// The producer side of the job queues (one per kind): how an accepted job goes in. Each job's input
// (version 2 data keeps it apart, keys.jobInput) and what each needs (keys.queueNeeds, so the
// schedulers choose by fit without reading inputs) are in Redis before any box can see the job;
// then each kind's jobs in one atomic add; then a message on the kind's channel, so every box looks
// now (one that misses it finds the job at its next poll). The inputs and needs go on the kind's
// queue connection just before its add, in the same round trip: one connection runs its commands
// in order. Except for an input a body-check thread staged: it is moved in a round trip of its own
// first, because the move fails when the staged copy expired, and then the job must not be added.
// The API's submits and the benchmarks enqueue through this.
import type { Queue } from 'bullmq';
import { bullJobOptions, keys, queueChangedChannel, type GpuqConfig, type JobData, type Kind, type QueuedNeed } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';
import { isStagedInput, type StagedInput } from './body-checks/checked-job.js';

/** A request checked and ready to add: its id, the data stored with it, its input when kept apart, and what it needs. */
export interface PreparedJob {
  id: string;
  data: JobData;
  /** The input's JSON, for version 2 data; or the key a body-check thread staged it under. */
  input?: string | Uint8Array | StagedInput;
  need: QueuedNeed;
}

type Transaction = ReturnType<Redis['multi']>;
type Written = Awaited<ReturnType<Transaction['exec']>>;

/** Queues on `multi` what must be in Redis before `jobs` are added: their inputs, then their needs. */
function writeBeforehand(multi: Transaction, jobs: readonly PreparedJob[]): Transaction {
  const needs = new Map<Kind, Record<string, string>>();
  for (const { id, input, data, need } of jobs) {
    if (input !== undefined) {
      // A staged input is moved, not copied: O(1) in Redis, nothing through this thread.
      if (isStagedInput(input)) multi.rename(input.stagedKey, keys.jobInput(id)).persist(keys.jobInput(id));
      else multi.set(keys.jobInput(id), typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    }
    needs.set(data.kind, { ...needs.get(data.kind), [id]: JSON.stringify(need) });
  }
  for (const [kind, byId] of needs) multi.hset(keys.queueNeeds(kind), byId);
  return multi;
}

/** The first command a transaction's reply refused, as an error; undefined when none was. */
function refusalOf(written: Written): Error | undefined {
  const refused = written?.find(([err]) => err !== null)?.[0];
  // A staged input that expired before its job was added (admission took minutes: Redis was away).
  return refused ? new Error(`could not store a job's input: ${refused.message}`) : undefined;
}

function add(queue: Queue, kind: Kind, group: readonly PreparedJob[], config: GpuqConfig): Promise<unknown> {
  const backoffMs = config.kinds[kind].backoffMs;
  // One job: one script call. Several: addBulk, one transaction.
  if (group.length === 1) return queue.add(kind, group[0]!.data, bullJobOptions(group[0]!.id, group[0]!.data, backoffMs));
  return queue.addBulk(group.map(({ id, data }) => ({ name: kind, data, opts: bullJobOptions(id, data, backoffMs) })));
}

/**
 * The group's inputs and needs, then its add, on the queue's own connection: one round trip, in
 * that order. A write refused (Redis out of memory, say) takes the added jobs out again.
 */
async function addWithInputs(queue: Queue, kind: Kind, group: readonly PreparedJob[], config: GpuqConfig): Promise<void> {
  // BullMQ's client is ioredis behind an adapter whose multi() takes ioredis's own calls.
  const client = await queue.getBackend().client;
  const written = writeBeforehand(client.multi() as unknown as Transaction, group).exec();
  const added = add(queue, kind, group, config);
  const [writes, adds] = await Promise.allSettled([written, added]);
  if (adds.status === 'rejected') throw adds.reason;
  const refusal = writes.status === 'rejected' ? (writes.reason as Error) : refusalOf(writes.value);
  if (refusal) {
    await Promise.allSettled(group.map(({ id }) => queue.remove(id)));
    throw refusal;
  }
}

export async function enqueueJobs(queues: ReadonlyMap<Kind, Queue>, redis: Redis, config: GpuqConfig, jobs: readonly PreparedJob[]): Promise<void> {
  const byKind = new Map<Kind, PreparedJob[]>();
  for (const job of jobs) byKind.set(job.data.kind, [...(byKind.get(job.data.kind) ?? []), job]);
  const hasStaged = jobs.some(({ input }) => isStagedInput(input));
  if (hasStaged) {
    const refusal = refusalOf(await writeBeforehand(redis.multi(), jobs).exec());
    if (refusal) {
      // None of them is added: what was written for the others goes too.
      await redis.del(...jobs.filter((j) => j.input !== undefined).map((j) => keys.jobInput(j.id))).catch(() => undefined);
      throw refusal;
    }
  }
  const adds = await Promise.allSettled([...byKind].map(([kind, group]) => (hasStaged ? add(queues.get(kind)!, kind, group, config) : addWithInputs(queues.get(kind)!, kind, group, config))));
  const kinds = [...byKind.keys()];
  const failed = adds.flatMap((result, i) => (result.status === 'rejected' ? [{ kind: kinds[i]!, reason: result.reason as unknown }] : []));
  const added = kinds.filter((kind) => !failed.some((f) => f.kind === kind));
  // The message is a hint (a box that misses it finds the job at its next poll): sent, not awaited.
  // The jobs are in Redis already, so the submit answers now, one round trip sooner, and a message
  // that fails cannot fail a submit whose job was added (its retry would add the job twice).
  for (const kind of added) void redis.publish(queueChangedChannel(kind), 'added').catch(() => undefined);
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
