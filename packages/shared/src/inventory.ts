// The GPU inventory a scheduler publishes to Redis (keys.inventory) on every change, for the
// API's GET /v1/gpus and its admission checks.
import { z } from 'zod';

export const GpuState = z.object({
  id: z.string(),
  uuid: z.string().optional(),
  name: z.string().optional(),
  isSimulated: z.boolean(),
  totalMb: z.number().int(),
  /** total − not ours − headroom. */
  usableMb: z.number().int(),
  reservedMb: z.number().int(),
  freeMb: z.number().int(),
  jobs: z.number().int(),
  drainedReason: z.string().nullable(),
});
export type GpuState = z.infer<typeof GpuState>;

export const Inventory = z.object({
  schedulerId: z.string(),
  updatedAt: z.number().int(),
  /** Kinds this scheduler runs. */
  kinds: z.array(z.string()),
  gpus: z.array(GpuState),
});
export type Inventory = z.infer<typeof Inventory>;
