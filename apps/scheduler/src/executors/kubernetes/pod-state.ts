// What a Job and its pods say about an attempt, in gpuq's terms: still waiting (and why), running,
// exited (for the kind's adapter to judge from its files and logs), or failed for a reason only
// Kubernetes knows (the image, host memory, the deadline, the program's "bad input" exit code).
// Pure: the status objects in, a state out. Their shapes: docs/contracts/kubernetes.md.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { JobFailure } from '../executor.js';
import { CONTAINER, EXIT_INVALID_INPUT } from './job-manifest.js';

export type AttemptState =
  | { state: 'waiting'; reason?: string; isUnschedulable: boolean }
  | { state: 'running'; pod: string }
  | { state: 'exited'; pod: string; exitCode: number }
  | { state: 'failed'; pod?: string; failure: JobFailure };

/** Waiting reasons the kubelet keeps retrying but that no retry of ours could fix. */
const IMAGE_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

const conditionOf = (job: V1Job, type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
const podCondition = (pod: V1Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type);
export const isDisrupted = (pod: V1Pod) => podCondition(pod, 'DisruptionTarget')?.status === 'True';
const workerStatus = (pod: V1Pod) => pod.status?.containerStatuses?.find((s) => s.name === CONTAINER);
const createdAt = (pod: V1Pod) => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();

/**
 * The attempt's state from its Job and the Job's pods. A disrupted pod is the controller's to
 * replace (the pod failure policy ignores it): the newest pod that was not disrupted speaks.
 */
export function attemptState(job: V1Job, pods: readonly V1Pod[], image: string, memoryMb: number): AttemptState {
  const live = pods.filter((p) => !isDisrupted(p)).sort((a, b) => createdAt(b) - createdAt(a));
  const pod = live[0];
  const podName = pod?.metadata?.name;
  const failed = conditionOf(job, 'Failed') ?? conditionOf(job, 'FailureTarget');
  if (failed?.reason === 'DeadlineExceeded') {
    return { state: 'failed', ...(podName ? { pod: podName } : {}), failure: new JobFailure('timed_out', `the Kubernetes Job ran past its deadline (activeDeadlineSeconds ${job.spec?.activeDeadlineSeconds ?? '?'}): ${failed.message ?? ''}`.trimEnd(), false) };
  }
  const status = pod ? workerStatus(pod) : undefined;
  const terminated = status?.state?.terminated;
  if (pod && podName && terminated) {
    if (terminated.reason === 'OOMKilled') {
      return { state: 'failed', pod: podName, failure: new JobFailure('worker_error', `the container ran out of host memory (OOMKilled at its ${memoryMb} MiB memory limit; raise the executor's memoryMb)`, true) };
    }
    if (terminated.exitCode === EXIT_INVALID_INPUT) {
      return { state: 'failed', pod: podName, failure: new JobFailure('invalid_input', `the program rejected the input (exit code ${EXIT_INVALID_INPUT})`, false) };
    }
    // The Job's verdict first: its pod and its own status come by separate watches, and a pod the
    // deadline killed exits before the Job says DeadlineExceeded.
    const isJobDone = failed !== undefined || conditionOf(job, 'Complete') !== undefined || conditionOf(job, 'SuccessCriteriaMet') !== undefined;
    if (!isJobDone) return { state: 'waiting', isUnschedulable: false };
    return { state: 'exited', pod: podName, exitCode: terminated.exitCode };
  }
  const waiting = status?.state?.waiting;
  if (podName && waiting?.reason && IMAGE_REASONS.has(waiting.reason)) {
    return { state: 'failed', pod: podName, failure: new JobFailure('worker_error', `the image ${image} cannot be pulled (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}): fix kinds' executor.image or the node's access to its registry`, false) };
  }
  if (podName && waiting?.reason && CONFIG_REASONS.has(waiting.reason)) {
    return { state: 'failed', pod: podName, failure: new JobFailure('worker_error', `the container cannot be created (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''})`, false) };
  }
  if (failed) {
    // Failed with no container that ran to an end (its pod deleted, say): the Job's own words.
    return { state: 'failed', ...(podName ? { pod: podName } : {}), failure: new JobFailure('worker_error', `the Kubernetes Job failed (${failed.reason ?? 'no reason'}${failed.message ? `: ${failed.message}` : ''})`, true) };
  }
  if (pod && podName && status?.state?.running) return { state: 'running', pod: podName };
  const scheduled = pod ? podCondition(pod, 'PodScheduled') : undefined;
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { state: 'waiting', reason: `unschedulable: ${scheduled.message ?? 'no message'}`, isUnschedulable: true };
  }
  if (!pod) return { state: 'waiting', reason: 'no pod yet', isUnschedulable: false };
  return { state: 'waiting', ...(waiting?.reason ? { reason: `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` } : {}), isUnschedulable: false };
}
