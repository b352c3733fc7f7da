// The jobs the scheduler holds but has not placed: fetched from BullMQ and locked, so it can
// place a smaller job while a larger one waits. Ordered by priority (higher first), then age.
export interface WindowJob {
  id: string;
  kind: string;
  priority: number;
  submittedAt: number;
  vramMb: number;
}

export function compareForPlacement(a: WindowJob, b: WindowJob): number {
  return b.priority - a.priority || a.submittedAt - b.submittedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class JobWindow<T extends WindowJob = WindowJob> {
  private readonly jobs = new Map<string, T>();

  add(job: T): void {
    this.jobs.set(job.id, job);
  }

  remove(id: string): T | undefined {
    const job = this.jobs.get(id);
    this.jobs.delete(id);
    return job;
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  get size(): number {
    return this.jobs.size;
  }

  countOf(kind: string): number {
    let n = 0;
    for (const job of this.jobs.values()) if (job.kind === kind) n++;
    return n;
  }

  /** Placement order. The window is small (tens to hundreds), so sorting per pass is cheap. */
  ordered(): T[] {
    return [...this.jobs.values()].sort(compareForPlacement);
  }
}
