import { z } from 'zod';
import { envPort, parseEnv } from '@gpuq/runtime';

export const ApiEnv = z.object({
  /** Loopback by default. */
  HOST: z.string().default('127.0.0.1'),
  PORT: envPort.default(8080),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Path to the YAML or JSON config file shared with the scheduler. */
  GPUQ_CONFIG: z.string().optional(),
  /** Largest request body accepted, in MiB (LP matrices can be large). */
  API_MAX_BODY_MB: z.coerce.number().int().min(1).max(1024).default(16),
});
export type ApiEnv = z.infer<typeof ApiEnv>;

export const loadApiEnv = (env: NodeJS.ProcessEnv = process.env): ApiEnv => parseEnv(ApiEnv, env);
