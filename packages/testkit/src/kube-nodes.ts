// The stand-in's Node objects, as a GPU node shows them: the GPU operator's `nvidia.com/gpu.present`
// label, then either GPU feature discovery's labels (`nvidia.com/gpu.count`, `.memory` in MiB,
// `.product`; NVIDIA/k8s-device-plugin docs/gpu-feature-discovery/README.md, "Generated Labels")
// or HAMi's device annotation `hami.io/node-nvidia-register` as HAMi 2.5+ writes it (JSON of its
// DeviceInfo, Go's omitempty dropping zero fields; Project-HAMi/HAMi pkg/device/devices.go,
// MarshalNodeDevices), the `nvidia.com/gpu` capacity the device plugin registers, and a Ready condition.
import type { StandInNode } from './kube-scheduler-fit.js';
import type { KubeObject } from './kube-store.js';

export function nodeObject(node: StandInNode): KubeObject {
  const isHami = node.gpuLabels === 'hami';
  const split = node.hamiSplit ?? 10;
  const product = node.product ?? 'NVIDIA-H100-80GB-HBM3';
  const gpuCount = String(isHami ? node.gpus.length * split : node.gpus.length);
  const labels: Record<string, string> = { 'kubernetes.io/hostname': node.name, 'kubernetes.io/os': 'linux', 'nvidia.com/gpu.present': 'true' };
  const annotations: Record<string, string> = {};
  if (isHami) {
    annotations['hami.io/node-nvidia-register'] = JSON.stringify(
      node.gpus.map((gpu, index) => ({ id: gpu.uuid, ...(index ? { index } : {}), count: split, devmem: gpu.memoryMb, devcore: 100, type: `NVIDIA-${product}`, health: true, mode: 'hami-core' })),
    );
  } else if (node.gpuLabels !== 'none') {
    Object.assign(labels, { 'nvidia.com/gpu.count': String(node.gpus.length), 'nvidia.com/gpu.memory': String(node.gpus[0]?.memoryMb ?? 0), 'nvidia.com/gpu.product': product });
  }
  const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: node.name, namespace: '', labels, annotations },
    spec: node.isCordoned ? { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: at }] } : {},
    status: {
      capacity: { cpu: '32', memory: '263842500Ki', pods: '110', 'nvidia.com/gpu': gpuCount },
      allocatable: { cpu: '32', memory: '263740100Ki', pods: '110', 'nvidia.com/gpu': gpuCount },
      conditions: [
        node.isNotReady
          ? { type: 'Ready', status: 'Unknown', lastHeartbeatTime: at, lastTransitionTime: at, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }
          : { type: 'Ready', status: 'True', lastHeartbeatTime: at, lastTransitionTime: at, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
    },
  };
}
