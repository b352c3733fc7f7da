import { describe, expect, it } from 'vitest';
import { GpuqConfig, JobData, JobRequest, jobDataOf } from '../src/index.js';

const config = GpuqConfig.parse({});
const LP = {
  csr_constraint_matrix: { offsets: [0, 1], indices: [0], values: [1] },
  constraint_bounds: { upper_bounds: [1], lower_bounds: [0] },
  objective_data: { coefficients: [1] },
  variable_bounds: { upper_bounds: [1], lower_bounds: [0] },
};

describe('jobDataOf', () => {
  it('fills what the request leaves out from its kind’s defaults', () => {
    const request = JobRequest.parse({ kind: 'solve', input: LP });
    const data = jobDataOf(request, 'acme', config.kinds.solve, 1_700_000_000_000);
    expect(data).toEqual({
      v: 1,
      kind: 'solve',
      tenant: 'acme',
      input: request.input,
      priority: 50,
      timeoutSeconds: config.kinds.solve.defaultTimeoutSeconds,
      maxAttempts: config.kinds.solve.maxAttempts,
      labels: {},
      submittedAt: 1_700_000_000_000,
    });
    expect(JobData.parse(data)).toEqual(data);
  });

  it('keeps what the request says, its webhook and its batch', () => {
    const request = JobRequest.parse({
      kind: 'solve',
      input: LP,
      resources: { vramMb: 3_000 },
      priority: 90,
      timeoutSeconds: 30,
      maxAttempts: 1,
      labels: { team: 'ops' },
      webhook: { url: 'https://hooks.acme.test/gpuq' },
    });
    expect(jobDataOf(request, 'acme', config.kinds.solve, 5, 'batch_1')).toMatchObject({
      requestedVramMb: 3_000,
      priority: 90,
      timeoutSeconds: 30,
      maxAttempts: 1,
      labels: { team: 'ops' },
      webhookUrl: 'https://hooks.acme.test/gpuq',
      batchId: 'batch_1',
    });
  });
});
