// HTTP to the API: the base URL and key, retries of what failed for a passing reason
// (connection refused or reset, 429, 502, 503, 504) with jittered backoff and Retry-After, and
// error bodies turned into GpuqApiError. Every request the client makes is safe to repeat:
// reads, DELETE, and submits that always carry an Idempotency-Key.
import type { z } from 'zod';
import { backoffDelayMs, retryAfterMs, RETRY_BACKOFF, type BackoffOptions } from './backoff.js';
import { GpuqApiError, GpuqConnectionError, GpuqResponseError } from './errors.js';
import { ErrorEnvelope } from './schemas.js';
import { sleep } from './sleep.js';

export interface RetryOptions {
  /**
   * Retries after the first try.
   * @defaultValue 3
   */
  retries?: number;
  /** @defaultValue RETRY_BACKOFF (200 ms, doubling, up to 5 s, less up to half at random) */
  backoff?: BackoffOptions;
  /**
   * The longest Retry-After honoured; a longer one fails at once with the 429 or 503.
   * @defaultValue 60000
   */
  maxRetryAfterMs?: number;
}

export interface HttpOptions {
  url: string;
  apiKey?: string | undefined;
  fetch?: typeof fetch | undefined;
  retry?: RetryOptions | undefined;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined> | undefined;
  body?: unknown;
  headers?: Record<string, string | undefined> | undefined;
  signal?: AbortSignal | undefined;
}

const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);
const USER_AGENT = 'gpuq-client/0.1.0';

export class HttpTransport {
  private readonly base: URL;
  private readonly fetch: typeof fetch;
  private readonly retries: number;
  /** Also paces the reopening of a broken event stream. */
  readonly backoff: BackoffOptions;
  private readonly maxRetryAfterMs: number;

  constructor(private readonly options: HttpOptions) {
    // A trailing slash, so that a base with a path (behind a proxy at /gpuq) keeps it.
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    this.fetch = options.fetch ?? globalThis.fetch;
    this.retries = options.retry?.retries ?? 3;
    this.backoff = options.retry?.backoff ?? RETRY_BACKOFF;
    this.maxRetryAfterMs = options.retry?.maxRetryAfterMs ?? 60_000;
  }

  url(path: string, query: RequestOptions['query'] = {}): URL {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.append(name, String(value));
    return url;
  }

  /** Sends the request, retrying passing failures; resolves with a 2xx response, its body unread. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    for (const [name, value] of Object.entries(options.headers ?? {})) if (value !== undefined) headers[name] = value;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetch(url, { method, headers, body, signal: options.signal });
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (attempt >= this.retries) throw new GpuqConnectionError(this.base.origin, attempt + 1, { cause: err });
        await sleep(backoffDelayMs(attempt, this.backoff), options.signal);
        continue;
      }
      if (response.ok) return response;
      const error = await apiErrorOf(response);
      const isRetryable = TRANSIENT_STATUSES.has(response.status) && attempt < this.retries;
      if (!isRetryable || (error.retryAfterMs ?? 0) > this.maxRetryAfterMs) throw error;
      await sleep(error.retryAfterMs ?? backoffDelayMs(attempt, this.backoff), options.signal);
    }
  }

  /** Sends the request and reads its JSON answer, checked against `schema`. */
  async json<T extends z.ZodType>(schema: T, method: string, path: string, options: RequestOptions = {}): Promise<z.infer<T>> {
    const response = await this.send(method, path, options);
    const url = response.url || this.url(path).href;
    let value: unknown;
    try {
      value = JSON.parse(await response.text());
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (err instanceof SyntaxError) throw new GpuqResponseError(url, `the body is not JSON (${err.message})`);
      throw new GpuqConnectionError(this.base.origin, 1, { cause: err, reason: 'the connection broke while reading the answer' });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
      throw new GpuqResponseError(url, issues.join('; '));
    }
    return parsed.data;
  }
}

/** The API's error body as a GpuqApiError; anything else (a proxy's HTML page) by its status. */
async function apiErrorOf(response: Response): Promise<GpuqApiError> {
  const text = await response.text().catch(() => '');
  const retryAfter = retryAfterMs(response.headers.get('retry-after'));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const parsed = ErrorEnvelope.safeParse(body);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    return new GpuqApiError(response.status, code, message, details ?? [], retryAfter);
  }
  const snippet = text.trim().slice(0, 200);
  const message = `the API answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${snippet ? `: ${snippet}` : ''}`;
  return new GpuqApiError(response.status, `http_${response.status}`, message, [], retryAfter);
}
