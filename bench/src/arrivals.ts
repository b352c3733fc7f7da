// When something happened to each job (its executor started, it completed), recorded as events
// arrive and awaited by job id. An event may arrive before its waiter knows the id (the executor
// can start before the submit's response is read), so every arrival is kept until taken.
export class Arrivals {
  private readonly at = new Map<string, number>();
  private readonly waiters = new Map<string, (atMs: number) => void>();

  constructor(private readonly what: string) {}

  record(jobId: string, atMs: number): void {
    const waiter = this.waiters.get(jobId);
    if (waiter) {
      this.waiters.delete(jobId);
      waiter(atMs);
    } else this.at.set(jobId, atMs);
  }

  /** When it happened to `jobId`; rejects after `timeoutMs` without it. */
  take(jobId: string, timeoutMs: number): Promise<number> {
    const atMs = this.at.get(jobId);
    if (atMs !== undefined) {
      this.at.delete(jobId);
      return Promise.resolve(atMs);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(jobId);
        reject(new Error(`job ${jobId}: no "${this.what}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(jobId, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }
}
