// The bench's scheduler: a real gpuq scheduler process, wired by the scheduler's own
// scheduler-process.ts (lease, heartbeat, metrics server, GPUs from config), with a no-op executor
// for every kind. Forked by consumer-process.ts; tells it over IPC when it is ready and when jobs start.
import { KINDS } from '@gpuq/shared';
import { startSchedulerProcess } from '@gpuq/scheduler/dist/scheduler-process.js';
import { childReporter, exitWithParent } from './child-reporter.js';
import { NoopExecutor } from './noop-executor.js';

const reporter = childReporter();
const { shutdown, active } = await startSchedulerProcess(() => new Map(KINDS.map((kind) => [kind, new NoopExecutor((jobId, atMs) => reporter.onStart(jobId, atMs))])));
exitWithParent(() => shutdown.run('the bench went away'));
if (await active) reporter.ready();
