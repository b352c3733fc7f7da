// The scheduler process: the wiring of scheduler-process.ts, with the executors config names.
import { startSchedulerProcess } from './scheduler-process.js';

await (await startSchedulerProcess()).active;
