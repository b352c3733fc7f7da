// The benchmarks enqueue jobs without the API: they must be jobs the API would have accepted and
// stored, or the scheduler measures work it would never be given.
import { describe, expect, it } from 'vitest';
import { GpuqConfig, JobData, JobRequest, KINDS } from '@gpuq/shared';
import { INPUTS, queuedJob } from '../bench/src/job-data.js';

describe('the benchmarks’ jobs', () => {
  const config = GpuqConfig.parse({});

  it.each(KINDS)('%s: an input the API accepts, stored as the API stores it', (kind) => {
    expect(JobRequest.safeParse({ kind, input: INPUTS[kind] }).success).toBe(true);
    const job = queuedJob(kind, config, 4_096);
    expect(JobData.parse(job.data)).toEqual(job.data);
    expect(job.data).toMatchObject({ kind, tenant: 'bench', requestedVramMb: 4_096, maxAttempts: config.kinds[kind].maxAttempts });
    expect(job.opts).toMatchObject({ attempts: config.kinds[kind].maxAttempts, backoff: { type: 'exponential', delay: config.kinds[kind].backoffMs } });
    expect(job.opts.jobId.startsWith(`${kind}_`)).toBe(true);
  });
});
