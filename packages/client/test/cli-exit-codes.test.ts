import { describe, expect, it } from 'vitest';
import { GpuqApiError, GpuqConnectionError, GpuqResponseError, GpuqWaitTimeoutError } from '../src/errors.js';
import { EXIT_CODE_MEANINGS, ExitCode, exitCodeForError, exitCodeForStatus } from '../src/cli/exit-codes.js';
import { UsageError } from '../src/cli/usage-error.js';

const api = (status: number, code: string) => new GpuqApiError(status, code, 'message');

describe('exit codes', () => {
  it('maps how a job ended', () => {
    expect(exitCodeForStatus('succeeded')).toBe(0);
    expect(exitCodeForStatus('failed')).toBe(1);
    expect(exitCodeForStatus('cancelled')).toBe(3);
  });

  it('maps each kind of error to the code the help promises', () => {
    const cases: Array<[unknown, number]> = [
      [new UsageError('missing <id>'), 2],
      [api(400, 'validation_failed'), 2],
      [api(409, 'idempotency_key_reused'), 2],
      [api(413, 'payload_too_large'), 2],
      [api(422, 'never_fits'), 2],
      [new GpuqWaitTimeoutError('solve_x', 1_000, undefined), 4],
      [new GpuqConnectionError('http://127.0.0.1:8080', 4), 5],
      [new GpuqResponseError('http://x/v1/jobs', 'status: invalid'), 5],
      [api(429, 'rate_limited'), 5],
      [api(500, 'internal_error'), 5],
      [api(503, 'redis_unavailable'), 5],
      [api(404, 'job_not_found'), 6],
      [api(401, 'unauthorized'), 7],
      [api(403, 'forbidden'), 7],
      [new DOMException('interrupted', 'AbortError'), 130],
      [new TypeError('x is undefined'), 70],
    ];
    for (const [err, code] of cases) expect(exitCodeForError(err), String(err)).toBe(code);
  });

  it('documents every code once', () => {
    const documented = EXIT_CODE_MEANINGS.map(([code]) => code);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });
});
