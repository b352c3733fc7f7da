import { z } from 'zod';
import { parseEnv } from '@gpuq/runtime';

export const SchedulerEnv = z.object({
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Path to the YAML or JSON config file; the defaults apply without one. */
  GPUQ_CONFIG: z.string().optional(),
  /** On SIGTERM, how long running jobs may finish before they are stopped and returned to the queue. */
  SCHEDULER_SHUTDOWN_GRACE_S: z.coerce.number().min(0).default(10),
  SCHEDULER_ID: z.string().optional(),
});
export type SchedulerEnv = z.infer<typeof SchedulerEnv>;

export const loadSchedulerEnv = (env: NodeJS.ProcessEnv = process.env): SchedulerEnv => parseEnv(SchedulerEnv, env);
