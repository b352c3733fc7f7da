// What the benchmarks aim at (issue "Drain speed"): each measured ratio beside its aim, in one table
// at the end of a run, for the benchmarks that ran. A ratio compares gpuq with its baseline in the
// same run; only the dispatch p99 is an absolute figure.
import type { DispatchResults } from './dispatch.js';
import { markdownTable } from './measure.js';
import type { SubmitResults } from './submit.js';
import type { ThroughputResults } from './throughput.js';

export interface Aim {
  what: string;
  measured: string;
  aim: string;
  isMet: boolean;
}

// cpuPerJobRatio: the title, "per job, gpuq's scheduler within 2× of a bare BullMQ worker",
// read as CPU per drained job (the process's own and Redis's), which the drain's rate follows.
const AIMS = { submitRatio: 0.8, dispatchP99Ms: 5, dispatchP50Ratio: 1.3, drainRatio: 0.5, cpuPerJobRatio: 2 } as const;

export function aimsOf(results: { submit?: SubmitResults; dispatch?: DispatchResults; throughput?: ThroughputResults }): Aim[] {
  const aims: Aim[] = [];
  const { submit, dispatch, throughput } = results;
  if (submit) aims.push({ what: 'submit req/s, gpuq / bare route', measured: String(submit.ratio), aim: `≥ ${AIMS.submitRatio}`, isMet: submit.ratio >= AIMS.submitRatio });
  if (dispatch) {
    const p99 = dispatch.gpuqEnqueue.start.p99Ms;
    aims.push({ what: 'dispatch p99, enqueue → executor start', measured: `${p99} ms`, aim: `≤ ${AIMS.dispatchP99Ms} ms`, isMet: p99 <= AIMS.dispatchP99Ms });
    aims.push({ what: 'dispatch p50, gpuq / BullMQ', measured: `${dispatch.ratios.startP50}×`, aim: `≤ ${AIMS.dispatchP50Ratio}×`, isMet: dispatch.ratios.startP50 <= AIMS.dispatchP50Ratio });
  }
  if (throughput) {
    aims.push({ what: 'drain jobs/s, gpuq / BullMQ worker', measured: String(throughput.ratio), aim: `≥ ${AIMS.drainRatio}`, isMet: throughput.ratio >= AIMS.drainRatio });
    const total = (c: { consumer: number; redis: number }) => c.consumer + c.redis;
    const worker = total(throughput.bullmq.cpuUsPerJob);
    if (worker > 0) {
      const ratio = Math.round((total(throughput.gpuq.cpuUsPerJob) / worker) * 100) / 100;
      aims.push({ what: 'CPU per drained job (process + Redis), gpuq / BullMQ worker', measured: `${ratio}×`, aim: `≤ ${AIMS.cpuPerJobRatio}×`, isMet: ratio <= AIMS.cpuPerJobRatio });
    }
  }
  return aims;
}

export function aimsTable(aims: readonly Aim[]): string[] {
  if (aims.length === 0) return [];
  return markdownTable(['figure', 'measured', 'aim', 'met'], ['l', 'r', 'r', 'l'], aims.map((a) => [a.what, a.measured, a.aim, a.isMet ? 'yes' : 'no']));
}
