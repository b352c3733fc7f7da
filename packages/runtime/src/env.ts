// Environment variables, parsed once with zod at start-up. A bad value stops the process with a
// message naming the variable.
import { z } from 'zod';
import { issuesToDetails } from '@gpuq/shared';

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvError';
  }
}

/** `true`/`false`/`1`/`0`/`yes`/`no`, as env vars are written. */
export const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const envPort = z.coerce.number().int().min(0).max(65_535);

export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = issuesToDetails(result.error.issues).map((d) => `  ${d.path}: ${d.message}`);
    throw new EnvError(`invalid environment:\n${lines.join('\n')}`);
  }
  return result.data;
}
