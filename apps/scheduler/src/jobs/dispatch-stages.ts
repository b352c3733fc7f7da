// Where a job's dispatch spends its time, stage by stage, for whoever listens (the bench's dispatch
// benchmark prints it): Node's diagnostics_channel, which costs a check of `hasSubscribers` while
// no one does. Times are epoch milliseconds with sub-millisecond precision, comparable across
// processes on one machine.
import { channel } from 'node:diagnostics_channel';

export const DISPATCH_STAGES_CHANNEL = 'gpuq:dispatch-stages';

/**
 * In order: a pass was asked for (a queue's message, a job's end, the poll); the pass began; it
 * read the heads of the queues; it claimed the job; the job waits in the window; placement
 * reserved its GPU; its running record was written (the executor starts next).
 */
export const DISPATCH_STAGES = ['woken', 'pass', 'peeked', 'claimed', 'held', 'placed', 'recorded'] as const;
export type DispatchStage = (typeof DISPATCH_STAGES)[number];

export interface StageMark {
  jobId: string;
  stage: DispatchStage;
  atMs: number;
}

const stages = channel(DISPATCH_STAGES_CHANNEL);

export const stageClock = (): number => performance.timeOrigin + performance.now();

export function isTracingStages(): boolean {
  return stages.hasSubscribers;
}

export function markStage(jobId: string, stage: DispatchStage, atMs = stageClock()): void {
  if (stages.hasSubscribers) stages.publish({ jobId, stage, atMs } satisfies StageMark);
}
