// The bench's scheduler: a real gpuq scheduler process, wired by the scheduler's own
// scheduler-process.ts (lease, heartbeat, metrics server, GPUs from config), with a no-op executor
// for every kind. Forked by consumer-process.ts; tells it over IPC when it is ready and when jobs
// start, each start (latency) with the stages of its dispatch the scheduler marked.
import { subscribe } from 'node:diagnostics_channel';
import { KINDS } from '@gpuq/shared';
import { DISPATCH_STAGES_CHANNEL, type StageMark } from '@gpuq/scheduler/dist/jobs/dispatch-stages.js';
import { startSchedulerProcess } from '@gpuq/scheduler/dist/scheduler-process.js';
import type { StageTimes } from './child-messages.js';
import { childReporter, exitWithParent } from './child-reporter.js';
import { NoopExecutor } from './noop-executor.js';

const reporter = childReporter();
// Only where each start is reported: marking costs the scheduler a little, and the throughput benchmark counts its CPU.
const stages = new Map<string, StageTimes>();
if (reporter.reportsEach) {
  subscribe(DISPATCH_STAGES_CHANNEL, (message) => {
    const { jobId, stage, atMs } = message as StageMark;
    stages.set(jobId, { ...stages.get(jobId), [stage]: atMs });
  });
}
const onStart = (jobId: string, atMs: number) => {
  const marks = stages.get(jobId);
  stages.delete(jobId);
  reporter.onStart(jobId, atMs, marks);
};
const { shutdown, active } = await startSchedulerProcess(() => new Map(KINDS.map((kind) => [kind, new NoopExecutor(onStart)])));
exitWithParent(() => shutdown.run('the bench went away'));
if (await active) reporter.ready();
