// The aims table at the end of `npm run bench`: each ratio beside its aim, met or not, for the
// benchmarks that ran.
import { describe, expect, it } from 'vitest';
import { aimsOf, aimsTable } from '../bench/src/aims.js';
import type { DispatchResults } from '../bench/src/dispatch.js';
import type { SubmitResults } from '../bench/src/submit.js';
import type { ThroughputResults } from '../bench/src/throughput.js';

const latency = (p50Ms: number, p99Ms: number) => ({ p50Ms, p95Ms: p99Ms, p99Ms, maxMs: p99Ms, meanMs: p50Ms });

describe('the benchmarks’ aims', () => {
  it('puts each measured ratio beside its aim and says whether it is met', () => {
    const aims = aimsOf({
      submit: { ratio: 0.81 } as SubmitResults,
      dispatch: { gpuqEnqueue: { start: latency(1.5, 5.2) }, ratios: { startP50: 1.3 } } as unknown as DispatchResults,
      throughput: { ratio: 0.42, gpuq: { cpuUsPerJob: { consumer: 200, redis: 150 } }, bullmq: { cpuUsPerJob: { consumer: 70, redis: 80 } } } as ThroughputResults,
    });
    expect(aims.map((a) => [a.what, a.measured, a.aim, a.isMet])).toEqual([
      ['submit req/s, gpuq / bare route', '0.81', '≥ 0.8', true],
      ['dispatch p99, enqueue → executor start', '5.2 ms', '≤ 5 ms', false],
      ['dispatch p50, gpuq / BullMQ', '1.3×', '≤ 1.3×', true],
      ['drain jobs/s, gpuq / BullMQ worker', '0.42', '≥ 0.5', false],
      ['CPU per drained job (process + Redis), gpuq / BullMQ worker', '2.33×', '≤ 2×', false],
    ]);
    expect(aimsTable(aims)[0]).toMatch(/figure.*measured.*aim.*met/);
  });

  it('says nothing of benchmarks that did not run', () => {
    const throughput = { ratio: 0.6, gpuq: { cpuUsPerJob: { consumer: 100, redis: 100 } }, bullmq: { cpuUsPerJob: { consumer: 60, redis: 60 } } } as ThroughputResults;
    expect(aimsOf({ throughput }).map((a) => [a.what, a.isMet])).toEqual([
      ['drain jobs/s, gpuq / BullMQ worker', true],
      ['CPU per drained job (process + Redis), gpuq / BullMQ worker', true],
    ]);
    expect(aimsTable([])).toEqual([]);
  });
});
