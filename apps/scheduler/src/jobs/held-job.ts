// A job the scheduler holds: its BullMQ job and lock token, its parsed data, and what placement
// needs to know about it.
import type { Job } from 'bullmq';
import type { JobDataWithInput, StageRecord } from '@gpuq/shared';
import type { CoreJob } from '../core/scheduler-core.js';
import type { EstimateSource } from '../gpus/vram-estimator.js';

export interface HeldJob extends CoreJob {
  job: Job;
  token: string;
  data: JobDataWithInput;
  /** BullMQ's attemptsStarted when this scheduler took the job. */
  attempt: number;
  /** The kind's estimate before learning, which observed peaks are measured against. */
  baseVramMb: number;
  estimateSource: EstimateSource;
  /** What the executor's prepare stage made of the input (a pipeline kind), once it ran. */
  prepared?: unknown;
  /** The stages of this attempt so far (a pipeline kind). */
  stages?: StageRecord[];
  /**
   * Its run record says it is held here (with its lock token, for a successor to adopt): written
   * with the first reason it waits, never for a job placed at once (its running record says all).
   */
  isHeldRecorded?: boolean;
}

/** A previous attempt's work that may still be running on its worker, to re-attach to. */
export interface Reattachment {
  handle: string;
  gpu: string;
  vramMb: number;
  startedAt: number;
}
