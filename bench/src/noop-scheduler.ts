// The bench's scheduler: a real gpuq scheduler process, wired as apps/scheduler/src/main.ts wires
// it (lease, heartbeat, metrics server, GPUs from config), with a no-op executor for every kind.
// Forked by consumer-process.ts; tells it over IPC when it is ready and when jobs start.
import { hostname } from 'node:os';
import { bullConnection, createLogger, createRedis, loadConfig, Shutdown } from '@gpuq/runtime';
import { KINDS } from '@gpuq/shared';
import { loadSchedulerEnv } from '@gpuq/scheduler/dist/env.js';
import { discoverGpus } from '@gpuq/scheduler/dist/gpu-discovery.js';
import { Heartbeat } from '@gpuq/scheduler/dist/heartbeat.js';
import { Lease } from '@gpuq/scheduler/dist/lease.js';
import { createSchedulerMetrics } from '@gpuq/scheduler/dist/metrics.js';
import { startMetricsServer } from '@gpuq/scheduler/dist/metrics-server.js';
import { Scheduler } from '@gpuq/scheduler/dist/scheduler.js';
import { childReporter, exitWithParent } from './child-reporter.js';
import { NoopExecutor } from './noop-executor.js';

const reporter = childReporter();
const log = createLogger('scheduler');
const env = loadSchedulerEnv();
const config = loadConfig(env.GPUQ_CONFIG);
const schedulerId = env.SCHEDULER_ID ?? `${hostname()}:${process.pid}`;
const boxId = env.GPUQ_BOX_ID ?? config.scheduler.boxId ?? hostname();
const { gpus, monitor } = await discoverGpus(config, log);
const redis = createRedis(env.REDIS_URL, 'gpuq-scheduler');
redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
const metrics = createSchedulerMetrics();
const heartbeat = new Heartbeat(redis, schedulerId, boxId, Math.floor(config.scheduler.leaseTtlMs / 3));
const stopWaiting = new AbortController();
let scheduler: Scheduler | undefined;
const lease = new Lease({ redis, boxId, schedulerId, ttlMs: config.scheduler.leaseTtlMs, log, onLost: () => void scheduler?.abandon().finally(() => process.exit(1)) });
const metricsServer = await startMetricsServer(metrics.registry, env.SCHEDULER_METRICS_HOST, env.SCHEDULER_METRICS_PORT, () => ({ schedulerId, boxId, role: lease.isHeld ? 'active' : 'standby' }));
const graceMs = env.SCHEDULER_SHUTDOWN_GRACE_S * 1000;
const shutdown = new Shutdown(log)
  .add({ name: 'standby wait', run: () => stopWaiting.abort() })
  .add({ name: 'scheduler', run: () => scheduler?.close(graceMs), timeoutMs: graceMs + 15_000 })
  .add({ name: 'lease', run: () => lease.release() })
  .add({ name: 'heartbeat', run: () => heartbeat.stop() })
  .add({ name: 'metrics server', run: () => new Promise((resolve) => metricsServer.close(resolve)) })
  .add({ name: 'redis', run: () => redis.quit() });
shutdown.onSignals();
exitWithParent(() => shutdown.run('the bench went away'));

heartbeat.start();
await lease.acquire(stopWaiting.signal, () => void heartbeat.setRole('standby'));
if (!stopWaiting.signal.aborted) {
  await heartbeat.setRole('active');
  scheduler = new Scheduler({
    config,
    gpus,
    connection: bullConnection(env.REDIS_URL),
    redis,
    executors: new Map(KINDS.map((kind) => [kind, new NoopExecutor((jobId, atMs) => reporter.onStart(jobId, atMs))])),
    lease,
    schedulerId,
    boxId,
    metrics,
    ...(monitor ? { smi: monitor } : {}),
    log,
  });
  await scheduler.start();
  reporter.ready();
}
