// A Kubernetes cluster's GPU nodes as this box's GPUs: read when the scheduler starts (nodes by
// config's label selector), then followed every pollIntervalMs. A node cordoned, not Ready or gone
// drains its GPUs with that reason; a GPU HAMi calls unhealthy or cordoned drains alone; what other
// pods hold on the nodes is "not ours". A node that joins later is logged: its GPUs are scheduled
// after a restart. When the API does not answer, the GPUs keep their last state.
import { CoreV1Api, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { ClusterGpusConfig } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import type { GpuSpec } from '../../core/gpu-spec.js';
import type { VramLedger } from '../../core/ledger.js';
import type { GpuHealth } from '../gpu-health.js';
import { loadKubeConfig } from './kube-config.js';
import { gpusOfNode, whyHamiGpuUnavailable, whyNodeUnavailable, type NodeGpu } from './node-gpus.js';
import { otherPodsGpuUse, type NodeGpuUse } from './other-pods.js';

/** Pods that hold GPUs: bound and not ended. */
const LIVE_PODS = 'status.phase!=Succeeded,status.phase!=Failed';

export class ClusterGpus {
  private timer: NodeJS.Timeout | undefined;
  private isPolling = false;
  private failing: string | undefined;
  private readonly joinedLater = new Set<string>();

  private constructor(
    private readonly core: CoreV1Api,
    private readonly config: ClusterGpusConfig,
    /** Each GPU as read at start, by gpuq's id. */
    private readonly gpus: ReadonlyMap<string, NodeGpu>,
    private readonly log: Logger,
  ) {}

  /** Reads the GPU nodes; fails, saying what it found, when none offers a GPU gpuq can schedule. */
  static async read(config: ClusterGpusConfig, log: Logger): Promise<ClusterGpus> {
    const kubeConfig = loadKubeConfig(config.kubeconfig);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const server = kubeConfig.getCurrentCluster()?.server ?? 'no cluster';
    let nodes: V1Node[];
    try {
      nodes = (await core.listNode({ labelSelector: config.nodeSelector })).items;
    } catch (err) {
      throw new Error(`cannot list the cluster's GPU nodes at ${server} (nodeSelector ${config.nodeSelector}): ${(err as Error).message}`, { cause: err });
    }
    const read = nodes.map(gpusOfNode);
    for (const { node, problem } of read) if (problem) log.warn({ node, problem }, 'a GPU node offers no GPU gpuq can schedule');
    const gpus = read.flatMap((r) => r.gpus);
    if (gpus.length === 0) {
      const found = read.map((r) => `${r.node}: ${r.problem}`).join('; ');
      throw new Error(`no GPU to schedule at ${server}: ${nodes.length} node(s) match nodeSelector ${config.nodeSelector}${found ? ` (${found})` : ''}`);
    }
    log.info({ server, gpus: gpus.map((g) => `${g.id}:${g.name ?? 'GPU'}:${g.totalMb}MiB${g.sharing === 'hami' ? `:hami×${g.maxJobs}` : ''}`) }, "found the cluster's GPUs");
    return new ClusterGpus(core, config, new Map(gpus.map((g) => [g.id, g])), log);
  }

  /** The GPUs to schedule, as the ledger keeps them. */
  specs(): GpuSpec[] {
    return [...this.gpus.values()].map((g) => ({ id: g.id, totalMb: g.totalMb, ...(g.uuid ? { uuid: g.uuid } : {}), ...(g.name ? { name: g.name } : {}), isSimulated: false, maxJobs: g.maxJobs }));
  }

  /** The node each GPU sits on, by gpuq's id: the Job's node affinity. */
  nodes(): Map<string, string> {
    return new Map([...this.gpus.values()].map((g) => [g.id, g.node]));
  }

  /** Polls until stop(); `isOurs` tells this box's pods from others'; `onChange` after what can be placed changed. */
  follow(ledger: VramLedger, health: GpuHealth, isOurs: (pod: V1Pod) => boolean, onChange: () => void): void {
    const poll = async () => {
      if (this.isPolling) return;
      this.isPolling = true;
      try {
        const [nodes, pods] = await Promise.all([this.core.listNode({ labelSelector: this.config.nodeSelector }), this.core.listPodForAllNamespaces({ fieldSelector: LIVE_PODS })]);
        this.recover();
        if (this.apply(nodes.items, otherPodsGpuUse(pods.items, isOurs), ledger, health)) onChange();
      } catch (err) {
        this.fail((err as Error).message);
      } finally {
        this.isPolling = false;
      }
    };
    this.timer = setInterval(() => void poll(), this.config.pollIntervalMs);
    void poll();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Applies one reading; true when what can be placed changed. */
  private apply(nodes: readonly V1Node[], others: ReadonlyMap<string, NodeGpuUse>, ledger: VramLedger, health: GpuHealth): boolean {
    const byName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]));
    let changed = false;
    const onNode = new Map<string, NodeGpu[]>();
    for (const gpu of this.gpus.values()) onNode.set(gpu.node, [...(onNode.get(gpu.node) ?? []), gpu]);
    for (const [name, gpus] of onNode) {
      const node = byName.get(name);
      const use = others.get(name);
      const notOurs = this.notOursOn(gpus, use, ledger);
      for (const gpu of gpus) {
        const before = ledger.capacity(gpu.id);
        const why = node ? (whyNodeUnavailable(node) ?? whyHamiGpuUnavailable(node, gpu)) : `node ${name} is gone from the cluster, or no longer matches nodeSelector ${this.config.nodeSelector}`;
        health.set(gpu.id, 'node', why);
        ledger.setNotOurs(gpu.id, notOurs.get(gpu.id) ?? 0);
        const after = ledger.capacity(gpu.id);
        if (after?.usableMb !== before?.usableMb || after?.drainedReason !== before?.drainedReason) changed = true;
      }
    }
    for (const node of nodes) {
      const name = node.metadata?.name ?? '';
      if (onNode.has(name) || this.joinedLater.has(name)) continue;
      this.joinedLater.add(name);
      if (gpusOfNode(node).gpus.length > 0) this.log.warn({ node: name }, 'a GPU node joined the cluster after the scheduler started: its GPUs are scheduled once the scheduler restarts');
    }
    return changed;
  }

  /**
   * MiB not ours on each GPU of one node. HAMi's slices are known by UUID. Whole GPUs only by
   * count: they are counted on the GPUs that run none of our jobs, from the node's last GPU down.
   */
  private notOursOn(gpus: readonly NodeGpu[], use: NodeGpuUse | undefined, ledger: VramLedger): Map<string, number> {
    const notOurs = new Map<string, number>();
    if (!use) return notOurs;
    let whole = use.wholeGpus;
    for (const gpu of [...gpus].reverse()) {
      if (gpu.sharing === 'hami') notOurs.set(gpu.id, (gpu.uuid && use.slicesMb.get(gpu.uuid)) || 0);
      else if (whole > 0 && (ledger.capacity(gpu.id)?.jobs ?? 0) === 0) {
        notOurs.set(gpu.id, gpu.totalMb);
        whole--;
      }
    }
    return notOurs;
  }

  private fail(message: string): void {
    if (this.failing !== message) this.log.warn({ problem: message }, "the cluster's nodes and pods cannot be read: the GPUs keep their last state until they can");
    this.failing = message;
  }

  private recover(): void {
    if (this.failing === undefined) return;
    this.log.info("the cluster's nodes and pods can be read again");
    this.failing = undefined;
  }
}
