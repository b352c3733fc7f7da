// What the kubernetes executor reads from a Job and its pods, on status objects shaped as real ones
// (docs/contracts/kubernetes.md), and the Job names it makes: one per attempt, each a DNS-1123 label.
import fc from 'fast-check';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { jobLabelValue, jobName } from '../src/executors/kubernetes/job-manifest.js';
import { attemptState } from '../src/executors/kubernetes/pod-state.js';

const IMAGE = 'registry.example/gpuq/boltz2:2.2.0';
const at = '2026-01-01T00:00:00Z';

const job = (conditions: Array<{ type: string; reason?: string; message?: string }> = [], activeDeadlineSeconds?: number): V1Job => ({
  metadata: { name: 'gpuq-a-1' },
  spec: { template: {}, ...(activeDeadlineSeconds ? { activeDeadlineSeconds } : {}) },
  status: { conditions: conditions.map((c) => ({ status: 'True', lastTransitionTime: new Date(at), ...c })) },
});
const pod = (name: string, status: V1Pod['status'], createdAt = at): V1Pod => ({ metadata: { name, creationTimestamp: new Date(createdAt) }, status });
const container = (state: Record<string, unknown>) => [{ name: 'worker', image: IMAGE, imageID: '', ready: false, restartCount: 0, state }];

describe('a Job and its pods in gpuq’s terms', () => {
  it('Unschedulable: waiting, with the scheduler’s message', () => {
    const message = '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.';
    const state = attemptState(job(), [pod('p', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] })], IMAGE, 1024);
    expect(state).toEqual({ state: 'waiting', reason: `unschedulable: ${message}`, isUnschedulable: true });
  });

  it.each(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'])('%s: failed, not retried, naming the image', (reason) => {
    const state = attemptState(job(), [pod('p', { phase: 'Pending', containerStatuses: container({ waiting: { reason, message: `Back-off pulling image "${IMAGE}"` } }) })], IMAGE, 1024);
    expect(state).toMatchObject({ state: 'failed', failure: { code: 'worker_error', isRetryable: false } });
    expect((state as { failure: Error }).failure.message).toContain(`the image ${IMAGE} cannot be pulled (${reason}`);
  });

  it('OOMKilled: a retried worker error naming host memory and the limit', () => {
    const state = attemptState(job(), [pod('p', { phase: 'Failed', containerStatuses: container({ terminated: { exitCode: 137, reason: 'OOMKilled' } }) })], IMAGE, 4096);
    expect(state).toMatchObject({ state: 'failed', failure: { code: 'worker_error', isRetryable: true } });
    expect((state as { failure: Error }).failure.message).toContain('host memory (OOMKilled at its 4096 MiB memory limit');
  });

  it('exit code 65: invalid input, not retried', () => {
    const state = attemptState(job(), [pod('p', { phase: 'Failed', containerStatuses: container({ terminated: { exitCode: 65, reason: 'Error' } }) })], IMAGE, 1024);
    expect(state).toMatchObject({ state: 'failed', failure: { code: 'invalid_input', isRetryable: false } });
  });

  it('DeadlineExceeded: timed out, whatever the pod says', () => {
    const deadline = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    const state = attemptState(job([deadline], 60), [pod('p', { phase: 'Failed', containerStatuses: container({ terminated: { exitCode: 137, reason: 'Error' } }) })], IMAGE, 1024);
    expect(state).toMatchObject({ state: 'failed', failure: { code: 'timed_out', isRetryable: false } });
  });

  it('an exit the Job has not ruled on yet: waiting (its verdict may be the deadline)', () => {
    const state = attemptState(job(), [pod('p', { phase: 'Failed', containerStatuses: container({ terminated: { exitCode: 137, reason: 'Error' } }) })], IMAGE, 1024);
    expect(state).toEqual({ state: 'waiting', isUnschedulable: false });
  });

  it('an exit with the Job complete or failed: exited, for the kind’s adapter to judge', () => {
    const exited = (code: number, condition: string) =>
      attemptState(job([{ type: condition }]), [pod('p', { phase: code === 0 ? 'Succeeded' : 'Failed', containerStatuses: container({ terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error' } }) })], IMAGE, 1024);
    expect(exited(0, 'Complete')).toEqual({ state: 'exited', pod: 'p', exitCode: 0 });
    expect(exited(1, 'Failed')).toEqual({ state: 'exited', pod: 'p', exitCode: 1 });
  });

  it('a disrupted pod is ignored: its replacement speaks', () => {
    const evicted = pod('old', { phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }], containerStatuses: container({ terminated: { exitCode: 143, reason: 'Error' } }) });
    const replacement = pod('new', { phase: 'Running', containerStatuses: container({ running: { startedAt: new Date(at) } }) }, '2026-01-01T00:01:00Z');
    expect(attemptState(job(), [evicted, replacement], IMAGE, 1024)).toEqual({ state: 'running', pod: 'new' });
    expect(attemptState(job(), [evicted], IMAGE, 1024)).toEqual({ state: 'waiting', reason: 'no pod yet', isUnschedulable: false });
  });
});

describe('Job names', () => {
  it('are DNS-1123 labels of 63 characters at most, the same for the same attempt and different for different ones', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 120 }), fc.string({ minLength: 1, maxLength: 120 }), fc.integer({ min: 1, max: 1000 }), (a, b, attempt) => {
        const name = jobName(a, attempt);
        expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        expect(name.length).toBeLessThanOrEqual(63);
        expect(jobName(a, attempt)).toBe(name);
        expect(jobName(a, attempt + 1)).not.toBe(name);
        if (a !== b) expect(jobName(b, attempt)).not.toBe(name);
      }),
    );
  });

  it('keep a job id that is a valid label value as its label, and hash one that is not', () => {
    expect(jobLabelValue('6f1c2a9e-3b7d-4c1a-9f0e-2d8b5a7c4e10')).toBe('6f1c2a9e-3b7d-4c1a-9f0e-2d8b5a7c4e10');
    expect(jobLabelValue('tenant/job:1')).toMatch(/^h-[0-9a-f]{40}$/);
  });
});
