// GpuqClient: the gpuq API as typed methods. Answers are checked against the shared schemas;
// failures are GpuqApiError (the API said no), GpuqConnectionError (it could not be reached) or
// GpuqResponseError (it answered something unexpected).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { JobView, type JobStatus, type Kind } from '@gpuq/shared';
import { GpuqApiError } from './errors.js';
import { HttpTransport, type RetryOptions } from './http.js';
import { streamJobEvents, type JobEvent, type JobEventsOptions } from './job-events.js';
import { BoxDrainState, GpusView, JobPage, type JobRequestInput } from './schemas.js';
import { waitForJob, type WaitOptions } from './wait.js';

export interface GpuqClientOptions {
  /** The API's base URL, `http://127.0.0.1:8080`. */
  url: string;
  /** Sent as `Authorization: Bearer <key>`; none for an open API. */
  apiKey?: string | undefined;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch | undefined;
  /** How passing failures are retried. */
  retry?: RetryOptions | undefined;
}

export interface SubmitOptions {
  /** The same key and body again answer with the job the first submit created. @defaultValue a new UUID */
  idempotencyKey?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface ListFilter {
  status?: JobStatus | undefined;
  kind?: Kind | undefined;
  /** `key:value` pairs the jobs must all have. */
  labels?: string[] | undefined;
  /** Jobs per page, 1 to 100. @defaultValue 20 */
  limit?: number | undefined;
  /** A page's `nextCursor`, for the page after it. */
  cursor?: string | undefined;
}

export interface Artifact {
  name: string;
  contentType: string;
  sizeBytes: number | undefined;
  body: ReadableStream<Uint8Array>;
}

type Signal = { signal?: AbortSignal | undefined };

const jobPath = (id: string) => `/v1/jobs/${encodeURIComponent(id)}`;

export class GpuqClient {
  private readonly http: HttpTransport;

  constructor(options: GpuqClientOptions) {
    this.http = new HttpTransport(options);
  }

  /** Submits a job; resolves once the API has stored it. Retries are safe: it always sends an Idempotency-Key. */
  async submit(request: JobRequestInput, options: SubmitOptions = {}): Promise<JobView> {
    const headers = { 'idempotency-key': options.idempotencyKey ?? randomUUID() };
    return this.http.json(JobView, 'POST', '/v1/jobs', { body: request, headers, signal: options.signal });
  }

  async get(id: string, options: Signal = {}): Promise<JobView> {
    return this.http.json(JobView, 'GET', jobPath(id), options);
  }

  /** Cancels a job. Cancelling one that is already cancelled answers its view; one that ended otherwise is a 409. */
  async cancel(id: string, options: Signal = {}): Promise<JobView> {
    try {
      return await this.http.json(JobView, 'DELETE', jobPath(id), options);
    } catch (err) {
      if (!(err instanceof GpuqApiError && err.code === 'job_finished')) throw err;
      const view = await this.get(id, options);
      if (view.status === 'cancelled') return view;
      throw err;
    }
  }

  /** A succeeded job's result alone (409 job_not_succeeded otherwise). */
  async result(id: string, options: Signal = {}): Promise<unknown> {
    return this.http.json(z.unknown(), 'GET', `${jobPath(id)}/result`, options);
  }

  /** One page of the caller's jobs, newest first. */
  async list(filter: ListFilter = {}, options: Signal = {}): Promise<JobPage> {
    const query = new URLSearchParams();
    for (const [name, value] of [['status', filter.status], ['kind', filter.kind], ['limit', filter.limit], ['cursor', filter.cursor]] as const) {
      if (value !== undefined) query.set(name, String(value));
    }
    for (const label of filter.labels ?? []) query.append('label', label);
    const search = query.size > 0 ? `?${query.toString()}` : '';
    return this.http.json(JobPage, 'GET', `/v1/jobs${search}`, options);
  }

  /** Every job that matches, page after page. */
  async *listAll(filter: Omit<ListFilter, 'cursor'> = {}, options: Signal = {}): AsyncGenerator<JobView> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...filter, cursor }, options);
      yield* page.jobs;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** The job's changes as they happen: `job` with each new view, then `end`. Reconnects if the stream breaks. */
  events(id: string, options: JobEventsOptions = {}): AsyncGenerator<JobEvent> {
    return streamJobEvents(this.http, id, options);
  }

  /** Resolves with the job's final view once it has ended, whatever its status. */
  async wait(id: string, options: WaitOptions = {}): Promise<JobView> {
    return waitForJob(this, id, options);
  }

  /** Every box's GPUs and solve servers, as their schedulers publish them. */
  async gpus(options: Signal = {}): Promise<GpusView> {
    return this.http.json(GpusView, 'GET', '/v1/gpus', options);
  }

  /** Drains a box (an admin key): it finishes what it runs and takes nothing new until undrained. */
  async drainBox(boxId: string, reason?: string, options: Signal = {}): Promise<BoxDrainState> {
    return this.http.json(BoxDrainState, 'POST', `/v1/boxes/${encodeURIComponent(boxId)}/drain`, { ...options, body: reason === undefined ? {} : { reason } });
  }

  /** Undrains a box (an admin key): it takes jobs again. */
  async undrainBox(boxId: string, options: Signal = {}): Promise<BoxDrainState> {
    return this.http.json(BoxDrainState, 'DELETE', `/v1/boxes/${encodeURIComponent(boxId)}/drain`, options);
  }

  /**
   * The worker's own output for a job (solver log, container output, process stderr) from byte
   * `offset`; `nextOffset` is where the next read starts.
   */
  async logs(id: string, options: Signal & { offset?: number } = {}): Promise<{ text: string; nextOffset: number }> {
    const offset = options.offset ?? 0;
    const response = await this.http.send('GET', `${jobPath(id)}/logs?offset=${offset}`, { ...options, headers: { accept: 'text/plain' } });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const next = Number(response.headers.get('gpuq-log-offset'));
    return { text: new TextDecoder().decode(bytes), nextOffset: Number.isFinite(next) && response.headers.has('gpuq-log-offset') ? next : offset + bytes.length };
  }

  /** One of a job's files, as a stream; read it whole with `new Response(artifact.body).arrayBuffer()`. */
  async artifact(id: string, name: string, options: Signal = {}): Promise<Artifact> {
    const response = await this.http.send('GET', `${jobPath(id)}/artifacts/${encodeURIComponent(name)}`, { ...options, headers: { accept: '*/*' } });
    const length = response.headers.get('content-length');
    return {
      name,
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      sizeBytes: length === null ? undefined : Number(length),
      body: response.body ?? new ReadableStream({ start: (controller) => controller.close() }),
    };
  }

  /** One of a job's files, whole. */
  async artifactBytes(id: string, name: string, options: Signal = {}): Promise<Uint8Array> {
    const artifact = await this.artifact(id, name, options);
    return new Uint8Array(await new Response(artifact.body).arrayBuffer());
  }
}
