// The baseline consumer: a plain BullMQ Worker process whose processor does nothing, on the same
// Redis and prefix as gpuq, reporting over IPC as the bench's scheduler does (noop-scheduler.ts),
// so both pay the same process boundary.
import { Worker } from 'bullmq';
import { childReporter, exitWithParent } from './child-reporter.js';
import { bullOptions } from './connections.js';
import { epochMs } from './measure.js';

const reporter = childReporter();
const worker = new Worker(
  process.env.BENCH_QUEUE!,
  async (job) => {
    reporter.onStart(job.id!, epochMs());
    return { ok: true };
  },
  { ...bullOptions(process.env.REDIS_URL!), concurrency: Number(process.env.BENCH_CONCURRENCY ?? 1) },
);
worker.on('error', (err) => process.stderr.write(`worker error: ${err.message}\n`));
let stopping: Promise<void> | undefined;
const stop = () => (stopping ??= worker.close().finally(() => process.exit(0)));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
exitWithParent(stop);
await worker.waitUntilReady();
reporter.ready();
