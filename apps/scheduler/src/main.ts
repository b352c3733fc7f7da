// The scheduler process: wiring only.
import { bullConnection, createLogger, createRedis, loadConfig, Shutdown } from '@gpuq/runtime';
import { loadSchedulerEnv } from './env.js';
import { createExecutors } from './executors/index.js';
import { discoverGpus } from './gpu-discovery.js';
import { Scheduler } from './scheduler.js';

const log = createLogger('scheduler');
const env = loadSchedulerEnv();
const config = loadConfig(env.GPUQ_CONFIG);
const gpus = await discoverGpus(config, log);
const redis = createRedis(env.REDIS_URL, 'gpuq-scheduler');
const scheduler = new Scheduler({
  config,
  gpus,
  connection: bullConnection(env.REDIS_URL),
  redis,
  executors: createExecutors(config, log),
  log,
  ...(env.SCHEDULER_ID ? { schedulerId: env.SCHEDULER_ID } : {}),
});

const graceMs = env.SCHEDULER_SHUTDOWN_GRACE_S * 1000;
new Shutdown(log)
  .add({ name: 'scheduler', run: () => scheduler.close(graceMs), timeoutMs: graceMs + 15_000 })
  .add({ name: 'redis', run: () => redis.quit() })
  .onSignals();

await scheduler.start();
