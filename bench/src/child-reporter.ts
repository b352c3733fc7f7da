// The child's side of child-messages.ts, shared by the bench's two consumer processes (the gpuq
// scheduler and the plain BullMQ Worker): counts executor starts, reports each one or only the
// counts, and answers the bench's requests for its stats and heap.
import type { ChildMessage, ChildStats, ParentMessage, StageTimes } from './child-messages.js';

export interface ChildReporter {
  /** An executor (or processor) started `jobId` at `atMs`; the scheduler's stages of its dispatch, when traced. */
  onStart(jobId: string, atMs: number, stages?: StageTimes): void;
  /** Whether each start is reported (latency), or only counts (throughput). */
  readonly reportsEach: boolean;
  ready(): void;
}

export function childReporter(): ChildReporter {
  const send = (message: ChildMessage) => void process.send?.(message);
  const reportsEach = process.env.BENCH_REPORT_STARTS !== 'counts';
  const stats: ChildStats = { started: 0, firstStartMs: null, lastStartMs: null, heapUsedBytes: 0, cpuUs: 0 };
  process.on('message', (message: ParentMessage) => {
    if (message.type !== 'report') return;
    // Forked with --expose-gc.
    if (message.collectGarbage) (globalThis as { gc?: () => void }).gc?.();
    const cpu = process.cpuUsage();
    send({ type: 'stats', ...stats, heapUsedBytes: process.memoryUsage().heapUsed, cpuUs: cpu.user + cpu.system });
  });
  return {
    onStart(jobId, atMs, stages) {
      stats.started++;
      stats.firstStartMs ??= atMs;
      stats.lastStartMs = atMs;
      if (reportsEach) send({ type: 'started', jobId, atMs, ...(stages ? { stages } : {}) });
    },
    reportsEach,
    ready: () => send({ type: 'ready' }),
  };
}

/** The bench went away without stopping this child: exit anyway, soon, even when Redis went with it. */
export function exitWithParent(stop: () => Promise<unknown>): void {
  process.once('disconnect', () => {
    setTimeout(() => process.exit(1), 5_000).unref();
    void stop().finally(() => process.exit(0));
  });
}
