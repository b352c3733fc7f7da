// The kubernetes executor: one batch/v1 Job per attempt on the node of the GPU gpuq chose. The
// kind's container adapter writes the attempt's directory on a volume the Job's pod mounts, and
// reads the outcome from it; the pod's log is the job's log. One watch per namespace (the box's
// label) tells every attempt how its Job and pods are doing; a restarted scheduler finds its Jobs
// by name (the same for the same attempt, so a second create is refused) and follows them on.
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { Log, type V1Job, type V1Pod } from '@kubernetes/client-node';
import type { KubernetesExecutorConfig } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import { isHandedOver, JobFailure, type ExecutionHooks, type ExecutionRequest, type Executor } from '../executor.js';
import { CONTAINER, JOB_ID_ANNOTATION, jobManifest, jobName, LABELS } from './job-manifest.js';
import { keepArtifacts, prepareTask, writeAttemptDir, type ContainerAdapter, type ContainerOutcome } from '../container-attempt.js';
import { kubeApi, type KubeApi, type NodeOf } from '../../gpus/cluster/kube-config.js';
import { messageOf, statusOf } from '../../gpus/cluster/kube-errors.js';
import { ResourceWatch } from './namespace-watch.js';
import { attemptState, isDisrupted, type AttemptState } from './pod-state.js';

const KEPT_LOG_BYTES = 256 * 1024;
const TAIL_LINES = 20_000;
/** The pod label the Job controller sets (Kubernetes 1.27+; `job-name` before, still set). */
const JOB_NAME_LABELS = ['batch.kubernetes.io/job-name', 'job-name'];

const lastLines = (logs: string, n = 5) => logs.trim().split('\n').slice(-n).join(' | ');

export class KubernetesExecutor implements Executor {
  private readonly api: KubeApi;
  private readonly localDir: string;
  private readonly listeners = new Set<() => void>();
  readonly jobs: ResourceWatch<V1Job>;
  readonly pods: ResourceWatch<V1Pod>;

  constructor(
    private readonly config: KubernetesExecutorConfig,
    private readonly adapter: ContainerAdapter,
    private readonly artifactsDir: string,
    private readonly boxId: string,
    private readonly log: Logger,
    /** The node of a GPU read from the cluster (config's `cluster`), as the cluster is now. */
    private readonly clusterNodeOf: NodeOf = () => undefined,
  ) {
    this.api = kubeApi(config.kubeconfig);
    this.localDir = resolve(config.volume.localDir);
    const ns = config.namespace;
    const selector = `${LABELS.box}=${boxId}`;
    const changed = () => {
      for (const listener of this.listeners) listener();
    };
    this.jobs = new ResourceWatch<V1Job>(this.api.config, `/apis/batch/v1/namespaces/${ns}/jobs`, selector, (labelSelector) => this.api.batch.listNamespacedJob({ namespace: ns, labelSelector }), changed, log);
    this.pods = new ResourceWatch<V1Pod>(this.api.config, `/api/v1/namespaces/${ns}/pods`, selector, (labelSelector) => this.api.core.listNamespacedPod({ namespace: ns, labelSelector }), changed, log);
  }

  async check(): Promise<string | undefined> {
    try {
      await this.api.batch.listNamespacedJob({ namespace: this.config.namespace, limit: 1 });
    } catch (err) {
      return `the Kubernetes API at ${this.api.server} does not list Jobs in namespace ${this.config.namespace}: ${messageOf(err)}`;
    }
    return undefined;
  }

  async run(job: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks): Promise<unknown> {
    signal.throwIfAborted();
    const task = prepareTask(this.adapter, job.input);
    const node = this.config.gpuNodes[job.gpu.id] ?? this.clusterNodeOf(job.gpu.id);
    if (!node) throw new JobFailure('worker_error', `config kinds' kubernetes executor names no node for ${job.gpu.id} in gpuNodes`, false);
    if (this.config.gpuSharing === 'hami' && !job.gpu.uuid) {
      const why = this.clusterNodeOf(job.gpu.id) !== undefined ? `its node ${node} has no HAMi device annotation (hami.io/node-nvidia-register)` : 'config gives it none';
      throw new JobFailure('worker_error', `gpuSharing hami pins a job to its GPU by UUID, and ${job.gpu.id} has none: ${why}`, false);
    }
    const name = jobName(job.jobId, job.attempt);
    const handle = `${this.config.namespace}/${name}`;
    await this.startWatching();
    // A Job for this attempt already there (a scheduler started it and stopped): follow it, never overwrite its files.
    const existing = await this.readJob(name);
    if (existing) return this.follow(name, job, signal, hooks, handle, 'attached');
    const dir = join(this.localDir, name);
    await writeAttemptDir(dir, task);
    const manifest = jobManifest(this.config, { job, name, subPath: name, node, args: task.args, boxId: this.boxId, ...(job.timeoutMs ? { timeoutMs: job.timeoutMs } : {}) });
    try {
      await this.api.batch.createNamespacedJob({ namespace: this.config.namespace, body: manifest });
    } catch (err) {
      if (statusOf(err) !== 409) {
        await rm(dir, { recursive: true, force: true });
        throw new JobFailure('worker_unavailable', `could not create the Kubernetes Job ${handle}: ${messageOf(err)}`, true);
      }
      this.log.info({ jobId: job.jobId, k8sJob: name }, 'the Job for this attempt exists already (409): following it');
    }
    return this.follow(name, job, signal, hooks, handle, 'created');
  }

  async attach(handle: string, job: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks): Promise<{ result: unknown } | undefined> {
    const [namespace, name] = handle.split('/');
    if (namespace !== this.config.namespace || !name) return undefined;
    const existing = await this.readJob(name);
    if (existing?.metadata?.annotations?.[JOB_ID_ANNOTATION] !== job.jobId) return undefined;
    await this.startWatching();
    return { result: await this.follow(name, job, signal, hooks, handle, 'attached') };
  }

  private async startWatching(): Promise<void> {
    try {
      await Promise.all([this.jobs.start(), this.pods.start()]);
    } catch (err) {
      throw new JobFailure('worker_unavailable', `could not list Jobs and pods in namespace ${this.config.namespace} at ${this.api.server}: ${messageOf(err)}`, true);
    }
  }

  private async readJob(name: string): Promise<V1Job | undefined> {
    try {
      return await this.api.batch.readNamespacedJob({ name, namespace: this.config.namespace });
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw new JobFailure('worker_unavailable', `could not read the Kubernetes Job ${this.config.namespace}/${name}: ${messageOf(err)}`, true);
    }
  }

  private podsOf(name: string): V1Pod[] {
    return [...this.pods.items.values()].filter((pod) => JOB_NAME_LABELS.some((label) => pod.metadata?.labels?.[label] === name));
  }

  /** Follows the attempt's Job through the watch until it ends; its output collected, or a JobFailure. */
  private async follow(name: string, job: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks, handle: string, how: 'created' | 'attached'): Promise<unknown> {
    const log = this.log.child({ jobId: job.jobId, k8sJob: name });
    const dir = join(this.localDir, name);
    hooks.onHandle(handle);
    if (how === 'attached') log.info('re-attached to a Kubernetes Job a previous scheduler created');
    // The log before a takeover was recorded by the scheduler that followed it: from now on.
    const logsSince = how === 'attached' ? new Date().toISOString() : undefined;
    const followed = new Map<string, LogFollow>();
    const disrupted = new Set<string>();
    let unschedulableSince: number | undefined;
    let lastWaiting: string | undefined;
    let wake: () => void = () => undefined;
    const listener = () => wake();
    this.listeners.add(listener);
    const onAbort = () => wake();
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      for (;;) {
        const changed = new Promise<void>((resolve) => (wake = resolve));
        if (signal.aborted) {
          if (isHandedOver(signal)) throw signal.reason;
          log.info('stopping: deleting the Kubernetes Job');
          await this.cleanUp(name, dir, true, log);
          throw signal.reason;
        }
        const k8sJob = this.jobs.items.get(name);
        const pods = this.podsOf(name);
        for (const pod of pods.filter(isDisrupted)) {
          const podName = pod.metadata!.name!;
          if (disrupted.has(podName)) continue;
          disrupted.add(podName);
          const why = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
          hooks.onLog?.(`gpuq: pod ${podName} was disrupted (${why?.reason ?? 'DisruptionTarget'}: ${why?.message ?? ''}); Kubernetes starts another, no attempt spent\n`);
        }
        if (!k8sJob) {
          // Not in the watch yet (just created), or gone: a Job deleted under us ends the attempt, to be retried.
          if (!(await this.readJob(name))) throw new JobFailure('worker_error', `the Kubernetes Job ${handle} was deleted before it finished`, true);
        }
        const state: AttemptState = k8sJob ? attemptState(k8sJob, pods, this.config.image, this.config.memoryMb) : { state: 'waiting', reason: 'creating the Job', isUnschedulable: false };
        if ((state.state === 'running' || state.state === 'exited') && hooks.onLog && !followed.has(state.pod)) {
          followed.set(state.pod, this.followLog(state.pod, logsSince, (text) => hooks.onLog?.(text), log));
        }
        if (state.state === 'waiting') {
          if (state.reason && state.reason !== lastWaiting) {
            lastWaiting = state.reason;
            hooks.onProgress({ stage: 'waiting', reason: state.reason });
            hooks.onLog?.(`gpuq: waiting for Kubernetes: ${state.reason}\n`);
          }
          if (state.isUnschedulable) {
            unschedulableSince ??= Date.now();
            const waitedMs = Date.now() - unschedulableSince;
            if (waitedMs >= this.config.unschedulableTimeoutMs) {
              await this.cleanUp(name, dir, true, log);
              throw new JobFailure('worker_unavailable', `no node could take the pod for ${Math.round(waitedMs / 1000)} s (${state.reason})`, true);
            }
            clearTimeout(timer);
            timer = setTimeout(listener, this.config.unschedulableTimeoutMs - waitedMs);
          } else unschedulableSince = undefined;
        } else if (lastWaiting !== undefined) {
          lastWaiting = undefined;
          hooks.onProgress({ stage: 'running' });
        }
        if (state.state === 'exited') {
          await Promise.all([...followed.values()].map((f) => f.finished()));
          const logs = await this.podLog(state.pod, log);
          let outcome: ContainerOutcome;
          try {
            outcome = await this.adapter.collect(dir, logs, state.exitCode, job);
          } catch (err) {
            await this.cleanUp(name, dir, false, log);
            throw err;
          }
          const artifacts = await keepArtifacts(this.artifactsDir, job.jobId, dir, outcome.artifacts);
          await this.cleanUp(name, dir, true, log);
          return { ...(outcome.result as object), artifacts };
        }
        if (state.state === 'failed') {
          await Promise.all([...followed.values()].map((f) => f.finished()));
          const tail = state.pod ? lastLines(await this.podLog(state.pod, log)) : '';
          const { failure } = state;
          await this.cleanUp(name, dir, false, log);
          throw new JobFailure(failure.code, `${failure.message}${tail ? `; the log ends: ${tail}` : ''}`, failure.isRetryable, failure.needsMoreVram);
        }
        await changed;
      }
    } finally {
      clearTimeout(timer);
      this.listeners.delete(listener);
      signal.removeEventListener('abort', onAbort);
      for (const f of followed.values()) f.stop();
    }
  }

  /** The pod's log as it is written, to the job's log; `finished` waits briefly for its end. */
  private followLog(pod: string, sinceTime: string | undefined, onLog: (text: string) => void, log: Logger): LogFollow {
    let controller: AbortController | undefined;
    let end: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        onLog(chunk.toString('utf8'));
        done();
      },
      final(done) {
        end();
        done();
      },
    });
    sink.on('close', () => end());
    new Log(this.api.config)
      .log(this.config.namespace, pod, CONTAINER, sink, { follow: true, ...(sinceTime ? { sinceTime } : {}) })
      .then((c) => (controller = c))
      .catch((err: unknown) => {
        log.warn({ err: messageOf(err), pod }, "could not follow the pod's log: the job's log stays without it");
        end();
      });
    return {
      finished: () => Promise.race([ended, new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref())]),
      stop: () => controller?.abort(),
    };
  }

  /** The end of the pod's log, for the adapter and for failure messages. */
  private async podLog(pod: string, log: Logger): Promise<string> {
    try {
      const text = await this.api.core.readNamespacedPodLog({ name: pod, namespace: this.config.namespace, container: CONTAINER, tailLines: TAIL_LINES });
      return text.slice(-KEPT_LOG_BYTES);
    } catch (err) {
      log.warn({ err: messageOf(err), pod }, "could not read the pod's log");
      return '';
    }
  }

  private async cleanUp(name: string, dir: string, isSuccess: boolean, log: Logger): Promise<void> {
    if (!isSuccess && this.config.keepOnFailure) {
      log.warn({ dir }, 'kept the failed attempt’s Kubernetes Job and directory (keepOnFailure)');
      return;
    }
    try {
      // In the body as well as the query: a body without it wins over the query (kubernetes-client/javascript#2698),
      // and without it a batch/v1 Job's pods are orphaned.
      await this.api.batch.deleteNamespacedJob({ name, namespace: this.config.namespace, propagationPolicy: 'Background', body: { propagationPolicy: 'Background' } });
    } catch (err) {
      // Gone already is fine; anything else is left to ttlSecondsAfterFinished.
      if (statusOf(err) !== 404) log.warn({ err: messageOf(err) }, 'could not delete the Kubernetes Job: ttlSecondsAfterFinished removes it');
    }
    await rm(dir, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    // Jobs keep running: a successor scheduler re-attaches to them by name.
    this.jobs.close();
    this.pods.close();
  }
}

interface LogFollow {
  finished(): Promise<void>;
  stop(): void;
}
