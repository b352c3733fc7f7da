// The scheduler's record of a job's current or last attempt: a Redis hash beside the BullMQ job
// (keys.jobRun). BullMQ owns the lifecycle; this adds what BullMQ has no field for.
import { z } from 'zod';
import { JobError } from './errors.js';

const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

export const RunPhase = z.enum(['held', 'running', 'ended']);
export type RunPhase = z.infer<typeof RunPhase>;

/** One stage of a pipeline job's attempt (inference: preprocess, inference, postprocess). */
export const StageRecord = z.object({
  name: z.string(),
  device: z.enum(['cpu', 'gpu']),
  /** The GPU a GPU stage held. */
  gpu: z.string().optional(),
  startedAt: z.number().int(),
  seconds: z.number(),
});
export type StageRecord = z.infer<typeof StageRecord>;

/**
 * One finished attempt, as the scheduler appends it to the job's attempt list (keys.jobAttempts)
 * when the attempt ends: where it ran and how it ended. The run record itself holds only the last.
 */
export const AttemptRecord = z.object({
  attempt: z.number().int(),
  box: z.string().nullable(),
  gpu: z.string().nullable(),
  vramMb: z.number().int().nullable(),
  /** The solve server it went to, if any. */
  server: z.string().nullable(),
  startedAt: z.number().int(),
  finishedAt: z.number().int(),
  /** Why it failed; null when it succeeded. */
  error: JobError.nullable(),
});
export type AttemptRecord = z.infer<typeof AttemptRecord>;

/** The hash as read with HGETALL: every field a string, every field optional. */
export const RunRecord = z.object({
  /** held: fetched and waiting for a GPU; running: dispatched; ended: the attempt is over. */
  phase: RunPhase.optional(),
  /** BullMQ's attemptsStarted when the phase was written: a stale phase from an earlier attempt is ignored. */
  attempt: z.coerce.number().int().optional(),
  gpu: z.string().optional(),
  vramMb: z.coerce.number().int().optional(),
  startedAt: z.coerce.number().int().optional(),
  finishedAt: z.coerce.number().int().optional(),
  pendingReason: z.string().optional(),
  /** Held jobs placed before this one in the scheduler's last pass. */
  ahead: z.coerce.number().int().optional(),
  /** The worker's handle: a cuOpt reqId, a container id. */
  handle: z.string().optional(),
  /** The BullMQ lock token of the current attempt, so a successor scheduler can adopt the job. */
  token: z.string().optional(),
  /** The last attempt's failure. */
  error: json(JobError).optional(),
  progress: json(z.unknown()).optional(),
  /** After running out of GPU memory: the next attempt needs at least this much (a larger GPU). */
  minVramMb: z.coerce.number().int().optional(),
  /** Seconds the job has held a GPU, summed over its finished attempts. */
  gpuSeconds: z.coerce.number().optional(),
  /** Seconds the job has run on CPUs only (a CPU solve server), summed over its finished attempts. */
  cpuSeconds: z.coerce.number().optional(),
  /** The current or last attempt's stages, for a pipeline job. */
  stages: json(z.array(StageRecord)).optional(),
  /** The solve server the current or last attempt went to. */
  server: z.string().optional(),
  /** That server's GPUs, comma-separated; empty for a CPU server. */
  serverGpus: z.string().optional(),
  /** Added in 0.3: the box whose scheduler holds or runs the attempt; only that box re-attaches to it. */
  box: z.string().optional(),
  /** Added in 0.3: that box's fencing token when it took the attempt. */
  fence: z.coerce.number().int().optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** Serialises fields for HSET. */
export function runRecordFields(fields: Partial<RunRecord>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries<unknown>(fields)) {
    if (value === undefined) continue;
    out[key] = typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
  }
  return out;
}
