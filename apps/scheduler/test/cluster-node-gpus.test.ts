// A GPU node's GPUs from its Node object (GPU feature discovery's labels, HAMi's annotation in both
// of its formats), why a node or one of HAMi's GPUs takes no new pods, and other pods' GPU use.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { gpusOfNode, hamiDevices, whyHamiGpuUnavailable, whyNodeUnavailable } from '../src/gpus/cluster/node-gpus.js';
import { otherPodsGpuUse } from '../src/gpus/cluster/other-pods.js';

const READY = { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] };
const node = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}, extra: Partial<V1Node> = {}): V1Node => ({ metadata: { name, labels, annotations }, status: READY, ...extra });

// HAMi's own example of a node with two 32 GB V100s (Project-HAMi/website, developers/protocol.md), the text format before 2.5.
const HAMI_TEXT = 'GPU-00552014-5c87-89ac-b1a6-7b53aa24b0ec,10,32768,100,NVIDIA-Tesla V100-PCIE-32GB,0,true:GPU-0fc3eda5-e98b-a25b-5b0d-cf5c855d1448,10,32768,100,NVIDIA-Tesla V100-PCIE-32GB,0,true:';

describe('the GPUs of a node', () => {
  it('reads whole GPUs from GPU feature discovery: count, MiB each, product; one job each', () => {
    const read = gpusOfNode(node('gpu-a', { 'nvidia.com/gpu.count': '2', 'nvidia.com/gpu.memory': '81559', 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' }));
    expect(read.problem).toBeUndefined();
    expect(read.gpus).toEqual([
      { id: 'gpu-a-gpu0', node: 'gpu-a', totalMb: 81_559, name: 'NVIDIA-H100-80GB-HBM3', maxJobs: 1, sharing: 'whole', isUnhealthy: false },
      { id: 'gpu-a-gpu1', node: 'gpu-a', totalMb: 81_559, name: 'NVIDIA-H100-80GB-HBM3', maxJobs: 1, sharing: 'whole', isUnhealthy: false },
    ]);
  });

  it('takes the count from the nvidia.com/gpu capacity when the count label is missing, but never guesses the memory', () => {
    expect(gpusOfNode(node('gpu-a', { 'nvidia.com/gpu.memory': '40960' }, {}, { status: { ...READY, capacity: { 'nvidia.com/gpu': '1' } } })).gpus).toHaveLength(1);
    expect(gpusOfNode(node('gpu-a', { 'nvidia.com/gpu.count': '4' }))).toEqual({ node: 'gpu-a', gpus: [], problem: "no nvidia.com/gpu.memory label (GPU feature discovery writes it): its GPUs' memory is unknown" });
    expect(gpusOfNode(node('gpu-a', {})).problem).toBe('no nvidia.com/gpu.count label and no nvidia.com/gpu capacity');
    expect(gpusOfNode(node('gpu-a', { 'nvidia.com/mig.strategy': 'mixed', 'nvidia.com/gpu.count': '1', 'nvidia.com/gpu.memory': '81559' })).problem).toMatch(/MIG strategy is mixed/);
  });

  it("reads HAMi's JSON (2.5 and later): each GPU's UUID, memory, type and split count; a device without health is unhealthy (Go's omitempty)", () => {
    const registered = JSON.stringify([
      { id: 'GPU-aaa', count: 10, devmem: 81559, devcore: 100, type: 'NVIDIA-NVIDIA H100 80GB HBM3', health: true, mode: 'hami-core' },
      { id: 'GPU-bbb', index: 1, count: 4, devmem: 81559, devcore: 100, type: 'NVIDIA-NVIDIA H100 80GB HBM3', mode: 'hami-core' },
    ]);
    const read = gpusOfNode(node('gpu-h', { 'nvidia.com/gpu.count': '2', 'nvidia.com/gpu.memory': '81559' }, { 'hami.io/node-nvidia-register': registered }));
    expect(read.gpus).toEqual([
      { id: 'gpu-h-gpu0', node: 'gpu-h', totalMb: 81_559, uuid: 'GPU-aaa', name: 'NVIDIA-NVIDIA H100 80GB HBM3', maxJobs: 10, sharing: 'hami', isUnhealthy: false },
      { id: 'gpu-h-gpu1', node: 'gpu-h', totalMb: 81_559, uuid: 'GPU-bbb', name: 'NVIDIA-NVIDIA H100 80GB HBM3', maxJobs: 4, sharing: 'hami', isUnhealthy: true },
    ]);
  });

  it("reads HAMi's older text format, and says why an annotation it cannot read offers nothing", () => {
    expect(hamiDevices(HAMI_TEXT)).toEqual([
      { id: 'GPU-00552014-5c87-89ac-b1a6-7b53aa24b0ec', count: 10, devmem: 32_768, type: 'NVIDIA-Tesla V100-PCIE-32GB', health: true },
      { id: 'GPU-0fc3eda5-e98b-a25b-5b0d-cf5c855d1448', count: 10, devmem: 32_768, type: 'NVIDIA-Tesla V100-PCIE-32GB', health: true },
    ]);
    expect(hamiDevices('GPU-x,10,32768,100,T,0,true,1,hami-core:')).toEqual([{ id: 'GPU-x', count: 10, devmem: 32_768, type: 'T', health: true }]);
    expect(gpusOfNode(node('n', {}, { 'hami.io/node-nvidia-register': 'GPU-x,10,32768:' })).problem).toBe("HAMi's hami.io/node-nvidia-register annotation cannot be read: a device of 3 fields (7 or 9 expected): GPU-x,10,32768");
    expect(gpusOfNode(node('n', {}, { 'hami.io/node-nvidia-register': '[{"count":3}]' })).problem).toMatch(/a device without id or devmem/);
  });
});

describe('why a node, or one GPU of it, takes no new pods', () => {
  it('a cordoned node, a node not Ready (with its reason), and a Ready one', () => {
    expect(whyNodeUnavailable(node('a', {}, {}, { spec: { unschedulable: true } }))).toBe('node a is cordoned');
    expect(whyNodeUnavailable(node('a', {}, {}, { status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }] } }))).toBe(
      'node a is not Ready (NodeStatusUnknown: Kubelet stopped posting node status.)',
    );
    expect(whyNodeUnavailable(node('a', {}, {}, { status: {} }))).toBe('node a is not Ready');
    expect(whyNodeUnavailable(node('a', {}))).toBeUndefined();
  });

  it("HAMi's unhealthy GPU, and one in hami.io/device-cordon", () => {
    const registered = JSON.stringify([{ id: 'GPU-aaa', count: 10, devmem: 1000, health: true }, { id: 'GPU-bbb', index: 1, count: 10, devmem: 1000 }]);
    const n = node('h', {}, { 'hami.io/node-nvidia-register': registered, 'hami.io/device-cordon': 'GPU-ccc, GPU-aaa' });
    const [a, b] = gpusOfNode(n).gpus;
    expect(whyHamiGpuUnavailable(n, a!)).toBe('GPU-aaa on node h is cordoned in HAMi (hami.io/device-cordon)');
    expect(whyHamiGpuUnavailable(n, b!)).toBe('HAMi reports GPU-bbb on node h unhealthy');
  });
});

describe("other pods' GPU use", () => {
  const pod = (name: string, nodeName: string | undefined, phase: string, gpus: number[], annotations: Record<string, string> = {}, labels: Record<string, string> = {}): V1Pod => ({
    metadata: { name, annotations, labels },
    spec: { ...(nodeName ? { nodeName } : {}), containers: gpus.map((g, i) => ({ name: `c${i}`, resources: { limits: Object.fromEntries(g ? [['nvidia.com/gpu', String(g)]] : []) } })) },
    status: { phase },
  });
  const isOurs = (p: V1Pod) => p.metadata?.labels?.['gpuq.box'] === 'box-a';

  it("counts whole GPUs per node over every container, HAMi's slices by UUID over every container; never ours, ended or unbound pods", () => {
    const use = otherPodsGpuUse(
      [
        pod('train', 'n1', 'Running', [2, 1]),
        pod('pending-bound', 'n1', 'Pending', [1]),
        pod('not-bound', undefined, 'Pending', [4]),
        pod('done', 'n1', 'Succeeded', [4]),
        pod('failed', 'n1', 'Failed', [4]),
        pod('ours', 'n1', 'Running', [1], {}, { 'gpuq.box': 'box-a' }),
        pod('other-box', 'n2', 'Running', [0], { 'hami.io/vgpu-devices-allocated': 'GPU-aaa,NVIDIA,8000,0:;' }, { 'gpuq.box': 'box-b' }),
        pod('two-containers', 'n2', 'Running', [0, 0], { 'hami.io/vgpu-devices-allocated': 'GPU-aaa,NVIDIA,1000,30:GPU-bbb,NVIDIA,2000,0:;GPU-aaa,NVIDIA,500,0:;' }),
      ],
      isOurs,
    );
    expect(use.get('n1')).toEqual({ wholeGpus: 4, slicesMb: new Map() });
    expect(use.get('n2')).toEqual({ wholeGpus: 0, slicesMb: new Map([['GPU-aaa', 9_500], ['GPU-bbb', 2_000]]) });
  });
});
