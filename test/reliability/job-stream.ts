// A client that submits a steady stream of jobs while a test breaks things, the way a careful
// client does: every job has its own Idempotency-Key, and a submit that got a 5xx or no answer at
// all is sent again with the same key (to the next API replica, when there are several) until it
// is accepted. What each submit was answered is kept, for the test's verdict.
import { setTimeout as sleep } from 'node:timers/promises';

export interface Submission {
  index: number;
  key: string;
  /** The job id named by every 2xx answer for this key: exactly one when all is well. */
  jobIds: Set<string>;
  /** Each try's answer: an HTTP status, or why no answer came (a connection error). */
  outcomes: Array<number | string>;
  /** A 4xx answer's body: the API refused the job, which these tests never expect. */
  refusal?: string;
}

export interface JobStreamOptions {
  /** API base URLs: submission i tries apiUrls[i % n] first, and each retry the next one. */
  apiUrls: string[];
  /** The request body of the i-th job. */
  job: (index: number) => unknown;
  /** Time between two new submissions. @defaultValue 150 */
  intervalMs?: number;
  /** One try's limit: a hung connection counts as no answer. @defaultValue 10000 */
  requestTimeoutMs?: number;
  /** Time between two tries of one submission. @defaultValue 200 */
  retryDelayMs?: number;
  /** A submission not accepted after this long is given up (a test then fails). @defaultValue 90000 */
  giveUpAfterMs?: number;
}

export class JobStream {
  readonly submissions: Submission[] = [];
  private isStopped = false;
  private readonly pending = new Set<Promise<void>>();
  private readonly loop: Promise<void>;
  private readonly runId = `${process.pid}-${Date.now()}`;

  constructor(private readonly options: JobStreamOptions) {
    this.loop = this.run();
  }

  /** Submissions some API accepted (202, or 200 for a repeat of the same key). */
  accepted(): Submission[] {
    return this.submissions.filter((s) => s.jobIds.size > 0);
  }

  /** Submissions that needed more than one try. */
  retried(): Submission[] {
    return this.submissions.filter((s) => s.outcomes.length > 1);
  }

  /** Stops submitting new jobs and waits for the submissions under way to be accepted or given up. */
  async stop(): Promise<void> {
    this.isStopped = true;
    await this.loop;
    await Promise.all(this.pending);
  }

  private async run(): Promise<void> {
    for (let index = 0; !this.isStopped; index++) {
      const submission = this.submit(index);
      this.pending.add(submission);
      void submission.finally(() => this.pending.delete(submission));
      await sleep(this.options.intervalMs ?? 150);
    }
  }

  private async submit(index: number): Promise<void> {
    const { apiUrls, requestTimeoutMs = 10_000, retryDelayMs = 200, giveUpAfterMs = 90_000 } = this.options;
    const submission: Submission = { index, key: `reliability-${this.runId}-${index}`, jobIds: new Set(), outcomes: [] };
    this.submissions.push(submission);
    const body = JSON.stringify(this.options.job(index));
    const deadline = Date.now() + giveUpAfterMs;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const base = apiUrls[(index + attempt) % apiUrls.length]!;
      try {
        const response = await fetch(`${base}/v1/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': submission.key },
          body,
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        const text = await response.text();
        submission.outcomes.push(response.status);
        if (response.status === 202 || response.status === 200) {
          submission.jobIds.add((JSON.parse(text) as { id: string }).id);
          return;
        }
        if (response.status < 500) {
          submission.refusal = text;
          return;
        }
      } catch (err) {
        const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
        submission.outcomes.push(cause?.code ?? cause?.message ?? (err as Error).message);
      }
      await sleep(retryDelayMs);
    }
  }
}
