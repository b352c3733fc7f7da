import { z } from 'zod';
import { envPort, parseEnv } from '@gpuq/runtime';

export const ModelEnv = z.object({
  /** Loopback by default: the model server authenticates no one. */
  MODEL_HOST: z.string().default('127.0.0.1'),
  /** The GPU model server's port too, so one URL in the config serves either; 0 picks a free port (logged). */
  MODEL_PORT: envPort.default(5100),
  /** 32 MiB holds the largest valid request (256 texts of 10,000 characters, each escaped as \uXXXX). */
  MODEL_MAX_BODY_MB: z.coerce.number().int().min(1).default(32),
});
export type ModelEnv = z.infer<typeof ModelEnv>;

export const loadModelEnv = (env: NodeJS.ProcessEnv = process.env): ModelEnv => parseEnv(ModelEnv, env);
