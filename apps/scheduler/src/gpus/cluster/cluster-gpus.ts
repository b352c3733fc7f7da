// A Kubernetes cluster's GPU nodes as this box's GPUs: read when the scheduler starts (nodes by
// config's label selector), then followed every pollIntervalMs. A node that joins adds its GPUs; a
// node cordoned or not Ready drains its GPUs with that reason; a node gone (a scale-down, or no
// longer matching the selector) takes its GPUs out of the inventory once no job of ours holds any
// of them (drained with the reason until then); a GPU HAMi calls unhealthy or cordoned drains alone;
// what other pods hold on the nodes is "not ours". When the API does not answer, the GPUs keep
// their last state.
import type { CoreV1Api, V1Node, V1Pod } from '@kubernetes/client-node';
import type { ClusterGpusConfig } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import type { GpuSpec } from '../../core/gpu-spec.js';
import type { VramLedger } from '../../core/ledger.js';
import type { GpuHealth } from '../gpu-health.js';
import { kubeApi } from './kube-config.js';
import { messageOf } from './kube-errors.js';
import { gpusOfNode, whyHamiGpuUnavailable, whyNodeUnavailable, type NodeGpu } from './node-gpus.js';
import { otherPodsGpuUse, type NodeGpuUse } from './other-pods.js';

/** Pods that hold GPUs: bound and not ended. */
const LIVE_PODS = 'status.phase!=Succeeded,status.phase!=Failed';

/** What following the cluster changes, and how. */
export interface ClusterFollower {
  ledger: VramLedger;
  health: GpuHealth;
  /** This box's pods (its jobs, already in the ledger); every other pod's GPU use is not ours. */
  isOurs: (pod: V1Pod) => boolean;
  /** A GPU of a node that joined, as the ledger should keep it (its label, its headroom). */
  prepare: (spec: GpuSpec) => GpuSpec;
  /** After a reading changed what can be placed. */
  onChange: () => void;
}

export class ClusterGpus {
  private timer: NodeJS.Timeout | undefined;
  private isPolling = false;
  private failing: string | undefined;
  /** Nodes that match but offer no GPU gpuq can schedule (yet: labels may come later), with why: said once. */
  private readonly unusable = new Map<string, string>();

  private constructor(
    private readonly core: CoreV1Api,
    private readonly config: ClusterGpusConfig,
    /** Each GPU known, by gpuq's id. */
    private readonly gpus: Map<string, NodeGpu>,
    private readonly log: Logger,
    /** Every kind runs whole GPUs (gpuSharing whole): one job per GPU, HAMi's or not. */
    private readonly isWholeOnly: boolean,
  ) {}

  /**
   * Reads the GPU nodes; fails, saying what it found, when none offers a GPU gpuq can schedule.
   * `isWholeOnly`: the Jobs ask for whole GPUs (gpuSharing whole), so even a GPU HAMi could share
   * takes one job at a time.
   */
  static async read(config: ClusterGpusConfig, log: Logger, isWholeOnly = false): Promise<ClusterGpus> {
    const { core, server } = kubeApi(config.kubeconfig);
    let nodes: V1Node[];
    try {
      nodes = (await core.listNode({ labelSelector: config.nodeSelector })).items;
    } catch (err) {
      throw new Error(`cannot list the cluster's GPU nodes at ${server} (nodeSelector ${config.nodeSelector}): ${messageOf(err)}`, { cause: err });
    }
    const read = nodes.map(gpusOfNode);
    for (const { node, problem } of read) if (problem) log.warn({ node, problem }, 'a GPU node offers no GPU gpuq can schedule');
    const gpus = read.flatMap((r) => r.gpus);
    if (gpus.length === 0) {
      const found = read.map((r) => `${r.node}: ${r.problem}`).join('; ');
      throw new Error(`no GPU to schedule at ${server}: ${nodes.length} node(s) match nodeSelector ${config.nodeSelector}${found ? ` (${found})` : ''}`);
    }
    log.info({ server, gpus: gpus.map((g) => `${g.id}:${g.name ?? 'GPU'}:${g.totalMb}MiB${g.sharing === 'hami' ? `:hami×${g.maxJobs}` : ''}`) }, "found the cluster's GPUs");
    const cluster = new ClusterGpus(core, config, new Map(gpus.map((g) => [g.id, g])), log, isWholeOnly);
    for (const { node, problem } of read) if (problem) cluster.unusable.set(node, problem);
    return cluster;
  }

  /** The GPUs to schedule, as the ledger keeps them. */
  specs(): GpuSpec[] {
    return [...this.gpus.values()].map((g) => this.specOf(g));
  }

  /** The node a GPU sits on, by gpuq's id (the Job's node affinity), as the cluster is now. */
  nodeOf(gpuId: string): string | undefined {
    return this.gpus.get(gpuId)?.node;
  }

  /** Polls until stop(). */
  follow(follower: ClusterFollower): void {
    const poll = async () => {
      if (this.isPolling) return;
      this.isPolling = true;
      try {
        const [nodes, pods] = await Promise.all([this.core.listNode({ labelSelector: this.config.nodeSelector }), this.core.listPodForAllNamespaces({ fieldSelector: LIVE_PODS })]);
        this.recover();
        if (this.apply(nodes.items, otherPodsGpuUse(pods.items, follower.isOurs), follower)) follower.onChange();
      } catch (err) {
        this.fail(messageOf(err));
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
  private apply(nodes: readonly V1Node[], others: ReadonlyMap<string, NodeGpuUse>, { ledger, health, prepare }: ClusterFollower): boolean {
    const byName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]));
    let changed = this.addJoined(nodes, ledger, prepare);
    const onNode = new Map<string, NodeGpu[]>();
    for (const gpu of this.gpus.values()) {
      const gpus = onNode.get(gpu.node) ?? [];
      onNode.set(gpu.node, gpus);
      gpus.push(gpu);
    }
    for (const [name, gpus] of onNode) {
      const node = byName.get(name);
      if (!node && this.removeLeft(name, gpus, ledger, health)) {
        changed = true;
        continue;
      }
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
    return changed;
  }

  /**
   * The GPUs of a node that left, out of the ledger once no job of ours holds any of them (until
   * then they stay, drained); a node that comes back is added again. True when they left.
   */
  private removeLeft(name: string, gpus: readonly NodeGpu[], ledger: VramLedger, health: GpuHealth): boolean {
    if (gpus.some((gpu) => (ledger.capacity(gpu.id)?.jobs ?? 0) > 0)) return false;
    for (const gpu of gpus) {
      ledger.removeGpu(gpu.id);
      health.forget(gpu.id);
      this.gpus.delete(gpu.id);
    }
    this.log.info({ node: name, gpus: gpus.map((g) => g.id) }, `node ${name} left the cluster, or no longer matches nodeSelector ${this.config.nodeSelector}: its GPUs are no longer scheduled`);
    return true;
  }

  /** The GPUs of nodes not seen before, added to the ledger; true when any was. */
  private addJoined(nodes: readonly V1Node[], ledger: VramLedger, prepare: (spec: GpuSpec) => GpuSpec): boolean {
    const known = new Set([...this.gpus.values()].map((g) => g.node));
    let added = false;
    for (const node of nodes) {
      const name = node.metadata?.name ?? '';
      if (known.has(name)) continue;
      const read = gpusOfNode(node);
      if (read.gpus.length === 0) {
        const problem = read.problem ?? 'no GPU';
        if (this.unusable.get(name) !== problem) this.log.warn({ node: name, problem }, 'a GPU node offers no GPU gpuq can schedule');
        this.unusable.set(name, problem);
        continue;
      }
      this.unusable.delete(name);
      for (const gpu of read.gpus) {
        this.gpus.set(gpu.id, gpu);
        ledger.addGpu(prepare(this.specOf(gpu)));
      }
      this.log.info({ node: name, gpus: read.gpus.map((g) => `${g.id}:${g.totalMb}MiB`) }, 'a GPU node joined the cluster: its GPUs are scheduled');
      added = true;
    }
    return added;
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

  /** A GPU as the ledger keeps it; one job at a time where the Jobs take whole GPUs. */
  private specOf(g: NodeGpu): GpuSpec {
    return { id: g.id, totalMb: g.totalMb, ...(g.uuid ? { uuid: g.uuid } : {}), ...(g.name ? { name: g.name } : {}), isSimulated: false, maxJobs: this.isWholeOnly ? 1 : g.maxJobs };
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

