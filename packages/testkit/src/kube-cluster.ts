// The stand-in's cluster behind the API: a Job controller (one pod per Job, backoffLimit,
// podFailurePolicy, activeDeadlineSeconds, deletion with propagation), a scheduler (node affinity,
// `nvidia.com/gpu`, HAMi's `nvidia.com/gpumem` and GPU-UUID annotation) and a kubelet that either
// runs a container's entrypoint as a local process (hostPath and emptyDir mounts mapped to local
// directories) or, for an image with no entrypoint, holds it running until the test ends it.
// Status objects follow real pods' and Jobs' (sources cited at each); see docs/contracts/kubernetes.md.
import { randomBytes, randomUUID } from 'node:crypto';
import { startContainerProcess, type ContainerProcess } from './kube-container-process.js';
import { fitPod, type GpuUse, type StandInNode } from './kube-scheduler-fit.js';
import type { Job, Pod } from './kube-objects.js';
import { nodeObject } from './kube-nodes.js';

export type { StandInNode } from './kube-scheduler-fit.js';
import type { KubeObject, KubeStore } from './kube-store.js';

export interface StandInImage {
  /** The image's entrypoint as a local program; absent, the container runs until the test ends it. */
  entrypoint?: string[];
  env?: Record<string, string>;
}

export interface PodEnd {
  exitCode: number;
  /** The container's terminated reason: `Completed` (0) or `Error` unless given (`OOMKilled`). */
  reason?: string;
}


const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
const JOB_NAME = 'batch.kubernetes.io/job-name';

interface Running {
  process?: ContainerProcess;
  gpu?: string;
  /** HAMi's slice of it; absent for a whole GPU. */
  gpumemMb?: number;
  node: string;
}

export class KubeCluster {
  /** Successful creates per Job name: a second create of one name is a 409, never counted here. */
  readonly jobCreates = new Map<string, number>();
  /** Each pod's log, in order. */
  readonly logs = new Map<string, string>();
  private readonly logListeners = new Map<string, Set<(text: string | null) => void>>();
  private readonly running = new Map<string, Running>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly placements = new Map<string, { node: string; gpu?: string }>();
  private readonly podNamespaces = new Set<string>();

  /** Pods a test runs on a node as another team's would (runPod): held running, no image needed. */
  private readonly otherPods = new Set<string>();
  private readonly nodes: StandInNode[];

  constructor(
    private readonly store: KubeStore,
    nodes: readonly StandInNode[],
    private readonly images: Readonly<Record<string, StandInImage>>,
  ) {
    this.nodes = nodes.map((n) => ({ ...n }));
    for (const node of this.nodes) this.putNode(node);
  }

  // ---- nodes ----

  /** `kubectl cordon` (or uncordon): new pods do not go to the node. */
  cordon(nodeName: string, isCordoned = true): void {
    this.putNode(Object.assign(this.node(nodeName), { isCordoned }));
  }

  /** The node's kubelet stops (or starts again) posting its status. */
  setReady(nodeName: string, isReady: boolean): void {
    this.putNode(Object.assign(this.node(nodeName), { isNotReady: !isReady }));
  }

  /** A node joins the cluster (a scale-up), Ready, with its labels or HAMi's annotation. */
  addNode(node: StandInNode): void {
    const joined = { ...node };
    this.nodes.push(joined);
    this.putNode(joined);
  }

  /** Changes how the node tells its GPUs (GPU feature discovery labelling a node that joined, say). */
  setGpuLabels(nodeName: string, gpuLabels: StandInNode['gpuLabels']): void {
    this.putNode(Object.assign(this.node(nodeName), { gpuLabels }));
  }

  /** Removes the node (`kubectl delete node`, a scale-down): no pod goes there any more. */
  removeNode(nodeName: string): void {
    this.nodes.splice(this.nodes.indexOf(this.node(nodeName)), 1);
    this.store.delete('nodes', '', nodeName);
  }

  private node(nodeName: string): StandInNode {
    const node = this.nodes.find((n) => n.name === nodeName);
    if (!node) throw new Error(`the stand-in has no node ${nodeName}`);
    return node;
  }

  private putNode(node: StandInNode): void {
    this.store.put('nodes', nodeObject(node));
  }

  /**
   * A pod of another team on a node, bound through the scheduler and held running until deleted:
   * `gpus` whole GPUs (the device plugin's), or with HAMi a `gpumemMb` slice of the GPU `uuid`.
   */
  runPod(namespace: string, name: string, nodeName: string, want: { gpus?: number; gpumemMb?: number; uuid?: string; labels?: Record<string, string> }): void {
    const limits: Record<string, string> = { 'nvidia.com/gpu': String(want.gpus ?? 1), ...(want.gpumemMb !== undefined ? { 'nvidia.com/gpumem': String(want.gpumemMb) } : {}) };
    this.otherPods.add(name);
    this.podNamespaces.add(namespace);
    this.store.put('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, uid: randomUUID(), creationTimestamp: now(), labels: want.labels ?? { app: name }, annotations: want.uuid ? { 'nvidia.com/use-gpuuuid': want.uuid } : {} },
      spec: {
        containers: [{ name: 'main', image: 'registry.example.com/other:1', resources: { limits, requests: limits } }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] } } },
      },
      status: { phase: 'Pending', qosClass: 'Guaranteed' },
    });
    this.schedule(namespace, name);
  }

  // ---- Job controller ----

  createJob(namespace: string, body: Job): KubeObject {
    const job = body;
    job.metadata.namespace = namespace;
    job.metadata.uid = randomUUID();
    job.metadata.creationTimestamp = now();
    job.metadata.generation = 1;
    job.status = {};
    const stored = this.store.put('jobs', job);
    this.jobCreates.set(job.metadata.name, (this.jobCreates.get(job.metadata.name) ?? 0) + 1);
    this.later(() => this.startPod(namespace, job.metadata.name));
    const deadline = job.spec.activeDeadlineSeconds;
    if (deadline) this.later(() => this.deadlineExceeded(namespace, job.metadata.name), deadline * 1000);
    return stored;
  }

  /** The Job controller's pod: the template's labels plus the controller's own (pkg/controller/job, 1.27+). */
  private startPod(namespace: string, jobName: string): void {
    const job = this.store.get<Job>('jobs', namespace, jobName);
    if (!job || this.isFinished(job)) return;
    const template = job.spec.template;
    const uid = job.metadata.uid!;
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${jobName}-${randomBytes(3).toString('hex').slice(0, 5)}`,
        namespace,
        uid: randomUUID(),
        creationTimestamp: now(),
        labels: { ...(template.metadata?.labels ?? {}), [CONTROLLER_UID]: uid, [JOB_NAME]: jobName, 'controller-uid': uid, 'job-name': jobName },
        annotations: { ...(template.metadata?.annotations ?? {}) },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid, controller: true, blockOwnerDeletion: true }],
        finalizers: ['batch.kubernetes.io/job-tracking'],
      },
      spec: structuredClone(template.spec),
      status: { phase: 'Pending', qosClass: 'Guaranteed' },
    };
    this.podNamespaces.add(namespace);
    this.store.put('pods', pod);
    this.store.update<Job>('jobs', namespace, jobName, (j) => {
      j.status = { ...j.status, active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {}, startTime: j.status.startTime ?? now() };
    });
    this.later(() => this.schedule(namespace, pod.metadata.name));
  }

  private isFinished(job: Job): boolean {
    return (job.status.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  }

  /** A pod reached a terminal phase: the Job controller's verdict (pkg/controller/job/job_controller.go, pod_failure_policy.go). */
  private podEnded(namespace: string, podName: string): void {
    const pod = this.store.get<Pod>('pods', namespace, podName);
    const jobName = pod?.metadata.labels?.[JOB_NAME];
    const job = jobName ? this.store.get<Job>('jobs', namespace, jobName) : undefined;
    if (!pod || !job || this.isFinished(job)) return;
    const status = pod.status;
    const spec = job.spec;
    if (status.phase === 'Succeeded') {
      const at = now();
      this.store.update<Job>('jobs', namespace, jobName!, (j) => {
        j.status = {
          ...j.status,
          active: 0,
          ready: 0,
          succeeded: 1,
          completionTime: at,
          // SuccessCriteriaMet first, then Complete (Kubernetes 1.31+: "Job termination and cleanup").
          conditions: [
            { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: at, lastTransitionTime: at, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
            { type: 'Complete', status: 'True', lastProbeTime: at, lastTransitionTime: at, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
          ],
        };
      });
      this.expireAfterTtl(namespace, jobName!);
      return;
    }
    const terminated = (status.containerStatuses ?? [])[0]?.state?.terminated;
    const rules = (spec.podFailurePolicy?.rules ?? []);
    for (const [index, rule] of rules.entries()) {
      const byCondition = (rule.onPodConditions ?? []).some((p) => (status.conditions ?? []).some((c) => c.type === p.type && c.status === (p.status ?? 'True')));
      const codes = rule.onExitCodes;
      const byExit =
        codes !== undefined &&
        terminated !== undefined &&
        terminated.exitCode !== 0 &&
        (codes.operator === 'In' ? (codes.values).includes(terminated.exitCode) : !(codes.values).includes(terminated.exitCode));
      if (!byCondition && !byExit) continue;
      if (rule.action === 'Ignore') {
        // Not counted against backoffLimit; a replacement pod is made.
        this.store.update<Job>('jobs', namespace, jobName!, (j) => {
          j.status = { ...j.status, active: 0, ready: 0 };
        });
        this.later(() => this.startPod(namespace, jobName!));
        return;
      }
      if (rule.action === 'FailJob') {
        const container = (status.containerStatuses ?? [])[0]?.name ?? 'worker';
        // The message pod_failure_policy.go writes.
        this.failJob(namespace, jobName!, 'PodFailurePolicy', `Container ${container} for pod ${namespace}/${podName} failed with exit code ${terminated?.exitCode} matching FailJob rule at index ${index}`);
        return;
      }
      break; // Count: the default below
    }
    const failed = (job.status.failed ?? 0) + 1;
    if (failed > (spec.backoffLimit ?? 6)) this.failJob(namespace, jobName!, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', failed);
    else this.later(() => this.startPod(namespace, jobName!));
  }

  /** FailureTarget, then Failed, with the same reason and message (Kubernetes 1.31+). */
  private failJob(namespace: string, jobName: string, reason: string, message: string, failed = 1): void {
    const at = now();
    this.store.update<Job>('jobs', namespace, jobName, (j) => {
      j.status = {
        ...j.status,
        active: 0,
        ready: 0,
        failed,
        conditions: [
          { type: 'FailureTarget', status: 'True', lastProbeTime: at, lastTransitionTime: at, reason, message },
          { type: 'Failed', status: 'True', lastProbeTime: at, lastTransitionTime: at, reason, message },
        ],
      };
    });
    this.expireAfterTtl(namespace, jobName);
  }

  /** The TTL-after-finished controller: a finished Job with ttlSecondsAfterFinished is deleted (its pods with it) that long after. */
  private expireAfterTtl(namespace: string, jobName: string): void {
    const ttl = this.store.get<Job>('jobs', namespace, jobName)?.spec.ttlSecondsAfterFinished;
    if (ttl !== undefined) this.later(() => this.deleteJob(namespace, jobName, 'Background'), ttl * 1000);
  }

  /** activeDeadlineSeconds passed: the Job fails with DeadlineExceeded and its running pods are killed and deleted. */
  private deadlineExceeded(namespace: string, jobName: string): void {
    const job = this.store.get<Job>('jobs', namespace, jobName);
    if (!job || this.isFinished(job)) return;
    this.failJob(namespace, jobName, 'DeadlineExceeded', 'Job was active longer than specified deadline');
    for (const pod of this.store.list<Pod>('pods', namespace, [{ key: JOB_NAME, value: jobName, isEqual: true }])) {
      this.deletePod(namespace, pod.metadata.name);
    }
  }

  /** DELETE of a Job: its pods go too unless propagationPolicy is Orphan, the default for batch/v1 Jobs. */
  deleteJob(namespace: string, name: string, propagationPolicy: string | null): KubeObject | undefined {
    const deleted = this.store.delete('jobs', namespace, name);
    if (deleted && propagationPolicy && propagationPolicy !== 'Orphan') {
      for (const pod of this.store.list<Pod>('pods', namespace, [{ key: JOB_NAME, value: name, isEqual: true }])) this.deletePod(namespace, pod.metadata.name);
    }
    return deleted;
  }

  deletePod(namespace: string, name: string): void {
    this.stopContainer(name);
    this.store.delete('pods', namespace, name);
  }

  // ---- scheduler ----

  /** Places a pending pod (kube-scheduler-fit.ts), or marks it PodScheduled=False, Unschedulable. */
  private schedule(namespace: string, podName: string): void {
    const pod = this.store.get<Pod>('pods', namespace, podName);
    if (!pod || pod.spec.nodeName) return;
    const uses: GpuUse[] = [...this.running.values()].flatMap((r) => (r.gpu ? [{ node: r.node, gpu: r.gpu, ...(r.gpumemMb !== undefined ? { gpumemMb: r.gpumemMb } : {}) }] : []));
    const fit = fitPod(pod, this.nodes, uses);
    if ('node' in fit) {
      this.bind(namespace, podName, fit.node, fit.gpu, fit.gpumemMb);
      return;
    }
    this.store.update<Pod>('pods', namespace, podName, (p) => {
      p.status.conditions = [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: now(), reason: 'Unschedulable', message: fit.message }];
    });
  }

  private bind(namespace: string, podName: string, node: StandInNode, gpu: string | undefined, gpumemMb: number | undefined): void {
    this.running.set(podName, { node: node.name, ...(gpu ? { gpu } : {}), ...(gpumemMb !== undefined ? { gpumemMb } : {}) });
    this.placements.set(podName, { node: node.name, ...(gpu ? { gpu } : {}) });
    const at = now();
    const pod = this.store.update<Pod>('pods', namespace, podName, (p) => {
      p.spec.nodeName = node.name;
      // HAMi writes what it allocated on the pod (pkg/device/devices.go, EncodePodSingleDevice).
      if (gpu && gpumemMb !== undefined) p.metadata.annotations = { ...p.metadata.annotations, 'hami.io/vgpu-devices-allocated': `${gpu},NVIDIA,${gpumemMb},0:;` };
      const container = p.spec.containers[0]!;
      p.status = {
        phase: 'Pending',
        qosClass: 'Guaranteed',
        hostIP: '10.0.0.10',
        startTime: at,
        conditions: [
          { type: 'PodReadyToStartContainers', status: 'False', lastProbeTime: null, lastTransitionTime: at },
          { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: at },
          { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: at, reason: 'ContainersNotReady', message: `containers with unready status: [${container.name}]` },
          { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: at, reason: 'ContainersNotReady', message: `containers with unready status: [${container.name}]` },
          { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: at },
        ],
        containerStatuses: [{ name: container.name, image: container.image, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'ContainerCreating' } } }],
      };
    });
    if (pod) this.later(() => this.startContainer(namespace, podName));
  }

  // ---- kubelet ----

  private startContainer(namespace: string, podName: string): void {
    const pod = this.store.get<Pod>('pods', namespace, podName);
    const run = this.running.get(podName);
    if (!pod || !run) return;
    const container = pod.spec.containers[0]!;
    const image = this.images[container.image] ?? (this.otherPods.has(podName) ? {} : undefined);
    if (!image) {
      // The kubelet's pull failure, then its back-off (pkg/kubelet/images: ErrImagePull, ImagePullBackOff).
      this.setWaiting(namespace, podName, { reason: 'ErrImagePull', message: `failed to pull and unpack image "${container.image}": failed to resolve reference "${container.image}": not found` });
      this.later(() => this.setWaiting(namespace, podName, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${container.image}"` }), 50);
      return;
    }
    const startedAt = now();
    this.store.update<Pod>('pods', namespace, podName, (p) => {
      const status = p.status;
      status.phase = 'Running';
      for (const c of status.conditions ?? []) if (c.type !== 'PodScheduled' && c.type !== 'Initialized') Object.assign(c, { status: 'True', lastTransitionTime: startedAt, reason: undefined, message: undefined });
      status.podIP = '10.244.0.10';
      status.containerStatuses = [
        { name: container.name, image: container.image, imageID: `${container.image}@sha256:${'0'.repeat(64)}`, containerID: `containerd://${randomBytes(32).toString('hex')}`, ready: true, restartCount: 0, started: true, state: { running: { startedAt } } },
      ];
    });
    this.logs.set(podName, this.logs.get(podName) ?? '');
    if (image.entrypoint) {
      run.process = startContainerProcess(pod, image.entrypoint, image.env ?? {}, run.gpu, (text) => this.appendLog(podName, text), (exitCode) => {
        run.process?.stop(); // its emptyDirs
        run.process = undefined;
        this.endContainer(namespace, podName, { exitCode });
      });
    }
  }

  private setWaiting(namespace: string, podName: string, waiting: { reason: string; message: string }): void {
    this.store.update<Pod>('pods', namespace, podName, (p) => {
      const statuses = p.status.containerStatuses;
      if (statuses?.[0]?.state?.waiting) statuses[0].state = { waiting };
    });
  }

  appendLog(podName: string, text: string): void {
    this.logs.set(podName, (this.logs.get(podName) ?? '') + text);
    for (const listener of this.logListeners.get(podName) ?? []) listener(text);
  }

  /** Follows a pod's log: each new piece, then null when its container has ended. */
  onLog(podName: string, listener: (text: string | null) => void): () => void {
    const set = this.logListeners.get(podName) ?? new Set();
    set.add(listener);
    this.logListeners.set(podName, set);
    return () => set.delete(listener);
  }

  /** The container ends (the test's hand, or its process): terminated state, the pod's terminal phase, the Job's verdict. */
  endContainer(namespace: string, podName: string, end: PodEnd): void {
    const run = this.running.get(podName);
    const finishedAt = now();
    const pod = this.store.update<Pod>('pods', namespace, podName, (p) => {
      const status = p.status;
      const previous = status.containerStatuses![0]!;
      const reason = end.reason ?? (end.exitCode === 0 ? 'Completed' : 'Error');
      status.phase = end.exitCode === 0 ? 'Succeeded' : 'Failed';
      for (const c of status.conditions ?? []) {
        if (c.type === 'Ready' || c.type === 'ContainersReady') Object.assign(c, { status: 'False', lastTransitionTime: finishedAt, reason: end.exitCode === 0 ? 'PodCompleted' : 'PodFailed' });
        if (c.type === 'PodReadyToStartContainers') Object.assign(c, { status: 'False', lastTransitionTime: finishedAt });
      }
      status.containerStatuses = [
        {
          ...previous,
          ready: false,
          started: false,
          state: { terminated: { exitCode: end.exitCode, reason, startedAt: previous.state?.running?.startedAt ?? finishedAt, finishedAt, containerID: previous.containerID } },
        },
      ];
    });
    if (run) this.release(podName, run);
    else for (const listener of this.logListeners.get(podName) ?? []) listener(null);
    if (pod) this.later(() => this.podEnded(namespace, podName));
  }

  /** Stops a container's process, if it runs one, without a status of its own (the pod is going away). */
  private stopContainer(podName: string): void {
    const run = this.running.get(podName);
    if (!run) return;
    run.process?.stop();
    run.process = undefined;
    this.release(podName, run);
  }

  private release(podName: string, run: Running): void {
    this.running.delete(podName);
    run.process?.stop();
    for (const listener of this.logListeners.get(podName) ?? []) listener(null);
    // Room on a GPU: pending pods may fit now (the scheduler retries unschedulable pods on such events).
    this.later(() => {
      for (const namespace of this.podNamespaces) {
        for (const pod of this.store.list<Pod>('pods', namespace)) {
          if (!pod.spec.nodeName && pod.status.phase === 'Pending') this.schedule(namespace, pod.metadata.name);
        }
      }
    });
  }

  /**
   * The pod is evicted (a node drain, preemption): DisruptionTarget first, then the container
   * stopped (SIGTERM's 143) and the pod Failed. Reasons: https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-conditions
   */
  evict(namespace: string, podName: string): void {
    this.store.update<Pod>('pods', namespace, podName, (p) => {
      (p.status.conditions ??= []).push({ type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: now(), reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
    });
    this.stopContainer(podName);
    this.endContainer(namespace, podName, { exitCode: 143 });
  }

  /** Where a pod was bound: its node, and the GPU the device plugin (or HAMi) gave it. */
  placementOf(podName: string): { node: string; gpu?: string } | undefined {
    return this.placements.get(podName);
  }

  /** Pods bound to a GPU and still running there, by GPU UUID: how many share each. */
  podsOnGpu(uuid: string): number {
    return [...this.running.values()].filter((r) => r.gpu === uuid).length;
  }

  private later(action: () => void, ms = 5): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const [podName] of this.running) this.stopContainer(podName);
  }
}
