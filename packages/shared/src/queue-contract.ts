// The queue contract between the API (producer) and the scheduler (consumer): how a job's
// request becomes its BullMQ options. Plain objects, so this package needs no BullMQ.
import { z } from 'zod';
import type { JobData } from './job.js';

/** How long finished jobs (and their run records) stay readable. */
export const FINISHED_JOB_RETENTION_S = 7 * 24 * 3600;

/**
 * BullMQ runs priority 1 first and un-prioritised jobs before any prioritised one, so every job
 * gets a BullMQ priority: ours 100 (most urgent) → 1, ours 0 → 101.
 */
export function toBullPriority(priority: number): number {
  return 101 - priority;
}

export interface BullJobOptions {
  jobId: string;
  priority: number;
  attempts: number;
  backoff: { type: 'exponential'; delay: number };
  removeOnComplete: { age: number };
  removeOnFail: { age: number };
}

export function bullJobOptions(jobId: string, data: JobData, backoffMs: number): BullJobOptions {
  return {
    jobId,
    priority: toBullPriority(data.priority),
    attempts: data.maxAttempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: { age: FINISHED_JOB_RETENTION_S },
    removeOnFail: { age: FINISHED_JOB_RETENTION_S },
  };
}

/** A webhook delivery, queued (once per job: its id is the job's id) when the job ends. */
export const WebhookTask = z.object({ jobId: z.string() });
export type WebhookTask = z.infer<typeof WebhookTask>;

export function webhookJobOptions(jobId: string, settings: { maxAttempts: number; backoffMs: number }) {
  return {
    jobId,
    attempts: settings.maxAttempts,
    backoff: { type: 'exponential' as const, delay: settings.backoffMs },
    removeOnComplete: { age: FINISHED_JOB_RETENTION_S },
    removeOnFail: { age: FINISHED_JOB_RETENTION_S },
  };
}
