// Waiting for a job to end: by its event stream when the API has one, else by polling with a
// growing interval (back to the shortest each time the status changes). Either way each new view
// goes to onProgress once, and a deadline ends the wait with GpuqWaitTimeoutError.
import { TERMINAL_STATUSES, type JobView } from '@gpuq/shared';
import { backoffDelayMs, POLL_BACKOFF, type BackoffOptions } from './backoff.js';
import { GpuqApiError, GpuqConnectionError, GpuqResponseError, GpuqWaitTimeoutError } from './errors.js';
import { viewSignature, type JobEvent } from './job-events.js';
import { sleep } from './sleep.js';

export interface WaitOptions {
  /** Give up (GpuqWaitTimeoutError) after this long; the job goes on. Without it, wait until it ends. */
  timeoutMs?: number | undefined;
  /** Called with each view that differs from the last (status, pending reason, progress…). */
  onProgress?: ((view: JobView) => void) | undefined;
  signal?: AbortSignal | undefined;
  /**
   * Use the event stream when the API has one.
   * @defaultValue true
   */
  useEvents?: boolean | undefined;
  /** @defaultValue POLL_BACKOFF (250 ms, ×1.5, at most 5 s) */
  pollBackoff?: BackoffOptions | undefined;
}

/** What waiting needs of a client. */
export interface JobSource {
  get(id: string, options?: { signal?: AbortSignal | undefined }): Promise<JobView>;
  events(id: string, options?: { signal?: AbortSignal | undefined }): AsyncIterable<JobEvent>;
}

export const isTerminal = (view: Pick<JobView, 'status'>): boolean => TERMINAL_STATUSES.includes(view.status);

class ViewTracker {
  last: JobView | undefined;
  private signature = '';

  constructor(private readonly onProgress: WaitOptions['onProgress']) {}

  /** Records the view; true when it is news. */
  see(view: JobView): boolean {
    const signature = viewSignature(view);
    const isNew = signature !== this.signature;
    const isNewStatus = view.status !== this.last?.status;
    this.last = view;
    this.signature = signature;
    if (isNew) this.onProgress?.(view);
    return isNewStatus;
  }
}

export async function waitForJob(source: JobSource, id: string, options: WaitOptions = {}): Promise<JobView> {
  const deadline = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const signals = [options.signal, deadline].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
  const tracker = new ViewTracker(options.onProgress);
  try {
    const viaEvents = options.useEvents === false ? undefined : await waitByEvents(source, id, tracker, signal);
    return viaEvents ?? (await waitByPolling(source, id, tracker, options.pollBackoff ?? POLL_BACKOFF, signal));
  } catch (err) {
    if (deadline?.aborted && !options.signal?.aborted) throw new GpuqWaitTimeoutError(id, options.timeoutMs!, tracker.last);
    throw err;
  }
}

/** The final view; undefined when the API has no usable event stream (then poll). */
async function waitByEvents(source: JobSource, id: string, tracker: ViewTracker, signal: AbortSignal | undefined): Promise<JobView | undefined> {
  try {
    for await (const event of source.events(id, { signal })) {
      if (event.type === 'job') tracker.see(event.job);
      else if (tracker.last && isTerminal(tracker.last)) return tracker.last;
      else break;
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (!isNoStream(err)) throw err;
  }
  return undefined;
}

/** An API without the stream (an older one, a proxy that buffers it): polling still works. */
function isNoStream(err: unknown): boolean {
  if (err instanceof GpuqApiError) return err.code === 'route_not_found' || err.status === 406 || err.status >= 500;
  return err instanceof GpuqResponseError || err instanceof GpuqConnectionError;
}

async function waitByPolling(source: JobSource, id: string, tracker: ViewTracker, backoff: BackoffOptions, signal: AbortSignal | undefined): Promise<JobView> {
  for (let attempt = 0; ; attempt++) {
    const view = await source.get(id, { signal });
    if (tracker.see(view)) attempt = 0;
    if (isTerminal(view)) return view;
    await sleep(backoffDelayMs(attempt, backoff), signal);
  }
}
