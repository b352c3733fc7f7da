// Batches: many jobs submitted at once, all or nothing, and read back as one (the fan-out of the
// seeds: N scenarios, then wait for all).
import { z } from 'zod';
import { FINISHED_JOB_RETENTION_S, keys, newJobId, type GpuqConfig, type JobView } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';
import type { Principal } from './auth/key-ring.js';
import type { CheckedJob } from './body-checks/checked-job.js';
import { ApiError } from './errors.js';
import type { JobStore } from './job-store.js';
import type { PreparedJob } from './queue-producer.js';

export const BatchView = z.object({
  id: z.string(),
  createdAt: z.number().int(),
  total: z.number().int(),
  counts: z.object({ queued: z.number().int(), running: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), cancelled: z.number().int() }),
  /** Every job has ended. */
  isDone: z.boolean(),
  jobs: z.array(z.object({ id: z.string(), status: z.string() })),
});
export type BatchView = z.infer<typeof BatchView>;

const StoredBatch = z.object({ tenant: z.string(), createdAt: z.coerce.number(), jobIds: z.string().transform((t) => JSON.parse(t) as string[]) });

export class BatchStore {
  constructor(
    private readonly jobs: JobStore,
    private readonly redis: Redis,
    private readonly config: GpuqConfig,
  ) {}

  /** Jobs whose bodies were checked (body-checks/): each is admitted, then all are stored, or none. */
  async submit(requests: CheckedJob[], principal: Principal): Promise<{ id: string; jobs: JobView[] }> {
    const max = this.config.api.maxBatchSize;
    if (requests.length > max) {
      throw new ApiError('batch_too_large', `the batch has ${requests.length} jobs; at most ${max} at once`, [{ path: 'jobs', message: `at most ${max} jobs` }]);
    }
    const now = Date.now();
    const batchId = newJobId('batch', now);
    // Every job is checked before any is added: one refusal refuses the batch.
    const prepared: PreparedJob[] = [];
    const refusals: ApiError[] = [];
    for (const [i, request] of requests.entries()) {
      try {
        prepared.push(await this.jobs.prepare(request, principal, { path: `jobs[${i}].`, batchId, now }));
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        refusals.push(err);
      }
    }
    if (refusals.length > 0) {
      const first = refusals[0]!;
      throw new ApiError(first.code, refusals.length === 1 ? first.message : `${refusals.length} jobs of the batch were refused; see details`, refusals.flatMap((r) => r.details ?? []));
    }
    await this.redis
      .multi()
      .hset(keys.batch(batchId), { tenant: principal.tenant, createdAt: String(now), jobIds: JSON.stringify(prepared.map((p) => p.id)) })
      .expire(keys.batch(batchId), FINISHED_JOB_RETENTION_S)
      .exec();
    await this.jobs.enqueue(prepared);
    return { id: batchId, jobs: prepared.map(({ id, data }) => this.jobs.freshView(id, data)) };
  }

  async view(id: string, principal: Principal): Promise<BatchView | undefined> {
    const stored = StoredBatch.safeParse(await this.redis.hgetall(keys.batch(id)));
    if (!stored.success) return undefined;
    if (!principal.isAdmin && stored.data.tenant !== principal.tenant) return undefined;
    const views = await Promise.all(stored.data.jobIds.map(async (jobId) => ({ id: jobId, status: (await this.jobs.view(jobId, principal))?.status ?? 'unknown' })));
    const counts = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const { status } of views) if (status in counts) counts[status as keyof typeof counts]++;
    return {
      id,
      createdAt: stored.data.createdAt,
      total: views.length,
      counts,
      isDone: counts.succeeded + counts.failed + counts.cancelled === views.length,
      jobs: views,
    };
  }
}
