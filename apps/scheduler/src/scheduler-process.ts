// A scheduler process's wiring: config, GPUs, Redis, lease, heartbeat, metrics server and ordered
// shutdown. It waits as standby until it holds its box's lease, then runs. main.ts runs it with
// the executors config names; the bench runs the same wiring with executors that do nothing.
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { bullConnection, createLogger, createRedis, loadConfig, Shutdown, type Logger } from '@gpuq/runtime';
import type { GpuqConfig } from '@gpuq/shared';
import { loadSchedulerEnv } from './env.js';
import type { Executor } from './executors/executor.js';
import { createExecutors } from './kinds/index.js';
import { discoverGpus } from './gpus/gpu-discovery.js';
import { Heartbeat } from './box/heartbeat.js';
import { Lease } from './box/lease.js';
import { createSchedulerMetrics } from './metrics.js';
import { startMetricsServer } from './box/metrics-server.js';
import { Scheduler } from './scheduler.js';
import { SolveServers } from './kinds/solve/solve-servers.js';
import type { NodeOf } from './gpus/cluster/kube-config.js';

export interface ExecutorSetup {
  config: GpuqConfig;
  boxId: string;
  log: Logger;
  solveServers: SolveServers | undefined;
  /** The node of a GPU read from a Kubernetes cluster (config's `cluster`), as the cluster is now. */
  clusterNodeOf: NodeOf;
}

export interface SchedulerProcess {
  shutdown: Shutdown;
  /** The running scheduler once this process holds the lease; undefined if it stopped first. */
  active: Promise<Scheduler | undefined>;
}

const configuredExecutors = ({ config, boxId, log, solveServers, clusterNodeOf }: ExecutorSetup) => createExecutors(config, boxId, log, solveServers, clusterNodeOf);

export async function startSchedulerProcess(executorsFor: (setup: ExecutorSetup) => ReadonlyMap<string, Executor> = configuredExecutors): Promise<SchedulerProcess> {
  const log = createLogger('scheduler');
  const env = loadSchedulerEnv();
  const config = loadConfig(env.GPUQ_CONFIG);
  const schedulerId = env.SCHEDULER_ID ?? `${hostname()}:${process.pid}`;
  const boxId = env.GPUQ_BOX_ID ?? config.scheduler.boxId ?? hostname();
  const { gpus, monitor, cluster } = await discoverGpus(config, log);
  const solveServers = config.kinds.solve.servers ? new SolveServers(config.kinds.solve.servers, log) : undefined;
  // Auto-pipelined: the run-record writes, reads and notices that many jobs make in one tick go
  // out in one socket write, not one system call each (a fifth of the scheduler's CPU under load).
  const redis = createRedis(env.REDIS_URL, 'gpuq-scheduler', { enableAutoPipelining: true });
  redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const metrics = createSchedulerMetrics();
  // Every series names its box: GPU ids like gpu0 repeat on every box of a shared queue.
  metrics.registry.setDefaultLabels({ box: boxId });
  const heartbeat = new Heartbeat(redis, schedulerId, boxId, Math.floor(config.scheduler.leaseTtlMs / 3));
  const stopWaiting = new AbortController();
  let scheduler: Scheduler | undefined;
  const lease = new Lease({
    redis,
    boxId,
    schedulerId,
    ttlMs: config.scheduler.leaseTtlMs,
    log,
    // Another scheduler runs this box now: stop touching it, and exit so a supervisor restarts us as standby.
    onLost: () => void scheduler?.abandon().finally(() => process.exit(1)),
  });
  const metricsServer = await startMetricsServer(metrics.registry, env.SCHEDULER_METRICS_HOST, env.SCHEDULER_METRICS_PORT, () => ({
    schedulerId,
    boxId,
    role: lease.isHeld ? 'active' : 'standby',
  }));
  const graceMs = env.SCHEDULER_SHUTDOWN_GRACE_S * 1000;
  const shutdown = new Shutdown(log)
    .add({ name: 'standby wait', run: () => stopWaiting.abort() })
    .add({ name: 'scheduler', run: () => scheduler?.close(graceMs), timeoutMs: graceMs + 15_000 })
    .add({ name: 'lease', run: () => lease.release() })
    .add({ name: 'heartbeat', run: () => heartbeat.stop() })
    .add({ name: 'metrics server', run: () => new Promise((resolve) => metricsServer.close(resolve)) })
    .add({ name: 'redis', run: () => redis.quit() });
  shutdown.onSignals();

  log.info({ schedulerId, boxId, metrics: `http://${env.SCHEDULER_METRICS_HOST}:${(metricsServer.address() as AddressInfo).port}/metrics` }, 'scheduler starting');
  heartbeat.start();
  const active = (async () => {
    // The heartbeat says standby before the log does: whoever reads the log finds Redis agreeing.
    await lease.acquire(stopWaiting.signal, () => heartbeat.setRole('standby').catch((err: unknown) => log.warn({ err }, 'could not record the standby heartbeat')));
    if (stopWaiting.signal.aborted) return undefined;
    await heartbeat.setRole('active');
    scheduler = new Scheduler({
      config,
      gpus,
      connection: bullConnection(env.REDIS_URL),
      redis,
      executors: executorsFor({ config, boxId, log, solveServers, clusterNodeOf: (gpuId) => cluster?.nodeOf(gpuId) }),
      ...(solveServers ? { solveServers } : {}),
      lease,
      schedulerId,
      boxId,
      metrics,
      ...(monitor ? { smi: monitor } : {}),
      ...(cluster ? { cluster } : {}),
      log,
    });
    await scheduler.start();
    return scheduler;
  })();
  return { shutdown, active };
}
