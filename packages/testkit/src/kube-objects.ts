// The parts of batch/v1 Job and v1 Pod objects the stand-in reads and writes, by the API's field
// names (k8s.io/api batch/v1 and core/v1 types.go). Objects arrive as JSON from the client under test.
import type { KubeObject } from './kube-store.js';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: { exitCode: number; reason: string; startedAt: string; finishedAt: string; containerID?: string };
}

export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  restartCount: number;
  started: boolean;
  state: ContainerState;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: Array<{ name: string; value?: string }>;
  resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string }>;
}

export interface PodSpec {
  containers: Container[];
  volumes?: Array<{ name: string; hostPath?: { path: string }; emptyDir?: Record<string, unknown>; persistentVolumeClaim?: { claimName: string } }>;
  nodeName?: string;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: Array<{ matchFields?: Array<{ key: string; operator: string; values: string[] }> }> };
    };
  };
}

export interface PodStatus {
  phase: string;
  qosClass?: string;
  hostIP?: string;
  podIP?: string;
  startTime?: string;
  conditions?: Condition[];
  containerStatuses?: ContainerStatus[];
}

export interface Pod extends KubeObject {
  spec: PodSpec;
  status: PodStatus;
}

export interface PodFailurePolicyRule {
  action: string;
  onExitCodes?: { containerName?: string; operator: string; values: number[] };
  onPodConditions?: Array<{ type: string; status?: string }>;
}

export interface Job extends KubeObject {
  spec: {
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    ttlSecondsAfterFinished?: number;
    podFailurePolicy?: { rules: PodFailurePolicyRule[] };
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
  };
  status: {
    active?: number;
    ready?: number;
    failed?: number;
    succeeded?: number;
    terminating?: number;
    startTime?: string;
    completionTime?: string;
    uncountedTerminatedPods?: Record<string, unknown>;
    conditions?: Condition[];
  };
}
