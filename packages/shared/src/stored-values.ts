// Small values gpuq keeps in Redis beside the jobs and their run records, as schemas: whoever
// reads one back parses it, and a value that does not parse is treated as absent.
import { z } from 'zod';

/** keys.jobCancel: when a cancel was asked for, and by which tenant. */
export const CancelMark = z.object({ at: z.number().int(), by: z.string() });
export type CancelMark = z.infer<typeof CancelMark>;

/** keys.idempotency: the job an Idempotency-Key stands for, and the body it came with. */
export const IdempotencyRecord = z.object({ bodyHash: z.string(), jobId: z.string() });
export type IdempotencyRecord = z.infer<typeof IdempotencyRecord>;

/** A stored JSON value read with its schema; undefined when absent, not JSON, or not of that shape. */
export function parseStored<T>(schema: z.ZodType<T>, text: string | null | undefined): T | undefined {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** keys.boxDrain: an admin drained the box (maintenance): when, who and why. */
export const BoxDrainMark = z.object({ at: z.number().int(), by: z.string(), reason: z.string() });
export type BoxDrainMark = z.infer<typeof BoxDrainMark>;
