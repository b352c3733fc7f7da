// @gpuq/client: a typed client for the gpuq API (the `gpuq` command line is built on it).
export * from './client.js';
export * from './errors.js';
export * from './backoff.js';
export * from './sse.js';
export * from './schemas.js';
export type { JobEvent, JobEventsOptions } from './job-events.js';
export type { RetryOptions } from './http.js';
export { isTerminal, type WaitOptions } from './wait.js';
