// The stand-in scheduler's one decision: which node (and GPU) a pod fits on, or the message the
// real scheduler writes in the pod's `Unschedulable` condition ("0/N nodes are available: …", its
// FitError, as `kubectl describe pod` shows it). A node fits when the pod's required node affinity
// (`matchFields` on `metadata.name`) allows it, it is not cordoned, and a GPU has room: a whole GPU with no pod on it
// (`nvidia.com/gpu`), or, with HAMi, the GPU its `nvidia.com/use-gpuuuid` annotation names with
// `nvidia.com/gpumem` MiB still free beside the slices already on it.
import type { Pod } from './kube-objects.js';

export interface StandInNode {
  name: string;
  gpus: Array<{ uuid: string; memoryMb: number }>;
  /**
   * How the node tells its GPUs (kube-nodes.ts): GPU feature discovery's labels (`gfd`, the
   * default: whole GPUs, all alike), HAMi's device annotation (`hami`, each GPU split `hamiSplit`
   * ways), or neither yet (`none`: a node that joined before GPU feature discovery labelled it).
   */
  gpuLabels?: 'gfd' | 'hami' | 'none';
  hamiSplit?: number;
  product?: string;
  /** `kubectl cordon`: no new pods. */
  isCordoned?: boolean;
  /** Its kubelet stopped posting status: the Ready condition is Unknown. */
  isNotReady?: boolean;
}

/** A pod bound to a GPU: its slice in MiB, or undefined for the whole GPU. */
export interface GpuUse {
  node: string;
  gpu: string;
  gpumemMb?: number;
}

export type Fit = { node: StandInNode; gpu?: string; gpumemMb?: number } | { message: string };

export function fitPod(pod: Pod, nodes: readonly StandInNode[], uses: readonly GpuUse[]): Fit {
  const limits = pod.spec.containers[0]!.resources?.limits ?? {};
  const gpus = Number(limits['nvidia.com/gpu'] ?? 0);
  const gpumemMb = limits['nvidia.com/gpumem'] === undefined ? undefined : Number(limits['nvidia.com/gpumem']);
  const wantedUuid = pod.metadata.annotations?.['nvidia.com/use-gpuuuid'];
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const isAllowed = (node: StandInNode) =>
    terms.length === 0 || terms.some((t) => (t.matchFields ?? []).every((f) => f.key === 'metadata.name' && f.operator === 'In' && f.values.includes(node.name)));
  let notMatching = 0;
  let insufficient = 0;
  let cordoned = 0;
  for (const node of nodes) {
    if (!isAllowed(node)) {
      notMatching++;
      continue;
    }
    if (node.isCordoned) {
      cordoned++;
      continue;
    }
    if (gpus === 0) return { node };
    const gpu = freeGpu(node, uses, gpumemMb, wantedUuid);
    if (gpu) return { node, gpu, ...(gpumemMb !== undefined ? { gpumemMb } : {}) };
    insufficient++;
  }
  const resource = gpumemMb === undefined ? 'nvidia.com/gpu' : 'nvidia.com/gpumem';
  const parts = [
    insufficient ? `${insufficient} Insufficient ${resource}` : '',
    // The NodeUnschedulable plugin's ErrReasonUnschedulable (pkg/scheduler/framework/plugins/nodeunschedulable).
    cordoned ? `${cordoned} node(s) were unschedulable` : '',
    notMatching ? `${notMatching} node(s) didn't match Pod's node affinity/selector` : '',
  ].filter(Boolean);
  return { message: `0/${nodes.length} nodes are available: ${parts.join(', ')}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.` };
}

function freeGpu(node: StandInNode, uses: readonly GpuUse[], gpumemMb: number | undefined, wantedUuid: string | undefined): string | undefined {
  for (const gpu of node.gpus) {
    if (wantedUuid && gpu.uuid !== wantedUuid) continue;
    const on = uses.filter((u) => u.node === node.name && u.gpu === gpu.uuid);
    const isTaken = on.some((u) => u.gpumemMb === undefined);
    const usedMb = on.reduce((sum, u) => sum + (u.gpumemMb ?? 0), 0);
    if (gpumemMb === undefined ? on.length === 0 : !isTaken && usedMb + gpumemMb <= gpu.memoryMb) return gpu.uuid;
  }
  return undefined;
}
