// Named scheduling policies: the live default and the baselines the simulator compares it with.
import type { SchedulerConfig } from '@gpuq/shared';
import type { CoreOptions } from './scheduler-core.js';

export const POLICIES = {
  /** gpuq's default: priority then age, best fit, backfilling around starving jobs. */
  'best-fit': { packing: 'best-fit' },
  /** As best-fit, but onto the GPU with the most free VRAM. */
  spread: { packing: 'spread' },
  /** As best-fit, but onto the first GPU that fits. */
  'first-fit': { packing: 'first-fit' },
  /** Strict arrival order onto the first GPU that fits: a job that does not fit blocks the line. */
  fifo: { packing: 'first-fit', isHeadOfLine: true },
  /** One job per GPU, as the Kubernetes device plugin allocates whole GPUs. */
  exclusive: { packing: 'first-fit', maxJobsPerGpu: 1 },
} as const satisfies Record<string, Partial<CoreOptions>>;

export type PolicyName = keyof typeof POLICIES;

/** The core's options from config; `policy` overrides the configured one (the simulator compares them). */
export function coreOptionsFor(scheduler: SchedulerConfig, policy: PolicyName = scheduler.policy, gpusByKind?: CoreOptions['gpusByKind']): CoreOptions {
  return {
    maxJobsPerGpu: scheduler.maxJobsPerGpu,
    starvationAfterMs: scheduler.starvationAfterS * 1000,
    ...(gpusByKind ? { gpusByKind } : {}),
    ...POLICIES[policy],
  };
}
