import { z } from 'zod';
import { envBoolean, envPort, parseEnv } from '@gpuq/runtime';

export const ApiEnv = z.object({
  /** Loopback by default; with no API keys the API refuses any other address. */
  HOST: z.string().default('127.0.0.1'),
  /** 0 picks a free port (logged). */
  PORT: envPort.default(8080),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Path to the YAML or JSON config file shared with the scheduler. */
  GPUQ_CONFIG: z.string().optional(),
  /** Largest request body accepted, in MiB (LP matrices can be large). */
  API_MAX_BODY_MB: z.coerce.number().int().min(1).max(1024).default(16),
  /** `tenant:key,tenant:key`: API keys (added to the config's), hashed at start-up. */
  GPUQ_API_KEYS: z.string().optional(),
  /** `key,key`: admin keys, which see every tenant's jobs and the system endpoints. */
  GPUQ_ADMIN_KEYS: z.string().optional(),
  /** `tenant:secret,tenant:secret`: the secrets webhooks are signed with. */
  GPUQ_WEBHOOK_SECRETS: z.string().optional(),
  /** Whether this replica delivers webhooks (any number of replicas may). */
  API_WEBHOOKS: envBoolean.default(true),
  /** How often an event stream re-reads its job without a change notice (a notice lost in Redis costs at most this). */
  API_EVENTS_REREAD_S: z.coerce.number().positive().max(3600).default(5),
});
export type ApiEnv = z.infer<typeof ApiEnv>;

export const loadApiEnv = (env: NodeJS.ProcessEnv = process.env): ApiEnv => parseEnv(ApiEnv, env);
