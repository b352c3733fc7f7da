import { z } from 'zod';
import { envPort, parseEnv } from '@gpuq/runtime';

export const SchedulerEnv = z.object({
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Path to the YAML or JSON config file; the defaults apply without one. */
  GPUQ_CONFIG: z.string().optional(),
  /** On SIGTERM, how long running jobs may finish before they are handed over, still running, to the next scheduler. */
  SCHEDULER_SHUTDOWN_GRACE_S: z.coerce.number().min(0).default(10),
  /** This scheduler's name in logs, heartbeats and the inventory (default: hostname:pid). */
  SCHEDULER_ID: z.string().optional(),
  /** Overrides the config's scheduler.boxId: schedulers of one box share one lease. */
  GPUQ_BOX_ID: z.string().optional(),
  /** /metrics and /healthz; 0 picks a free port (logged). */
  SCHEDULER_METRICS_HOST: z.string().default('127.0.0.1'),
  SCHEDULER_METRICS_PORT: envPort.default(9464),
});
export type SchedulerEnv = z.infer<typeof SchedulerEnv>;

export const loadSchedulerEnv = (env: NodeJS.ProcessEnv = process.env): SchedulerEnv => parseEnv(SchedulerEnv, env);
