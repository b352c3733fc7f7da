// A job's changes as typed events, from GET /v1/jobs/:id/events. A stream that breaks before the
// job ends is opened again (with Last-Event-ID when the server gave ids), and a view seen just
// before the break is not repeated after it.
import { JobView, type JobStatus } from '@gpuq/shared';
import { backoffDelayMs } from './backoff.js';
import { GpuqConnectionError, GpuqResponseError } from './errors.js';
import type { HttpTransport } from './http.js';
import { JobEndData } from './schemas.js';
import { sleep } from './sleep.js';
import { readServerSentEvents, SseParser, type ServerSentEvent } from './sse.js';

export type JobEvent = { type: 'job'; job: JobView } | { type: 'end'; id: string; status: JobStatus };

export interface JobEventsOptions {
  signal?: AbortSignal | undefined;
  /**
   * Times in a row the stream may break without bringing an event before giving up.
   * @defaultValue 5
   */
  maxReconnects?: number;
}

/** The view less what changes every moment (a running job's cost): equal signatures, same news. */
export const viewSignature = (view: JobView): string => JSON.stringify({ ...view, cost: null });

export async function* streamJobEvents(http: HttpTransport, id: string, options: JobEventsOptions = {}): AsyncGenerator<JobEvent> {
  const path = `/v1/jobs/${encodeURIComponent(id)}/events`;
  const url = http.url(path).href;
  const maxReconnects = options.maxReconnects ?? 5;
  let lastEventId = '';
  let lastSignature = '';
  for (let failures = 0; ; ) {
    // One controller per connection: leaving the loop early closes the socket too.
    const connection = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, connection.signal]) : connection.signal;
    const parser = new SseParser();
    let isOpen = false;
    try {
      const response = await http.send('GET', path, { signal, headers: { accept: 'text/event-stream', 'last-event-id': lastEventId || undefined } });
      if (!response.headers.get('content-type')?.includes('text/event-stream') || !response.body) {
        throw new GpuqResponseError(url, `expected an event stream, got ${response.headers.get('content-type') ?? 'no content type'}`);
      }
      isOpen = true;
      for await (const raw of readServerSentEvents(response.body, parser)) {
        failures = 0;
        const event = jobEventOf(raw, url);
        if (event?.type === 'job') {
          const signature = viewSignature(event.job);
          if (signature === lastSignature) continue;
          lastSignature = signature;
        }
        if (event) yield event;
        if (event?.type === 'end') return;
      }
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      // Opening was already retried; only a stream that broke once open is opened again.
      if (!isOpen || !isBrokenStream(err)) throw err;
    } finally {
      connection.abort();
    }
    lastEventId = parser.lastEventId;
    if (++failures > maxReconnects) throw new GpuqConnectionError(url, failures, { reason: 'the event stream kept breaking before the job ended' });
    await sleep(parser.retryMs ?? backoffDelayMs(failures - 1, http.backoff), options.signal);
  }
}

/** A socket that closed mid-stream (undici says `TypeError: terminated`): worth opening again. */
function isBrokenStream(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof Error && /terminated|socket|ECONNRESET/i.test(err.message));
}

function jobEventOf(raw: ServerSentEvent, url: string): JobEvent | undefined {
  // Unknown event types are skipped: a newer server may send more.
  if (raw.event !== 'job' && raw.event !== 'end') return undefined;
  let data: unknown;
  try {
    data = JSON.parse(raw.data);
  } catch {
    throw new GpuqResponseError(url, `the data of a ${raw.event} event is not JSON`);
  }
  if (raw.event === 'job') {
    const job = JobView.safeParse(data);
    if (!job.success) throw new GpuqResponseError(url, `a job event does not hold a job view (${job.error.issues[0]?.path.join('.')}: ${job.error.issues[0]?.message})`);
    return { type: 'job', job: job.data };
  }
  const end = JobEndData.safeParse(data);
  if (!end.success) throw new GpuqResponseError(url, 'an end event does not say the job id and status');
  return { type: 'end', ...end.data };
}
