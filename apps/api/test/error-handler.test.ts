// The one error handler: what a client sees for each kind of failure, and what it never sees.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@gpuq/runtime';
import { ApiError } from '../src/errors.js';
import { createApiMetrics } from '../src/plugins/metrics.js';
import { errorHandlerPlugin } from '../src/plugins/error-handler.js';

async function appThrowing(error: unknown) {
  const app = Fastify({ loggerInstance: createLogger('error-test', 'silent') });
  app.decorate('apiMetrics', createApiMetrics());
  await app.register(errorHandlerPlugin);
  app.get('/boom', async () => {
    throw error;
  });
  return app;
}

describe('the error handler', () => {
  it('answers an unexpected error with 500 internal_error, without its message or stack', async () => {
    const app = await appThrowing(new Error('password=hunter2 at /srv/secret/path.ts:12'));
    const response = await app.inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'internal_error', message: 'Something went wrong on our side; it has been logged.' } });
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('/srv');
  });

  it('answers an ApiError with its status, code, message and details', async () => {
    const app = await appThrowing(new ApiError('job_finished', 'job x already succeeded', [{ path: 'id', message: 'finished' }]));
    const response = await app.inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ error: { code: 'job_finished', message: 'job x already succeeded', details: [{ path: 'id', message: 'finished' }] } });
  });

  it('answers a lost Redis with 503, and counts errors by code', async () => {
    const error = new Error('Reached the max retries per request limit (which is 2).');
    error.name = 'MaxRetriesPerRequestError';
    const app = await appThrowing(error);
    expect((await app.inject({ method: 'GET', url: '/boom' })).json()).toEqual({ error: { code: 'redis_unavailable', message: 'The job store is unreachable; try again shortly.' } });
    expect(await app.apiMetrics.registry.getSingleMetricAsString('gpuq_api_errors_total')).toContain('gpuq_api_errors_total{code="redis_unavailable"} 1');
  });

  it('says Retry-After on every 429, a default one where the error names no window', async () => {
    const app = await appThrowing(new ApiError('too_many_large_requests'));
    const response = await app.inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json<{ error: { code: string } }>().error.code).toBe('too_many_large_requests');
  });
});
