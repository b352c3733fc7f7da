// The benchmarks as main.ts runs them: a one-line title saying what is compared, and a run
// that returns the result (for the JSON) and its markdown table.
import type { BenchOptions, Benchmark } from './bench-options.js';
import { benchBoxes, boxesTable } from './boxes.js';
import { benchDispatch, dispatchTable } from './dispatch.js';
import { benchIsolation, isolationTable } from './isolation.js';
import { benchPacking, packingTable } from './packing.js';
import { benchSubmit, submitTable } from './submit.js';
import { benchThroughput, throughputTable } from './throughput.js';

export interface Section {
  title: string;
  run: () => Promise<{ result: unknown; table: string[] }>;
}

function section<T>(title: string, run: () => Promise<T> | T, table: (result: T) => string[]): Section {
  return {
    title,
    run: async () => {
      const result = await run();
      return { result, table: table(result) };
    },
  };
}

export function benchmarks(redisUrl: string, options: BenchOptions): Record<Benchmark, Section> {
  const { submit, dispatch, throughput, boxes, isolation } = options;
  return {
    submit: section(
      `1. submit: POST /v1/jobs (key, validation, admission, index) against a bare Fastify route that only calls Queue.add (${submit.durationS} s loads, ${submit.connections} connections, best of ${submit.rounds})`,
      () => benchSubmit(redisUrl, submit),
      (result) => submitTable(result, submit.connections),
    ),
    dispatch: section(
      `2. dispatch latency: ${dispatch.jobs} jobs one at a time through a real scheduler process (idle box, no-op executor) against Queue.add → a plain BullMQ Worker process`,
      () => benchDispatch(redisUrl, dispatch),
      dispatchTable,
    ),
    throughput: section(
      `3. throughput: a backlog of ${throughput.jobs} mixed jobs drained by the scheduler (${throughput.gpus}×80 GiB, no-op executor) against a BullMQ Worker process with an empty processor; ${throughput.limitS} s limit each`,
      () => benchThroughput(redisUrl, throughput),
      throughputTable,
    ),
    packing: section(
      "4. packing: the scheduler's placement core in the simulator under each policy, against exclusive (one job per GPU, as the Kubernetes device plugin allocates)",
      benchPacking,
      packingTable,
    ),
    boxes: section(
      `5. many boxes, one queue: the same backlog of ${boxes.jobs} mixed jobs drained by ${boxes.boxCounts.join(', ')} scheduler processes on one Redis, the ${boxes.gpus} GPUs split between them; Redis's CPU per job shows where it becomes the limit`,
      () => benchBoxes(redisUrl, boxes),
      boxesTable,
    ),
    isolation: section(
      `6. isolation: one tenant sends the largest bodies it may (${isolation.concurrency} at once, ${isolation.durationS} s) while another times /healthz and a small submit, with every body checked on the event loop (as before the body-check pool) against the pool`,
      () => benchIsolation(redisUrl, isolation),
      isolationTable,
    ),
  };
}
