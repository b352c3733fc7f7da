import { describe, expect, it } from 'vitest';
import { GpuqConfig, JobData, JobRequest, jobDataV2, jobSettingsOf } from '../src/index.js';

const config = GpuqConfig.parse({});
const LP = {
  csr_constraint_matrix: { offsets: [0, 1], indices: [0], values: [1] },
  constraint_bounds: { upper_bounds: [1], lower_bounds: [0] },
  objective_data: { coefficients: [1] },
  variable_bounds: { upper_bounds: [1], lower_bounds: [0] },
};

describe('jobSettingsOf', () => {
  it('fills what the request leaves out from its kind’s defaults', () => {
    const request = JobRequest.parse({ kind: 'solve', input: LP });
    const need = { priority: 50, submittedAt: 1_700_000_000_000, problem: 'lp' as const };
    const data = jobDataV2(jobSettingsOf(request, 'acme', config.kinds.solve, 1_700_000_000_000), 321, need);
    expect(data).toEqual({
      v: 2,
      kind: 'solve',
      tenant: 'acme',
      inputBytes: 321,
      need,
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
    expect(jobSettingsOf(request, 'acme', config.kinds.solve, 5, 'batch_1')).toMatchObject({
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

describe('JobData', () => {
  it('reads version 1 data, the input inline, as stored before 0.4', () => {
    const v1 = { v: 1, kind: 'solve', tenant: 'acme', input: LP, priority: 50, timeoutSeconds: 60, maxAttempts: 3, labels: {}, submittedAt: 5 };
    expect(JobData.parse(v1)).toEqual(v1);
  });

  it('refuses version 2 data without what it needs to run: the need it was admitted with', () => {
    const v2 = { v: 2, kind: 'solve', tenant: 'acme', inputBytes: 10, priority: 50, timeoutSeconds: 60, maxAttempts: 3, labels: {}, submittedAt: 5 };
    expect(JobData.safeParse(v2).success).toBe(false);
  });
});
