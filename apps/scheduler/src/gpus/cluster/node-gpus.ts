// A GPU node's GPUs as gpuq schedules them, read from its Node object. Where HAMi runs, from HAMi's
// device annotation: each GPU with its UUID, memory, type, how many pods may share it and whether
// it is healthy; jobs share a GPU by VRAM. Elsewhere, from the labels of NVIDIA's GPU feature
// discovery (count, memory, product): whole GPUs, one job each, the device plugin picks which one
// of the node's. Every key and format: docs/contracts/kubernetes.md, with its source.
import type { V1Node } from '@kubernetes/client-node';

/** HAMi's device plugin registers the node's GPUs here (JSON since HAMi 2.5; `uuid,count,devmem,devcore,type,numa,health[,index,mode]:` before). */
export const HAMI_NODE_DEVICES = 'hami.io/node-nvidia-register';
/** HAMi: GPU UUIDs (comma-separated) that take no new pods, as `kubectl cordon` for one GPU. */
export const HAMI_DEVICE_CORDON = 'hami.io/device-cordon';
/** GPU feature discovery's labels: GPUs on the node, MiB each, the model; and the MIG strategy. */
export const GFD_COUNT = 'nvidia.com/gpu.count';
export const GFD_MEMORY = 'nvidia.com/gpu.memory';
export const GFD_PRODUCT = 'nvidia.com/gpu.product';
export const GFD_MIG_STRATEGY = 'nvidia.com/mig.strategy';

export interface NodeGpu {
  /** gpuq's id for it: `<node>-gpu<n>`, n its place on the node. */
  id: string;
  node: string;
  totalMb: number;
  /** HAMi's GPUs only: the UUID a pod is pinned to. */
  uuid?: string;
  name?: string;
  /** Pods at a time: 1 for a whole GPU, HAMi's split count for a shared one. */
  maxJobs: number;
  sharing: 'whole' | 'hami';
  /** HAMi says it is unhealthy. */
  isUnhealthy: boolean;
}

export interface NodeGpus {
  node: string;
  gpus: NodeGpu[];
  /** Why it offers no GPU gpuq can schedule, when it offers none. */
  problem?: string;
}

interface HamiDevice {
  id: string;
  count: number;
  devmem: number;
  type: string;
  health: boolean;
}

export function gpusOfNode(node: V1Node): NodeGpus {
  const name = node.metadata?.name ?? '';
  const registered = node.metadata?.annotations?.[HAMI_NODE_DEVICES];
  if (registered !== undefined) {
    const devices = hamiDevices(registered);
    if (typeof devices === 'string') return { node: name, gpus: [], problem: `HAMi's ${HAMI_NODE_DEVICES} annotation cannot be read: ${devices}` };
    const gpus = devices.map((d, n) => ({ id: `${name}-gpu${n}`, node: name, totalMb: d.devmem, uuid: d.id, name: d.type, maxJobs: Math.max(1, d.count), sharing: 'hami' as const, isUnhealthy: !d.health }));
    return { node: name, gpus };
  }
  const labels = node.metadata?.labels ?? {};
  if (labels[GFD_MIG_STRATEGY] === 'mixed') return { node: name, gpus: [], problem: `its MIG strategy is mixed (${GFD_MIG_STRATEGY}): gpuq schedules whole GPUs or single-strategy MIG devices` };
  const count = wholeNumber(labels[GFD_COUNT]) ?? wholeNumber(node.status?.capacity?.['nvidia.com/gpu']);
  const memoryMb = wholeNumber(labels[GFD_MEMORY]);
  if (!count) return { node: name, gpus: [], problem: `no ${GFD_COUNT} label and no nvidia.com/gpu capacity` };
  if (!memoryMb) return { node: name, gpus: [], problem: `no ${GFD_MEMORY} label (GPU feature discovery writes it): its GPUs' memory is unknown` };
  const product = labels[GFD_PRODUCT];
  const gpus = Array.from({ length: count }, (_, n) => ({ id: `${name}-gpu${n}`, node: name, totalMb: memoryMb, ...(product ? { name: product } : {}), maxJobs: 1, sharing: 'whole' as const, isUnhealthy: false }));
  return { node: name, gpus };
}

/** Why new pods cannot go to the node now (cordoned, not Ready), if they cannot. */
export function whyNodeUnavailable(node: V1Node): string | undefined {
  const name = node.metadata?.name ?? '';
  if (node.spec?.unschedulable) return `node ${name} is cordoned`;
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') {
    const why = [ready?.reason, ready?.message].filter(Boolean).join(': ');
    return `node ${name} is not Ready${why ? ` (${why})` : ''}`;
  }
  return undefined;
}

/** Why HAMi takes no new pods on this GPU of the node (unhealthy, cordoned), if it takes none. */
export function whyHamiGpuUnavailable(node: V1Node, gpu: NodeGpu): string | undefined {
  if (gpu.sharing !== 'hami' || !gpu.uuid) return undefined;
  if (gpu.isUnhealthy) return `HAMi reports ${gpu.uuid} on node ${gpu.node} unhealthy`;
  const cordoned = (node.metadata?.annotations?.[HAMI_DEVICE_CORDON] ?? '').split(',').map((u) => u.trim());
  if (cordoned.includes(gpu.uuid)) return `${gpu.uuid} on node ${gpu.node} is cordoned in HAMi (${HAMI_DEVICE_CORDON})`;
  return undefined;
}

/** HAMi's device list, JSON or the older text; a message when it reads as neither. */
export function hamiDevices(annotation: string): HamiDevice[] | string {
  const text = annotation.trim();
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return (err as Error).message;
    }
    if (!Array.isArray(parsed)) return 'not a list';
    const devices: HamiDevice[] = [];
    for (const d of parsed as Array<Record<string, unknown>>) {
      // Go's omitempty drops false and 0: a device without `health` is unhealthy.
      if (typeof d.id !== 'string' || typeof d.devmem !== 'number') return `a device without id or devmem: ${JSON.stringify(d)}`;
      devices.push({ id: d.id, count: typeof d.count === 'number' ? d.count : 1, devmem: d.devmem, type: typeof d.type === 'string' ? d.type : '', health: d.health === true });
    }
    return devices;
  }
  const devices: HamiDevice[] = [];
  for (const entry of text.split(':').filter(Boolean)) {
    const fields = entry.split(',');
    if (fields.length !== 7 && fields.length !== 9) return `a device of ${fields.length} fields (7 or 9 expected): ${entry}`;
    const [id, count, devmem, , type, , health] = fields as [string, string, string, string, string, string, string];
    if (!Number.isInteger(Number(count)) || !Number.isInteger(Number(devmem))) return `count or devmem is not a number: ${entry}`;
    devices.push({ id, count: Number(count), devmem: Number(devmem), type, health: GO_TRUE.includes(health) });
  }
  return devices;
}

/** What Go's strconv.ParseBool reads as true (HAMi writes the field with FormatBool). */
const GO_TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const wholeNumber = (value: string | undefined) => (value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined);
