// What the pods on the GPU nodes that are not this box's jobs use of their GPUs: gpuq counts it as
// "not ours", as it counts other processes on a box. HAMi's slices are known by GPU UUID from the
// allocation HAMi writes on each pod; whole GPUs (`nvidia.com/gpu` with NVIDIA's device plugin) only
// by count per node, since the plugin, not the API, knows which GPU a pod got.
import type { V1Pod } from '@kubernetes/client-node';

/** HAMi's allocation on a pod: `uuid,type,usedmem,usedcores:` per device, containers separated by `;`. */
export const HAMI_POD_DEVICES = 'hami.io/vgpu-devices-allocated';

export interface NodeGpuUse {
  /** Whole GPUs that other pods hold on the node. */
  wholeGpus: number;
  /** MiB other pods hold of each HAMi GPU, by UUID. */
  slicesMb: Map<string, number>;
}

/** Per node, other pods' GPU use; `isOurs` says which pods are this box's jobs. */
export function otherPodsGpuUse(pods: readonly V1Pod[], isOurs: (pod: V1Pod) => boolean): Map<string, NodeGpuUse> {
  const byNode = new Map<string, NodeGpuUse>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    const phase = pod.status?.phase;
    if (!node || phase === 'Succeeded' || phase === 'Failed' || isOurs(pod)) continue;
    const use = byNode.get(node) ?? { wholeGpus: 0, slicesMb: new Map<string, number>() };
    byNode.set(node, use);
    const allocated = pod.metadata?.annotations?.[HAMI_POD_DEVICES];
    if (allocated !== undefined) {
      for (const [uuid, mb] of hamiSlices(allocated)) use.slicesMb.set(uuid, (use.slicesMb.get(uuid) ?? 0) + mb);
      continue;
    }
    // Extended resources are asked for in limits (requests, if given, must equal them).
    use.wholeGpus += (pod.spec?.containers ?? []).reduce((sum, c) => sum + (Number(c.resources?.limits?.['nvidia.com/gpu'] ?? 0) || 0), 0);
  }
  return byNode;
}

function hamiSlices(annotation: string): Array<[string, number]> {
  return annotation
    .split(';')
    .flatMap((container) => container.split(':'))
    .map((device) => device.split(','))
    .filter((fields) => fields.length >= 4 && Number.isFinite(Number(fields[2])))
    .map((fields) => [fields[0]!, Number(fields[2])]);
}
