// The batch/v1 Job of one attempt: named from the job and attempt, so a second create for the same
// attempt is refused (409) and the scheduler attaches to the one that exists; pinned to the node of
// the GPU gpuq chose; gpuq owns retries (backoffLimit 0). Every field is in docs/contracts/kubernetes.md
// with the Kubernetes (or HAMi) source it follows.
import { createHash } from 'node:crypto';
import type { V1Job } from '@kubernetes/client-node';
import type { KubernetesExecutorConfig } from '@gpuq/shared';
import type { ExecutionRequest } from '../executor.js';

export const LABELS = { job: 'gpuq.job', attempt: 'gpuq.attempt', box: 'gpuq.box', fence: 'gpuq.fence' } as const;
/** The job id as given (a label value allows only 63 characters of [A-Za-z0-9-_.]). */
export const JOB_ID_ANNOTATION = 'gpuq.job-id';
/** HAMi's annotation naming the GPU (by UUID) a pod's vGPU is cut from. */
export const HAMI_GPU_UUID_ANNOTATION = 'nvidia.com/use-gpuuuid';
/** The container's name in the Job's pod (logs are read by it). */
export const CONTAINER = 'worker';
/** sysexits' EX_DATAERR, as the process executor reads it: the input is wrong. */
export const EXIT_INVALID_INPUT = 65;

const hashOf = (text: string, chars: number) => createHash('sha256').update(text).digest('hex').slice(0, chars);

/**
 * The Job's name: a DNS-1123 label (63 characters at most, since the controller copies it into the
 * pod's `batch.kubernetes.io/job-name` label), the same for the same job and attempt.
 */
export function jobName(jobId: string, attempt: number): string {
  const slug = jobId.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 36).replace(/-+$/, '');
  // The hash keeps ids apart that the slug folds together (case, other characters, length).
  return `gpuq-${slug ? `${slug}-` : ''}${hashOf(jobId, 8)}-${attempt}`;
}

/** A label value for the job id: itself when Kubernetes allows it, else a hash (the annotation keeps the id). */
export function jobLabelValue(jobId: string): string {
  return /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/.test(jobId) ? jobId : `h-${hashOf(jobId, 40)}`;
}

export interface JobManifestInput {
  job: ExecutionRequest;
  name: string;
  /** The attempt's directory under the volume's root (the pod mounts it as its subPath). */
  subPath: string;
  node: string;
  args: string[];
  boxId: string;
  timeoutMs?: number;
}

export function jobManifest(config: KubernetesExecutorConfig, input: JobManifestInput): V1Job {
  const { job } = input;
  const labels = {
    [LABELS.job]: jobLabelValue(job.jobId),
    [LABELS.attempt]: String(job.attempt),
    [LABELS.box]: input.boxId,
    [LABELS.fence]: String(job.fence ?? ''),
  };
  const gpuLimits: Record<string, string> =
    config.gpuSharing === 'hami' ? { 'nvidia.com/gpu': '1', 'nvidia.com/gpumem': String(job.gpu.vramMb) } : { 'nvidia.com/gpu': '1' };
  const memory = `${config.memoryMb}Mi`;
  const volume = 'claimName' in config.volume ? { persistentVolumeClaim: { claimName: config.volume.claimName } } : { hostPath: { path: config.volume.hostPath, type: 'Directory' } };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: input.name, namespace: config.namespace, labels, annotations: { [JOB_ID_ANNOTATION]: job.jobId } },
    spec: {
      // gpuq owns retries: a failed pod fails the Job.
      backoffLimit: 0,
      ...(input.timeoutMs ? { activeDeadlineSeconds: Math.max(1, Math.ceil(input.timeoutMs / 1000)) } : {}),
      ttlSecondsAfterFinished: config.ttlSecondsAfterFinished,
      podFailurePolicy: {
        rules: [
          // Evicted, preempted or its node drained: not the job's fault; the controller starts a new pod, not counted.
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          // The program says its input is wrong: no retry could help.
          { action: 'FailJob', onExitCodes: { containerName: CONTAINER, operator: 'In', values: [EXIT_INVALID_INPUT] } },
        ],
      },
      template: {
        metadata: {
          labels,
          annotations: {
            [JOB_ID_ANNOTATION]: job.jobId,
            ...(config.gpuSharing === 'hami' && job.gpu.uuid ? { [HAMI_GPU_UUID_ANNOTATION]: job.gpu.uuid } : {}),
          },
        },
        spec: {
          // podFailurePolicy requires Never.
          restartPolicy: 'Never',
          ...(config.serviceAccount ? { serviceAccountName: config.serviceAccount } : {}),
          automountServiceAccountToken: false,
          // An affinity, not nodeName: nodeName skips the scheduler (and HAMi's, which assigns the vGPU).
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [input.node] }] }],
              },
            },
          },
          securityContext: { runAsNonRoot: true, runAsUser: config.runAsUser, runAsGroup: config.runAsUser, fsGroup: config.runAsUser, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: CONTAINER,
              image: config.image,
              imagePullPolicy: 'IfNotPresent',
              ...(config.command ? { command: config.command } : {}),
              args: input.args,
              workingDir: config.volume.mountPath,
              env: [
                { name: 'GPUQ_JOB_ID', value: job.jobId },
                { name: 'GPUQ_ATTEMPT', value: String(job.attempt) },
                // The only writable places besides the job's directory: caches under HOME land in /tmp.
                { name: 'HOME', value: '/tmp' },
              ],
              resources: { limits: { memory, cpu: config.cpu, ...gpuLimits }, requests: { memory, cpu: config.cpu } },
              securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'job', mountPath: config.volume.mountPath, subPath: input.subPath },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'shm', mountPath: '/dev/shm' },
              ],
            },
          ],
          volumes: [
            { name: 'job', ...volume },
            { name: 'tmp', emptyDir: { sizeLimit: `${config.tmpSizeMb}Mi` } },
            // PyTorch's data-loader workers pass batches through /dev/shm; the runtime's 64 MiB is too small.
            { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: `${config.shmSizeMb}Mi` } },
          ],
        },
      },
    },
  };
}
