// Re-reads on request, one at a time, never missing the last request: one that comes while a
// read is under way may be for a change that read did not see, so another read follows it.
// Requests during a read fold into that one follow-up.
export class CoalescedReads {
  private running: Promise<void> | undefined;
  private isStale = false;

  constructor(private readonly read: () => Promise<void>) {}

  /** Resolves once a read that started after this request has finished. */
  request(): Promise<void> {
    if (this.running) {
      this.isStale = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.isStale = false;
      await this.read();
    } while (this.isStale);
  }
}
