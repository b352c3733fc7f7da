// The kubernetes executor against the Kubernetes API stand-in (packages/testkit): the real client
// library over real HTTP, one batch/v1 Job per attempt, a kubelet that runs the Boltz stand-in
// (test/fakes/boltz) as a local process with the attempt's directory as its hostPath volume, and
// the failure states of real pods (image pull, OOMKilled, exit 65, the deadline, eviction,
// unschedulable). Then a whole gpuq (API, scheduler, Redis) running fold jobs through it, and the
// same scenarios against a real cluster when KUBECONFIG names one.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Job } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keys, KubernetesExecutorConfig } from '@gpuq/shared';
import { createLogger } from '@gpuq/runtime';
import { waitFor, type KubeApiStandIn } from '@gpuq/testkit';
import { HandedOver, JobFailure, type ExecutionHooks, type ExecutionRequest } from '../apps/scheduler/src/executors/executor.js';
import { KubernetesExecutor } from '../apps/scheduler/src/executors/kubernetes/kubernetes-executor.js';
import { jobManifest, jobName } from '../apps/scheduler/src/executors/kubernetes/job-manifest.js';
import { foldContainer } from '../apps/scheduler/src/kinds/fold/fold-container.js';
import { foldExecutor, FOLD_NAMESPACE as NS, startFoldCluster } from './helpers/kube-fold.js';
import { Stack } from './helpers/stack.js';

const log = createLogger('kubernetes-executor-test', process.env.TEST_LOG_LEVEL ?? 'silent');
/** An image whose container runs until the test ends it, for states only a kubelet makes (OOMKilled, eviction). */
const HELD_IMAGE = 'gpuq-test/held:1';

const NODES = [
  { name: 'gpu-node-a', gpus: [{ uuid: 'GPU-fake-24576-0', memoryMb: 24_576 }, { uuid: 'GPU-fake-24576-1', memoryMb: 24_576 }] },
  { name: 'gpu-node-b', gpus: [{ uuid: 'GPU-fake-81920-2', memoryMb: 81_920 }] },
];
const GPUS: Record<string, { uuid: string; totalMb: number; node: string }> = {
  gpu0: { uuid: 'GPU-fake-24576-0', totalMb: 24_576, node: 'gpu-node-a' },
  gpu1: { uuid: 'GPU-fake-24576-1', totalMb: 24_576, node: 'gpu-node-a' },
  gpu2: { uuid: 'GPU-fake-81920-2', totalMb: 81_920, node: 'gpu-node-b' },
};
const GPU_NODES = Object.fromEntries(Object.entries(GPUS).map(([id, g]) => [id, g.node]));

const residues = (n: number) => 'ACDEFGHIKLMNPQRSTVWY'.repeat(Math.ceil(n / 20)).slice(0, n);
const foldInput = (n = 40, options: Record<string, unknown> = {}) => ({ sequences: [{ protein: { id: 'A', sequence: residues(n), msa: 'empty' } }], options: { samplingSteps: 10, ...options } });

interface Recorded {
  hooks: ExecutionHooks;
  handles: string[];
  progress: unknown[];
  log: () => string;
}

function recorder(): Recorded {
  const handles: string[] = [];
  const progress: unknown[] = [];
  let text = '';
  return {
    handles,
    progress,
    log: () => text,
    hooks: { onHandle: (h) => handles.push(h), onProgress: (p) => progress.push(p), onLog: (t) => (text += t) },
  };
}

describe('the kubernetes executor against the API stand-in', () => {
  let standIn: KubeApiStandIn;
  let root: string;
  const executors: KubernetesExecutor[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gpuq-k8s-'));
    standIn = await startFoldCluster(root, NODES, { [HELD_IMAGE]: {} });
  });
  afterEach(async () => {
    await Promise.all(executors.splice(0).map((e) => e.close()));
  });
  afterAll(async () => {
    await standIn?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const setUp = (overrides: Record<string, unknown> = {}) => {
    const boxId = `box-${Math.random().toString(36).slice(2, 8)}`;
    const { jobsDir, settings } = foldExecutor(standIn, root, { gpuNodes: GPU_NODES, ...overrides });
    const artifactsDir = mkdtempSync(join(root, 'artifacts-'));
    const config = KubernetesExecutorConfig.parse(settings);
    const make = () => {
      const executor = new KubernetesExecutor(config, foldContainer, artifactsDir, boxId, log);
      executors.push(executor);
      return executor;
    };
    return { boxId, jobsDir, artifactsDir, config, make };
  };

  const request = (gpu: keyof typeof GPUS, input: unknown = foldInput(), extra: Partial<ExecutionRequest> = {}): ExecutionRequest => ({
    jobId: `job-${Math.random().toString(36).slice(2, 10)}`,
    kind: 'fold',
    attempt: 1,
    input,
    gpu: { id: gpu, uuid: GPUS[gpu]!.uuid, vramMb: 8_000, totalMb: GPUS[gpu]!.totalMb },
    fence: 7,
    ...extra,
  });

  it('a fold runs as a Job on the chosen node and GPU; its result, artifacts and log come back, and nothing is left', async () => {
    const { make, jobsDir, artifactsDir, boxId } = setUp({ gpuSharing: 'hami' });
    const job = request('gpu1');
    const seen = recorder();
    const result = (await make().run(job, new AbortController().signal, seen.hooks)) as { tokens: number; models: Array<{ rank: number }>; artifacts: Array<{ name: string }> };
    expect(result.tokens).toBe(40);
    expect(result.models.map((m) => m.rank)).toEqual([0]);
    expect(result.artifacts.map((a) => a.name)).toContain('input_model_0.cif');
    expect(readdirSync(join(artifactsDir, job.jobId))).toContain('input_model_0.cif');
    const name = jobName(job.jobId, 1);
    expect(seen.handles).toEqual([`${NS}/${name}`]);
    expect(standIn.cluster.jobCreates.get(name)).toBe(1);
    // The pod ran on gpu1's node, on gpu1 (HAMi's UUID annotation), and saw that GPU.
    const pod = [...standIn.cluster.logs.keys()].find((p) => p.startsWith(`${name}-`))!;
    expect(standIn.cluster.placementOf(pod)).toEqual({ node: 'gpu-node-a', gpu: 'GPU-fake-24576-1' });
    expect(seen.log()).toContain('CUDA_VISIBLE_DEVICES: [GPU-fake-24576-1]');
    // Deleted after collecting (its pods with it), and its directory removed.
    expect(standIn.store.get('jobs', NS, name)).toBeUndefined();
    expect(standIn.podsOf(NS, name)).toEqual([]);
    expect(readdirSync(jobsDir)).toEqual([]);
    expect(standIn.store.list('jobs', NS, [{ key: 'gpuq.box', value: boxId, isEqual: true }])).toEqual([]);
  });

  /** The attempt's Job and its one pod, once the pod runs. */
  const runningPod = async (job: ExecutionRequest) => {
    const name = jobName(job.jobId, job.attempt);
    const pod = await waitFor(() => standIn.podsOf(NS, name).find((p) => (p.status as { phase: string }).phase === 'Running'), { what: `a running pod of ${name}` });
    return { name, pod: pod.metadata.name, job: standIn.store.get('jobs', NS, name)! as unknown as V1Job };
  };

  it("the Job's manifest: one attempt's name and labels, gpuq's retries, the node and a whole GPU, a locked-down container; a cancel deletes it", async () => {
    const { make, boxId, jobsDir } = setUp({ image: HELD_IMAGE, gpuSharing: 'whole', serviceAccount: 'gpuq-job' });
    const job = request('gpu2', foldInput(), { timeoutMs: 600_000 });
    const controller = new AbortController();
    const running = make().run(job, controller.signal, recorder().hooks);
    const { name, job: k8sJob } = await runningPod(job);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toBe(jobName(job.jobId, 1));
    expect(jobName(job.jobId, 2)).not.toBe(name);
    const spec = k8sJob.spec!;
    expect(k8sJob.metadata!.labels).toEqual({ 'gpuq.job': job.jobId, 'gpuq.attempt': '1', 'gpuq.box': boxId, 'gpuq.fence': '7' });
    expect(spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 600,
      ttlSecondsAfterFinished: 3600,
      podFailurePolicy: {
        rules: [
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          { action: 'FailJob', onExitCodes: { containerName: 'worker', operator: 'In', values: [65] } },
        ],
      },
    });
    const pod = spec.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.serviceAccountName).toBe('gpuq-job');
    expect(pod.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['gpu-node-b'] }] }]);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const container = pod.containers[0]!;
    expect(container.resources!.limits).toEqual({ memory: '2048Mi', cpu: '4', 'nvidia.com/gpu': '1' });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.volumeMounts).toContainEqual({ name: 'job', mountPath: '/job', subPath: name });
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(container.args!.slice(0, 4)).toEqual(['predict', '/job/input.yaml', '--out_dir', '/job/out']);
    expect(spec.template.metadata!.annotations!['nvidia.com/use-gpuuuid']).toBeUndefined();
    expect(readdirSync(join(jobsDir, name))).toContain('input.yaml');

    controller.abort(new Error('cancelled'));
    await expect(running).rejects.toThrow('cancelled');
    expect(standIn.store.get('jobs', NS, name)).toBeUndefined();
    expect(standIn.podsOf(NS, name)).toEqual([]);
    expect(readdirSync(jobsDir)).toEqual([]);
  });

  it('a restarted scheduler re-attaches to the running Job by its name and never creates a second one', async () => {
    const { make } = setUp();
    // 2 s in the Boltz stand-in: still running when the successor looks.
    const job = request('gpu0', foldInput(40, { samplingSteps: 200 }));
    const controller = new AbortController();
    const running = make().run(job, controller.signal, recorder().hooks);
    const { name } = await runningPod(job);
    const posts = standIn.createRequests;
    controller.abort(new HandedOver('shutting down'));
    await expect(running).rejects.toBeInstanceOf(HandedOver);
    expect(standIn.store.get('jobs', NS, name)).toBeDefined();
    // The successor runs the same attempt: it finds the Job by name and follows it.
    const successor = recorder();
    const result = (await make().run(job, new AbortController().signal, successor.hooks)) as { tokens: number };
    expect(result.tokens).toBe(40);
    expect(successor.handles).toEqual([`${NS}/${name}`]);
    expect(standIn.createRequests).toBe(posts);
    expect(standIn.cluster.jobCreates.get(name)).toBe(1);
  });

  it('a Job that finished while no scheduler followed it: attach() by its handle collects its output', async () => {
    const { make } = setUp();
    const job = request('gpu1');
    const first = recorder();
    const controller = new AbortController();
    const running = make().run(job, controller.signal, first.hooks);
    const { name } = await runningPod(job);
    controller.abort(new HandedOver('shutting down'));
    await expect(running).rejects.toBeInstanceOf(HandedOver);
    await waitFor(() => ((standIn.store.get('jobs', NS, name)?.status as { succeeded?: number } | undefined)?.succeeded ?? 0) === 1, { what: 'the Job to complete' });
    const attached = (await make().attach(first.handles[0]!, job, new AbortController().signal, recorder().hooks)) as { result: { tokens: number } };
    expect(attached.result.tokens).toBe(40);
    expect(standIn.cluster.jobCreates.get(name)).toBe(1);
    expect(standIn.store.get('jobs', NS, name)).toBeUndefined();
    // A handle whose Job is gone: nothing to attach to, the attempt runs anew.
    expect(await make().attach(first.handles[0]!, job, new AbortController().signal, recorder().hooks)).toBeUndefined();
  });

  it('a create that races another is refused with 409 AlreadyExists: the executor follows the Job that exists', async () => {
    const { make, config, boxId } = setUp({ image: HELD_IMAGE });
    const job = request('gpu0');
    const name = jobName(job.jobId, 1);
    const executor = make();
    const read = executor['readJob'].bind(executor);
    let isFirstRead = true;
    // Another scheduler creates the Job between this one's read and its create.
    executor['readJob'] = async (jobNameRead: string) => {
      if (!isFirstRead) return read(jobNameRead);
      isFirstRead = false;
      const manifest = jobManifest(config, { job, name, subPath: name, node: 'gpu-node-a', args: ['predict'], boxId });
      const created = await fetch(`${standIn.url}/apis/batch/v1/namespaces/${NS}/jobs`, { method: 'POST', headers: { authorization: 'Bearer stand-in-token', 'content-type': 'application/json' }, body: JSON.stringify(manifest) });
      expect(created.status).toBe(201);
      return undefined;
    };
    const posts = standIn.createRequests;
    const running = executor.run(job, new AbortController().signal, recorder().hooks);
    const { pod } = await runningPod(job);
    await waitFor(() => standIn.createRequests === posts + 2, { what: "the executor's own create" });
    expect(standIn.cluster.jobCreates.get(name)).toBe(1);
    // It follows that Job's pod: the program's "bad input" exit ends this attempt.
    standIn.cluster.endContainer(NS, pod, { exitCode: 65 });
    await expect(running).rejects.toMatchObject({ code: 'invalid_input', isRetryable: false });
  });

  const failureOf = async (running: Promise<unknown>) => {
    const err = await running.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JobFailure);
    return err as JobFailure;
  };

  it('an image that cannot be pulled: failed, not retried, naming the image; the Job is deleted', async () => {
    const { make, jobsDir } = setUp({ image: 'registry.example/gpuq/boltz2:missing' });
    const job = request('gpu0');
    const failure = await failureOf(make().run(job, new AbortController().signal, recorder().hooks));
    expect(failure.code).toBe('worker_error');
    expect(failure.isRetryable).toBe(false);
    expect(failure.message).toMatch(/^the image registry\.example\/gpuq\/boltz2:missing cannot be pulled \((ErrImagePull|ImagePullBackOff): /);
    expect(standIn.store.get('jobs', NS, jobName(job.jobId, 1))).toBeUndefined();
    expect(readdirSync(jobsDir)).toEqual([]);
  });

  it('OOMKilled: a worker error naming host memory and the memory limit, retried', async () => {
    const { make } = setUp({ image: HELD_IMAGE });
    const job = request('gpu0');
    const running = make().run(job, new AbortController().signal, recorder().hooks);
    const { pod } = await runningPod(job);
    standIn.cluster.appendLog(pod, 'loading the model\nallocating 3 GiB of host memory\n');
    standIn.cluster.endContainer(NS, pod, { exitCode: 137, reason: 'OOMKilled' });
    const failure = await failureOf(running);
    expect(failure.code).toBe('worker_error');
    expect(failure.isRetryable).toBe(true);
    expect(failure.message).toBe("the container ran out of host memory (OOMKilled at its 2048 MiB memory limit; raise the executor's memoryMb); the log ends: loading the model | allocating 3 GiB of host memory");
  });

  it('keepOnFailure keeps a failed attempt’s Job for a look, and ttlSecondsAfterFinished removes it, its pods with it', async () => {
    const { make, jobsDir } = setUp({ image: HELD_IMAGE, keepOnFailure: true, ttlSecondsAfterFinished: 1 });
    const job = request('gpu0');
    const running = make().run(job, new AbortController().signal, recorder().hooks);
    const { pod, name } = await runningPod(job);
    standIn.cluster.endContainer(NS, pod, { exitCode: 1 });
    expect((await failureOf(running)).code).toBe('worker_error');
    expect(standIn.store.get('jobs', NS, name)).toBeDefined();
    expect(readdirSync(jobsDir)).toEqual([name]);
    // The TTL-after-finished controller's delete: the Job and its pods, not gpuq's directory.
    await waitFor(() => standIn.store.get('jobs', NS, name) === undefined || undefined, { what: 'the finished Job to expire', timeoutMs: 5_000 });
    expect(standIn.podsOf(NS, name)).toEqual([]);
  });

  it('exit code 65: invalid input, not retried (the Job fails by its pod failure policy)', async () => {
    const { make } = setUp({ image: HELD_IMAGE });
    const job = request('gpu0');
    const running = make().run(job, new AbortController().signal, recorder().hooks);
    const { pod, name } = await runningPod(job);
    standIn.cluster.appendLog(pod, 'sequence A: unknown residue X\n');
    standIn.cluster.endContainer(NS, pod, { exitCode: 65 });
    const failure = await failureOf(running);
    expect(failure.code).toBe('invalid_input');
    expect(failure.isRetryable).toBe(false);
    expect(failure.message).toBe('the program rejected the input (exit code 65); the log ends: sequence A: unknown residue X');
    expect(standIn.store.get('jobs', NS, name)).toBeUndefined();
  });

  it("the Job's deadline (activeDeadlineSeconds from the job's timeout): timed out, not retried", async () => {
    const { make } = setUp({ image: HELD_IMAGE });
    const job = request('gpu0', foldInput(), { timeoutMs: 1_000 });
    const failure = await failureOf(make().run(job, new AbortController().signal, recorder().hooks));
    expect(failure.code).toBe('timed_out');
    expect(failure.isRetryable).toBe(false);
    expect(failure.message).toMatch(/^the Kubernetes Job ran past its deadline \(activeDeadlineSeconds 1\): Job was active longer than specified deadline/);
  });

  it('an evicted pod: Kubernetes replaces it within the same Job (no attempt spent) and the fold completes', async () => {
    const { make } = setUp();
    const job = request('gpu0', foldInput(40, { samplingSteps: 200 }));
    const seen = recorder();
    const running = make().run(job, new AbortController().signal, seen.hooks);
    const { pod, name } = await runningPod(job);
    standIn.cluster.evict(NS, pod);
    const result = (await running) as { tokens: number };
    expect(result.tokens).toBe(40);
    expect(seen.log()).toContain(`gpuq: pod ${pod} was disrupted (EvictionByEvictionAPI: Eviction API: evicting); Kubernetes starts another, no attempt spent`);
    expect(standIn.cluster.jobCreates.get(name)).toBe(1);
    expect([...standIn.cluster.logs.keys()].filter((p) => p.startsWith(`${name}-`))).toHaveLength(2);
  });

  it('unschedulable: the scheduler’s reason reported while it waits, then failed to be retried after unschedulableTimeoutMs', async () => {
    const { make } = setUp({ image: HELD_IMAGE, unschedulableTimeoutMs: 1_500 });
    // gpu-node-b has one GPU: the first whole-GPU job takes it.
    const holder = request('gpu2');
    const holding = new AbortController();
    const held = make().run(holder, holding.signal, recorder().hooks);
    await runningPod(holder);
    const waiting = recorder();
    const failure = await failureOf(make().run(request('gpu2'), new AbortController().signal, waiting.hooks));
    expect(failure.code).toBe('worker_unavailable');
    expect(failure.isRetryable).toBe(true);
    const reason = "unschedulable: 0/2 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.";
    expect(waiting.progress).toContainEqual({ stage: 'waiting', reason });
    expect(failure.message).toMatch(/^no node could take the pod for \d+ s \(unschedulable: 0\/2 nodes are available/);
    holding.abort(new Error('done'));
    await expect(held).rejects.toThrow('done');
  });

  it('with HAMi, two jobs share one GPU when their VRAM fits, and a third that does not fit waits', async () => {
    const { make } = setUp({ image: HELD_IMAGE, gpuSharing: 'hami', unschedulableTimeoutMs: 60_000 });
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    const jobs = [30_000, 40_000, 20_000].map((vramMb) => request('gpu2', foldInput(), { gpu: { id: 'gpu2', uuid: GPUS.gpu2!.uuid, vramMb, totalMb: 81_920 } }));
    // Each ends stopped, some while the test awaits something else: each is settled below, none unhandled.
    const quiet = <T,>(run: Promise<T>): Promise<T> => {
      run.catch(() => undefined);
      return run;
    };
    const runs = jobs.slice(0, 2).map((job, i) => quiet(make().run(job, controllers[i]!.signal, recorder().hooks)));
    const pods = await Promise.all(jobs.slice(0, 2).map((job) => runningPod(job)));
    expect(pods.map((p) => standIn.cluster.placementOf(p.pod))).toEqual([
      { node: 'gpu-node-b', gpu: 'GPU-fake-81920-2' },
      { node: 'gpu-node-b', gpu: 'GPU-fake-81920-2' },
    ]);
    expect(standIn.cluster.podsOnGpu('GPU-fake-81920-2')).toBe(2);
    const template = pods[0]!.job.spec!.template;
    const limits = template.spec!.containers[0]!.resources!.limits;
    expect(limits).toMatchObject({ 'nvidia.com/gpu': '1', 'nvidia.com/gpumem': '30000' });
    expect(template.metadata!.annotations!['nvidia.com/use-gpuuuid']).toBe('GPU-fake-81920-2');
    // 30,000 + 40,000 + 20,000 MiB is more than 81,920: the third waits, unschedulable.
    const third = recorder();
    runs.push(quiet(make().run(jobs[2]!, controllers[2]!.signal, third.hooks)));
    await waitFor(() => third.progress.some((p) => String((p as { reason?: string }).reason).includes('Insufficient nvidia.com/gpumem')), { what: 'the third job to wait' });
    // The first ends: the third fits and runs.
    controllers[0]!.abort(new Error('stop'));
    await runningPod(jobs[2]!);
    controllers[1]!.abort(new Error('stop'));
    controllers[2]!.abort(new Error('stop'));
    await Promise.allSettled(runs);
  });

  it('the watch survives a 410 Gone: it lists again and follows the next Job to its end', async () => {
    const { make } = setUp();
    const executor = make();
    await executor.run(request('gpu0'), new AbortController().signal, recorder().hooks);
    const listsBefore = executor.jobs.lists;
    const watchesBefore = standIn.watchesStarted.jobs;
    // The API server ends the watches; while they are away others change things and etcd compacts
    // its history: resuming from the last version seen is Gone.
    standIn.closeWatches();
    standIn.store.put('pods', { metadata: { name: 'someone-elses', namespace: 'elsewhere' } });
    standIn.store.compact();
    // Two watches more: the one resumed from the last version (answered 410 Gone), and the one
    // from the version the list read; the second starts once the list answered.
    await waitFor(() => executor.jobs.lists > listsBefore && executor.pods.lists > 1 && standIn.watchesStarted.jobs >= watchesBefore + 2, {
      what: 'the watches to list again after 410 Gone, and to watch from there',
    });
    const result = (await executor.run(request('gpu1'), new AbortController().signal, recorder().hooks)) as { tokens: number };
    expect(result.tokens).toBe(40);
  });
});

describe('fold jobs through gpuq (API, scheduler, Redis) on the API stand-in', () => {
  let standIn: KubeApiStandIn;
  let root: string;
  let stack: Stack;

  const start = async () => {
    return Stack.start({
      gpus: Object.entries(GPUS).map(([id, g]) => ({ id, vramMb: g.totalMb, uuid: g.uuid })),
      scheduler: { boxId: `k8s-${Math.random().toString(36).slice(2, 8)}`, leaseTtlMs: 1_500, lockDurationMs: 4_000 },
      kinds: {
        fold: {
          backoffMs: 100,
          executor: foldExecutor(standIn, root, { gpuNodes: GPU_NODES, gpuSharing: 'hami' }).settings,
        },
      },
    });
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gpuq-k8s-stack-'));
    standIn = await startFoldCluster(root, NODES);
  });
  afterAll(async () => {
    await stack?.stop();
    await standIn?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a fold job runs as a Job on the node and GPU the scheduler chose: result, artifacts and log through the API', async () => {
    stack = await start();
    const submitted = await stack.submit({ kind: 'fold', input: foldInput(120) });
    const done = await stack.waitForJob(submitted.id);
    expect(done.status, stack.logs()).toBe('succeeded');
    expect((done.result as { tokens: number }).tokens).toBe(120);
    const gpu = GPUS[done.placement!.gpu!]!;
    const name = jobName(submitted.id, 1);
    expect(standIn.cluster.jobCreates.get(name)).toBe(1);
    const pod = [...standIn.cluster.logs.keys()].find((p) => p.startsWith(`${name}-`))!;
    expect(standIn.cluster.placementOf(pod)).toEqual({ node: gpu.node, gpu: gpu.uuid });
    const log = await (await fetch(`${stack.apiUrl}/v1/jobs/${submitted.id}/logs`)).text();
    expect(log).toContain(`LOCAL_RANK: 0 - CUDA_VISIBLE_DEVICES: [${gpu.uuid}]`);
    const cif = await (await fetch(`${stack.apiUrl}/v1/jobs/${submitted.id}/artifacts/input_model_0.cif`)).text();
    expect(cif).toContain(`120 tokens on ${gpu.uuid}\n`);
    expect(standIn.store.get('jobs', NS, name)).toBeUndefined();
  });

  it('an input Boltz rejects: failed as invalid input from its log, not retried', async () => {
    const submitted = await stack.submit({ kind: 'fold', input: { sequences: [{ protein: { id: 'A', sequence: residues(50), msa: 'empty' } }, { ligand: { id: 'L', ccd: 'ZZZ' } }], options: { samplingSteps: 10 } }, maxAttempts: 3 });
    const done = await stack.waitForJob(submitted.id);
    expect(done.status, stack.logs()).toBe('failed');
    expect(done.attempts.made).toBe(1);
    expect(done.error).toMatchObject({ code: 'invalid_input', message: 'input rejected: CCD component ZZZ not found!' });
  });

  it('a scheduler killed while its Job runs: the successor re-attaches, the job completes once, from one Job', async () => {
    // 3 s in the Boltz stand-in: still running when the successor looks.
    const submitted = await stack.submit({ kind: 'fold', input: foldInput(80, { samplingSteps: 300 }) });
    const handle = await waitFor(() => stack.redis().hget(keys.jobRun(submitted.id), 'handle'), { what: 'the Job to be created' });
    expect(handle).toBe(`${NS}/${jobName(submitted.id, 1)}`);
    await stack.scheduler.kill();
    stack.scheduler = stack.startScheduler();
    const done = await stack.waitForJob(submitted.id, undefined, 30_000);
    expect(done.status, stack.logs()).toBe('succeeded');
    expect(done.attempts.made).toBe(1);
    expect(standIn.cluster.jobCreates.get(jobName(submitted.id, 1))).toBe(1);
    expect(stack.scheduler.lines.some((l) => l.msg === 're-attached to a Kubernetes Job a previous scheduler created')).toBe(true);
  });
});

/**
 * The same executor against a real cluster. It needs KUBECONFIG, and GPUQ_K8S_TEST: JSON with the
 * executor's settings for that cluster (namespace, image: the Boltz stand-in's test image pushed
 * where the nodes can pull it, volume: where the scheduler's machine and the nodes share the jobs'
 * directory, gpuNodes) and the GPU to run on (`gpu`: { id, uuid, totalMb }).
 */
const realCluster = process.env.GPUQ_K8S_TEST;
const realSkip = !process.env.KUBECONFIG
  ? 'KUBECONFIG is not set: no cluster to run against'
  : !realCluster
    ? 'GPUQ_K8S_TEST is not set (JSON: namespace, image, volume, gpuNodes, gpu)'
    : undefined;
if (realSkip) console.warn(`kubernetes executor on a real cluster skipped: ${realSkip}`);

describe.skipIf(realSkip !== undefined)(`the kubernetes executor on a real cluster${realSkip ? ` (skipped: ${realSkip})` : ''}`, () => {
  const settings = JSON.parse(realCluster ?? '{}') as Record<string, unknown> & { gpu: { id: string; uuid?: string; totalMb: number } };
  const { gpu, ...executorSettings } = settings;
  const artifactsDir = mkdtempSync(join(tmpdir(), 'gpuq-k8s-real-'));
  const executors: KubernetesExecutor[] = [];
  const make = (overrides: Record<string, unknown> = {}) => {
    const config = KubernetesExecutorConfig.parse({ type: 'kubernetes', ...executorSettings, ...overrides });
    const executor = new KubernetesExecutor(config, foldContainer, artifactsDir, `real-${Math.random().toString(36).slice(2, 8)}`, log);
    executors.push(executor);
    return executor;
  };
  const request = (extra: Partial<ExecutionRequest> = {}): ExecutionRequest => ({
    jobId: `real-${Math.random().toString(36).slice(2, 10)}`,
    kind: 'fold',
    attempt: 1,
    input: foldInput(),
    gpu: { ...gpu, vramMb: 8_000 },
    ...extra,
  });
  afterAll(async () => {
    await Promise.all(executors.map((e) => e.close()));
    rmSync(artifactsDir, { recursive: true, force: true });
  });

  it('a fold runs as a Job and its result comes back', { timeout: 300_000 }, async () => {
    const result = (await make().run(request(), new AbortController().signal, recorder().hooks)) as { tokens: number };
    expect(result.tokens).toBe(40);
  });

  it('an image that cannot be pulled: failed, not retried, naming the image', { timeout: 300_000 }, async () => {
    const err = (await make({ image: 'registry.invalid/gpuq/none:0' })
      .run(request(), new AbortController().signal, recorder().hooks)
      .catch((e: unknown) => e)) as JobFailure;
    expect(err).toMatchObject({ code: 'worker_error', isRetryable: false });
    expect(err.message).toContain('registry.invalid/gpuq/none:0');
  });

  it("the Job's deadline: timed out", { timeout: 300_000 }, async () => {
    const err = (await make()
      .run(request({ input: foldInput(40, { samplingSteps: 100_000 }), timeoutMs: 5_000 }), new AbortController().signal, recorder().hooks)
      .catch((e: unknown) => e)) as JobFailure;
    expect(err).toMatchObject({ code: 'timed_out', isRetryable: false });
  });
});
