// The scheduler's Prometheus metrics, in its own registry. Names carry units; labels are few and
// bounded (kind, gpu, server, outcome), never a job id.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GpuState } from '@gpuq/shared';

/** Read on each scrape, so the depth is current without polling BullMQ in between. */
export type QueueDepthSource = () => Promise<Array<{ kind: string; state: string; jobs: number }>>;

/** The GPUs as the inventory shows them, read on each scrape by the per-GPU gauges. */
export type GpuSource = () => ReadonlyArray<Pick<GpuState, 'id' | 'totalMb' | 'reservedMb' | 'usedByUsMb' | 'notOursMb' | 'drainedReason' | 'utilizationPercent'>>;

const MIB = 1024 * 1024;

export function createSchedulerMetrics() {
  const registry = new Registry();
  let depthSource: QueueDepthSource | undefined;
  let gpuSource: GpuSource | undefined;
  /** The GPUs as read for this scrape: the per-GPU gauges collect in one turn and share one reading. */
  let scraped: ReturnType<GpuSource> | undefined;
  const scrapedGpus = (): ReturnType<GpuSource> => {
    if (scraped === undefined) {
      scraped = gpuSource?.() ?? [];
      setImmediate(() => (scraped = undefined));
    }
    return scraped;
  };
  /** A per-GPU gauge whose value is read from the GPUs on each scrape; absent ones (no reading, or a GPU gone with its node) are left out. */
  const gpuGauge = (name: string, help: string, valueOf: (gpu: ReturnType<GpuSource>[number]) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['gpu'],
      registers: [registry],
      collect() {
        this.reset();
        for (const gpu of scrapedGpus()) {
          const value = valueOf(gpu);
          if (value !== null) this.set({ gpu: gpu.id }, value);
        }
      },
    });
  collectDefaultMetrics({ register: registry, prefix: 'gpuq_scheduler_' });
  const metric = <T>(m: T): T => m;
  return {
    registry,
    isActive: metric(new Gauge({ name: 'gpuq_scheduler_active', help: '1 while this scheduler holds its box lease, 0 as standby', registers: [registry] })),
    queueDepth: metric(
      new Gauge({
        name: 'gpuq_queue_depth',
        help: "Queued jobs, as the API counts them: in Redis, no box has them yet (state waiting, prioritized, delayed: the same for every box, take the max), and held by this box's scheduler, waiting for a GPU (state held: sum it over boxes)",
        labelNames: ['kind', 'state'],
        registers: [registry],
        async collect() {
          for (const { kind, state, jobs } of (await depthSource?.().catch(() => [])) ?? []) this.set({ kind, state }, jobs);
        },
      }),
    ),
    setQueueDepthSource: (source: QueueDepthSource) => {
      depthSource = source;
    },
    windowJobs: metric(new Gauge({ name: 'gpuq_window_jobs', help: 'Jobs the scheduler holds, waiting for a GPU', labelNames: ['kind'], registers: [registry] })),
    placements: metric(new Counter({ name: 'gpuq_placements_total', help: 'Jobs dispatched to a GPU', labelNames: ['kind', 'gpu'], registers: [registry] })),
    submitToDispatch: metric(
      new Histogram({
        name: 'gpuq_submit_to_dispatch_seconds',
        help: 'From submit to dispatch, per attempt',
        labelNames: ['kind'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
        registers: [registry],
      }),
    ),
    runSeconds: metric(
      new Histogram({
        name: 'gpuq_job_run_seconds',
        help: 'Run time of an attempt, by outcome',
        labelNames: ['kind', 'outcome'],
        buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200],
        registers: [registry],
      }),
    ),
    setGpuSource: (source: GpuSource) => {
      gpuSource = source;
    },
    vramTotal: gpuGauge('gpuq_gpu_vram_total_bytes', 'VRAM of the GPU', (g) => g.totalMb * MIB),
    vramReserved: gpuGauge('gpuq_gpu_vram_reserved_bytes', 'VRAM reserved by running jobs', (g) => g.reservedMb * MIB),
    vramUsed: gpuGauge('gpuq_gpu_vram_used_bytes', "VRAM in use by our jobs' processes, as the driver reports", (g) => g.usedByUsMb * MIB),
    vramNotOurs: gpuGauge('gpuq_gpu_vram_not_ours_bytes', 'VRAM in use by processes that are not our jobs', (g) => g.notOursMb * MIB),
    gpuUtilization: gpuGauge('gpuq_gpu_utilization_ratio', 'GPU utilisation, 0 to 1, from nvidia-smi', (g) => (g.utilizationPercent === null ? null : g.utilizationPercent / 100)),
    gpuMonitorUp: metric(
      new Gauge({ name: 'gpuq_gpu_monitor_up', help: "1 while nvidia-smi answers the scheduler's polls, 0 while it fails (the GPUs keep their last readings); absent where it polls none", registers: [registry] }),
    ),
    gpuDrained: gpuGauge('gpuq_gpu_drained', '1 while the GPU takes no new jobs', (g) => (g.drainedReason ? 1 : 0)),
    solveServerUp: metric(new Gauge({ name: 'gpuq_solve_server_up', help: '1 while the solve server answers its health check and takes jobs', labelNames: ['server'], registers: [registry] })),
    solveServerRunning: metric(new Gauge({ name: 'gpuq_solve_server_running_jobs', help: 'Jobs the solve server is solving now', labelNames: ['server'], registers: [registry] })),
    retries: metric(new Counter({ name: 'gpuq_job_retries_total', help: 'Attempts that failed and will be retried', labelNames: ['kind'], registers: [registry] })),
    timeouts: metric(new Counter({ name: 'gpuq_job_timeouts_total', help: 'Attempts stopped at their timeout', labelNames: ['kind'], registers: [registry] })),
    failures: metric(new Counter({ name: 'gpuq_job_failures_total', help: 'Jobs that ended failed, by error code', labelNames: ['kind', 'code'], registers: [registry] })),
    // Every job counts here once, when it ends for good: the failure rate is failed / finished.
    jobsFinished: metric(
      new Counter({ name: 'gpuq_jobs_finished_total', help: 'Jobs that ended for good, by outcome (succeeded, failed, cancelled)', labelNames: ['kind', 'outcome'], registers: [registry] }),
    ),
    jobCostUsd: metric(
      new Counter({ name: 'gpuq_job_cost_usd_total', help: "Cost of the jobs that ended, in USD: each job's GPU and CPU seconds over all attempts, at the configured rates", labelNames: ['kind'], registers: [registry] }),
    ),
    estimateOverruns: metric(
      new Counter({ name: 'gpuq_vram_estimate_overruns_total', help: 'Jobs whose observed VRAM peak exceeded their reservation', labelNames: ['kind'], registers: [registry] }),
    ),
  };
}

export type SchedulerMetrics = ReturnType<typeof createSchedulerMetrics>;
