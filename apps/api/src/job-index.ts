// The tenants' job indexes, for listing. Under load many submits arrive within a few
// milliseconds: their index entries are written together, one command per tenant, rather than
// one write per job. A job is in Redis (and readable by its id) before its submit is answered;
// its entry in the listing follows within FLUSH_MS. The index is trimmed with the jobs it points
// to: entries older than a finished job's retention are checked now and then, and those whose job
// is gone are removed, so a tenant that submits for months keeps an index of what still exists.
import { bullmqKey, FINISHED_JOB_RETENTION_S, keys, kindOfJobId } from '@gpuq/shared';
import type { Logger, Redis } from '@gpuq/runtime';

const FLUSH_MS = 5;
/** How often this replica trims one tenant's index, at most. */
const TRIM_EVERY_MS = 10 * 60_000;
/** Entries checked per trim: the oldest first. */
const TRIM_BATCH = 1_000;

export class JobIndex {
  private pending = new Map<string, Array<[number, string]>>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly knownTenants = new Set<string>();
  private readonly lastTrimAt = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly log: Pick<Logger, 'warn'>,
    private readonly now: () => number = Date.now,
  ) {}

  add(tenant: string, createdAt: number, jobId: string): void {
    const entries = this.pending.get(tenant) ?? [];
    entries.push([createdAt, jobId]);
    this.pending.set(tenant, entries);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes what is pending now; resolves once it (and anything written before) is in Redis. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size > 0) {
      const write = this.redis.multi();
      for (const [tenant, entries] of batch) {
        write.zadd(keys.tenantJobs(tenant), ...entries.flat());
        // Every tenant is recorded once, for admins' listings across tenants.
        if (!this.knownTenants.has(tenant)) write.sadd(keys.tenants, tenant);
      }
      this.inFlight = this.inFlight.then(() =>
        write.exec().then(
          () => {
            for (const tenant of batch.keys()) {
              this.knownTenants.add(tenant);
              this.trimNowAndThen(tenant);
            }
          },
          (err: unknown) => this.log.warn({ err, jobs: [...batch.values()].flat().length }, 'could not index submitted jobs for listing'),
        ),
      );
    }
    return this.inFlight;
  }

  private trimNowAndThen(tenant: string): void {
    const now = this.now();
    if (now - (this.lastTrimAt.get(tenant) ?? -Infinity) < TRIM_EVERY_MS) return;
    this.lastTrimAt.set(tenant, now);
    void this.trim(tenant).catch((err: unknown) => this.log.warn({ err, tenant }, 'could not trim the job index'));
  }

  /**
   * Removes the entries of jobs gone with their retention, checking the oldest that could be gone
   * (submitted longer ago than the retention). A job queued that long is still there and stays.
   * Returns how many entries it removed.
   */
  async trim(tenant: string): Promise<number> {
    const index = keys.tenantJobs(tenant);
    const cutoff = this.now() - FINISHED_JOB_RETENTION_S * 1000;
    const old = await this.redis.zrangebyscore(index, '-inf', cutoff, 'LIMIT', 0, TRIM_BATCH);
    if (old.length === 0) return 0;
    const exists = this.redis.pipeline();
    for (const id of old) exists.exists(bullmqKey(kindOfJobId(id) ?? 'unknown', id));
    const answers = (await exists.exec()) ?? [];
    const gone = old.filter((_, i) => answers[i]?.[1] === 0);
    if (gone.length > 0) await this.redis.zrem(index, ...gone);
    return gone.length;
  }
}
