// What the bench's scheduler child (noop-scheduler.ts) and the bench say to each other over the
// fork's IPC channel. Both ends are this package's own code, built together, so the messages are
// typed rather than parsed.

/** Each executor start as it happens (latency), or only counts (throughput, where a message per job would cost the child). */
export type StartReporting = 'each' | 'counts';

export interface ChildStats {
  /** Executor runs started so far. */
  started: number;
  firstStartMs: number | null;
  lastStartMs: number | null;
  heapUsedBytes: number;
  /** The process's CPU time so far (user + system), µs. */
  cpuUs: number;
}

/** When each stage of a job's dispatch happened in the scheduler (apps/scheduler/src/jobs/dispatch-stages.ts), epoch ms. */
export type StageTimes = Partial<Record<string, number>>;

export type ChildMessage = { type: 'ready' } | { type: 'started'; jobId: string; atMs: number; stages?: StageTimes } | ({ type: 'stats' } & ChildStats);

/** The bench asks for the child's stats now; after a full garbage collection, to see what the heap retains. */
export type ParentMessage = { type: 'report'; collectGarbage?: boolean };
