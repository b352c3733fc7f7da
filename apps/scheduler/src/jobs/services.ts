// What the live scheduler's parts share, built once when the scheduler starts: the placement
// core, the box's Redis adapters, the GPU probes, each kind's queue and executor, and the two
// wake-ups (a placement pass, an inventory publish) that every event ends in.
import type { GpuqConfig } from '@gpuq/shared';
import type { BoxStatesCache, Logger } from '@gpuq/runtime';
import type { Lease } from '../box/lease.js';
import type { SchedulerCore } from '../core/scheduler-core.js';
import type { Executor } from '../executors/executor.js';
import type { GpuHealth } from '../gpus/gpu-health.js';
import type { GpuMonitor } from '../gpus/gpu-monitor.js';
import type { VramEstimator } from '../gpus/vram-estimator.js';
import type { SolveServers } from '../kinds/solve/solve-servers.js';
import type { SchedulerMetrics } from '../metrics.js';
import type { CancelListener } from '../queue/cancellation.js';
import type { KindQueue } from '../queue/kind-queue.js';
import type { RunRecords } from '../queue/run-records.js';
import type { WebhookOutbox } from '../queue/webhook-outbox.js';
import type { HeldJob } from './held-job.js';

export interface SchedulerServices {
  /** The box this scheduler runs: every record it writes names it. */
  boxId: string;
  config: GpuqConfig;
  log: Logger;
  metrics: SchedulerMetrics;
  lease: Lease;
  core: SchedulerCore<HeldJob>;
  /** Where each kind may run on this box (its GPUs, or solve servers' slots); a kind absent here may use any GPU. */
  devices: ReadonlyMap<string, ReadonlySet<string>>;
  /** The queue of each kind this box takes jobs of. */
  queues: Map<string, KindQueue>;
  executors: ReadonlyMap<string, Executor>;
  records: RunRecords;
  cancels: CancelListener;
  health: GpuHealth;
  monitor: GpuMonitor | undefined;
  estimator: VramEstimator;
  webhooks: WebhookOutbox;
  solveServers: SolveServers | undefined;
  /** What every box published (read at most once a second). */
  boxStates: BoxStatesCache;
  /** A placement pass soon: the wake-ups of one event-loop turn share one pass. */
  requestPlan(): void;
  /** The box's inventory published soon (paced). */
  requestPublish(): void;
  /** A pass over the shared queues for jobs this box can take now (coalesced). */
  requestClaim(): void;
  /** Tells every box a kind's queue changed (a job returned or retried): one may take it now. */
  announceQueueChanged(kind: string): void;
  /** Frees a job's reservation before its attempt ends (a pipeline's last stage runs on the CPU), and wakes placement. */
  releaseGpu(jobId: string): void;
}

/** The queue of a kind this box takes: every held or running job's kind has one. */
export function queueOf(services: Pick<SchedulerServices, 'queues'>, kind: string): KindQueue {
  const queue = services.queues.get(kind);
  if (!queue) throw new Error(`this box takes no ${kind} jobs`);
  return queue;
}
