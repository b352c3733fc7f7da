// The tenants' job indexes, for listing. Under load many submits arrive within a few
// milliseconds: their index entries are written together, one command per tenant, rather than
// one write per job. A job is in Redis (and readable by its id) before its submit is answered;
// its entry in the listing follows within FLUSH_MS.
import { keys } from '@gpuq/shared';
import type { Logger, Redis } from '@gpuq/runtime';

const FLUSH_MS = 5;

export class JobIndex {
  private pending = new Map<string, Array<[number, string]>>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly knownTenants = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly log: Pick<Logger, 'warn'>,
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
          () => batch.forEach((_, tenant) => this.knownTenants.add(tenant)),
          (err: unknown) => this.log.warn({ err, jobs: [...batch.values()].flat().length }, 'could not index submitted jobs for listing'),
        ),
      );
    }
    return this.inFlight;
  }
}
