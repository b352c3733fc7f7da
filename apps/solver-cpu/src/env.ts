import { z } from 'zod';
import { envPort, parseEnv } from '@gpuq/runtime';

export const SolverEnv = z.object({
  /** Loopback by default: bind wider only behind something that authenticates. */
  SOLVER_HOST: z.string().default('127.0.0.1'),
  /** The cuOpt server's own default port; 0 picks a free port (logged). */
  SOLVER_PORT: envPort.default(5000),
  /** Solves at once, one per thread; cuOpt runs one per GPU. */
  SOLVER_THREADS: z.coerce.number().int().min(1).max(64).default(1),
  SOLVER_MAX_BODY_MB: z.coerce.number().int().min(1).default(256),
  SOLVER_RESULT_TTL_S: z.coerce.number().int().min(1).default(3_600),
});
export type SolverEnv = z.infer<typeof SolverEnv>;

export const loadSolverEnv = (env: NodeJS.ProcessEnv = process.env): SolverEnv => parseEnv(SolverEnv, env);
