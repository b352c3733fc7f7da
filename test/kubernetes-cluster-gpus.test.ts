// A Kubernetes cluster's GPU nodes as the box's GPUs, against the API stand-in (packages/testkit,
// real HTTP, the real @kubernetes/client-node): the inventory read from GPU feature discovery's
// labels and HAMi's annotation, then followed — other teams' pods count as "not ours", a cordoned
// or not Ready node drains its GPUs with that reason, a node that joins adds its GPUs, one that
// leaves takes them out once no job of ours holds one. Then a whole gpuq whose GPUs are a cluster's:
// a fold waits while another team's pod holds the GPU and runs there once it is free; a cordoned
// node drains; the next fold runs on a node that joined; a node removed leaves the inventory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterGpusConfig } from '@gpuq/shared';
import { pino } from 'pino';
import { createLogger } from '@gpuq/runtime';
import { KubeApiStandIn, waitFor, type StandInNode } from '@gpuq/testkit';
import { VramLedger } from '../apps/scheduler/src/core/ledger.js';
import { ClusterGpus } from '../apps/scheduler/src/gpus/cluster/cluster-gpus.js';
import { GpuHealth } from '../apps/scheduler/src/gpus/gpu-health.js';
import { jobName } from '../apps/scheduler/src/executors/kubernetes/job-manifest.js';
import { foldExecutor, startFoldCluster } from './helpers/kube-fold.js';
import { Stack } from './helpers/stack.js';

const log = createLogger('kubernetes-cluster-gpus-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** A small fold, as a submit's body. */
const FOLD = { kind: 'fold', input: { sequences: [{ protein: { id: 'A', sequence: 'MVTPEGNVSLVDESLLVGKL', msa: 'empty' } }], options: { samplingSteps: 10 } } };

/** A gpuq (API, scheduler, Redis) whose GPUs are the stand-in cluster's `nodes`; its folds run there as Jobs. */
async function startOnCluster(boxId: string, nodes: StandInNode[], executor: Record<string, unknown> = {}) {
  const root = mkdtempSync(join(tmpdir(), `gpuq-${boxId}-`));
  const standIn = await startFoldCluster(root, nodes);
  let stack: Stack | undefined;
  const stop = async () => {
    await stack?.stop();
    await standIn.close();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    stack = await Stack.start({
      cluster: { kubeconfig: standIn.kubeconfig, pollIntervalMs: 200 },
      scheduler: { boxId },
      kinds: { fold: { backoffMs: 100, executor: foldExecutor(standIn, root, executor).settings } },
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { standIn, stack, stop };
}

describe("the cluster's GPUs, read and followed", () => {
  let standIn: KubeApiStandIn;
  const followed: ClusterGpus[] = [];

  beforeAll(async () => {
    standIn = await KubeApiStandIn.start({
      nodes: [
        { name: 'gfd-node', gpus: [{ uuid: 'GPU-fake-24576-0', memoryMb: 24_576 }, { uuid: 'GPU-fake-24576-1', memoryMb: 24_576 }], product: 'NVIDIA-L4' },
        { name: 'hami-node', gpuLabels: 'hami', hamiSplit: 4, gpus: [{ uuid: 'GPU-h-0', memoryMb: 81_920 }] },
      ],
      images: {},
    });
  });
  afterEach(() => {
    for (const cluster of followed.splice(0)) cluster.stop();
  });
  afterAll(async () => {
    await standIn?.close();
  });

  const read = (logger = log) => ClusterGpus.read(ClusterGpusConfig.parse({ kubeconfig: standIn.kubeconfig, pollIntervalMs: 50 }), logger);

  /** The cluster followed into a ledger of its GPUs, as the scheduler does; `onLog` hears what it logs. */
  const follow = async (boxId = 'box-a', onLog?: (line: { msg?: string; problem?: string }) => void) => {
    const cluster = await read(onLog ? pino({ level: 'info' }, { write: (text: string) => onLog(JSON.parse(text) as { msg?: string }) }) : log);
    const ledger = new VramLedger(cluster.specs());
    const health = new GpuHealth(ledger, 3, 60_000, () => undefined);
    const isOurs = (pod: V1Pod) => pod.metadata?.labels?.['gpuq.box'] === boxId;
    cluster.follow({ ledger, health, isOurs, prepare: (spec) => ({ ...spec, label: `${boxId}/${spec.id}` }), onChange: () => undefined });
    followed.push(cluster);
    return { ledger, cluster };
  };

  it('reads whole GPUs from the feature-discovery labels and shared ones from HAMi, each with its node', async () => {
    const cluster = await read();
    expect(cluster.specs()).toEqual([
      { id: 'gfd-node-gpu0', totalMb: 24_576, name: 'NVIDIA-L4', isSimulated: false, maxJobs: 1 },
      { id: 'gfd-node-gpu1', totalMb: 24_576, name: 'NVIDIA-L4', isSimulated: false, maxJobs: 1 },
      { id: 'hami-node-gpu0', totalMb: 81_920, uuid: 'GPU-h-0', name: 'NVIDIA-NVIDIA-H100-80GB-HBM3', isSimulated: false, maxJobs: 4 },
    ]);
    expect(Object.fromEntries(cluster.specs().map((g) => [g.id, cluster.nodeOf(g.id)]))).toEqual({ 'gfd-node-gpu0': 'gfd-node', 'gfd-node-gpu1': 'gfd-node', 'hami-node-gpu0': 'hami-node' });
  });

  it('gives a GPU HAMi could share one job at a time when the Jobs ask for whole GPUs (gpuSharing whole)', async () => {
    const cluster = await ClusterGpus.read(ClusterGpusConfig.parse({ kubeconfig: standIn.kubeconfig }), log, true);
    expect(cluster.specs().find((g) => g.id === 'hami-node-gpu0')).toMatchObject({ uuid: 'GPU-h-0', maxJobs: 1 });
  });

  it('fails to start, saying what it found, when no node matches or none offers a GPU', async () => {
    const config = ClusterGpusConfig.parse({ kubeconfig: standIn.kubeconfig, nodeSelector: 'pool=none' });
    await expect(ClusterGpus.read(config, log)).rejects.toThrow(`no GPU to schedule at ${standIn.url}: 0 node(s) match nodeSelector pool=none`);
  });

  it("counts another team's whole GPU and HAMi slice as not ours, and this box's own pods not at all", async () => {
    const { ledger } = await follow();
    standIn.cluster.runPod('team-b', 'train-1', 'gfd-node', { gpus: 1 });
    standIn.cluster.runPod('team-b', 'notebook-1', 'hami-node', { gpus: 1, gpumemMb: 30_000, uuid: 'GPU-h-0' });
    standIn.cluster.runPod('gpuq-jobs', 'ours-1', 'hami-node', { gpus: 1, gpumemMb: 10_000, uuid: 'GPU-h-0', labels: { 'gpuq.box': 'box-a' } });
    await waitFor(() => ledger.capacity('hami-node-gpu0')!.notOursMb === 30_000 || undefined, { what: "the HAMi slice to count as not ours" });
    // The device plugin, not the API, knows which GPU it gave: the node's last GPU without a job of ours.
    expect([ledger.capacity('gfd-node-gpu0')!.notOursMb, ledger.capacity('gfd-node-gpu1')!.notOursMb]).toEqual([0, 24_576]);
    standIn.cluster.deletePod('team-b', 'train-1');
    standIn.cluster.deletePod('team-b', 'notebook-1');
    standIn.cluster.deletePod('gpuq-jobs', 'ours-1');
    await waitFor(() => ledger.capacities().every((g) => g.notOursMb === 0) || undefined, { what: 'their memory to be free again' });
  });

  it('drains the GPUs of a cordoned or not Ready node with that reason, and opens them again', async () => {
    const { ledger } = await follow();
    const reasonOf = (id: string) => ledger.capacity(id)!.drainedReason;
    standIn.cluster.cordon('gfd-node');
    await waitFor(() => reasonOf('gfd-node-gpu0') === 'node gfd-node is cordoned' || undefined, { what: 'the cordoned node to drain' });
    expect(reasonOf('gfd-node-gpu1')).toBe('node gfd-node is cordoned');
    expect(reasonOf('hami-node-gpu0')).toBeUndefined();
    standIn.cluster.cordon('gfd-node', false);
    await waitFor(() => reasonOf('gfd-node-gpu0') === undefined || undefined, { what: 'the uncordoned node to open' });

    standIn.cluster.setReady('hami-node', false);
    await waitFor(() => reasonOf('hami-node-gpu0') === 'node hami-node is not Ready (NodeStatusUnknown: Kubelet stopped posting node status.)' || undefined, { what: 'the node that is not Ready to drain' });
    standIn.cluster.setReady('hami-node', true);
    await waitFor(() => reasonOf('hami-node-gpu0') === undefined || undefined, { what: 'the Ready node to open' });
  });

  it('takes the GPUs of a node that left out of the inventory once no job of ours holds one (drained until then), and back when it returns', async () => {
    const lines: Array<{ msg?: string }> = [];
    const { ledger, cluster } = await follow('box-a', (line) => lines.push(line));
    standIn.cluster.addNode({ name: 'spot-node', gpus: [{ uuid: 'GPU-fake-24576-3', memoryMb: 24_576 }, { uuid: 'GPU-fake-24576-4', memoryMb: 24_576 }], product: 'NVIDIA-L4' });
    await waitFor(() => ledger.capacity('spot-node-gpu1'), { what: "the node's GPUs in the ledger" });
    // A job of ours holds one of its GPUs when the node goes (a spot instance reclaimed, a scale-down).
    ledger.reserve('running-there', 'spot-node-gpu0', 10_000, Date.now() + 60_000);
    standIn.cluster.removeNode('spot-node');
    const gone = 'node spot-node is gone from the cluster, or no longer matches nodeSelector nvidia.com/gpu.present=true';
    await waitFor(() => ledger.capacity('spot-node-gpu1')?.drainedReason === gone || undefined, { what: 'the node that left to drain while its job runs' });
    expect(ledger.capacity('spot-node-gpu0')?.drainedReason).toBe(gone);
    expect(cluster.nodeOf('spot-node-gpu0')).toBe('spot-node');

    // Its job ends (its pod went with the node): the node's GPUs leave the inventory, said once.
    ledger.release('running-there');
    await waitFor(() => (ledger.capacity('spot-node-gpu0') === undefined && ledger.capacity('spot-node-gpu1') === undefined) || undefined, { what: "the node's GPUs to leave the ledger" });
    expect(cluster.nodeOf('spot-node-gpu0')).toBeUndefined();
    expect(ledger.capacities().map((c) => c.id)).toEqual(['gfd-node-gpu0', 'gfd-node-gpu1', 'hami-node-gpu0']);
    await new Promise((resolve) => setTimeout(resolve, 200)); // several polls
    expect(lines.filter((l) => l.msg?.startsWith('node spot-node left the cluster'))).toHaveLength(1);

    // The node joins again (the same name): scheduled again, open.
    standIn.cluster.addNode({ name: 'spot-node', gpus: [{ uuid: 'GPU-fake-24576-3', memoryMb: 24_576 }], product: 'NVIDIA-L4' });
    await waitFor(() => ledger.capacity('spot-node-gpu0'), { what: "the returning node's GPU in the ledger" });
    expect(ledger.capacity('spot-node-gpu0')).toMatchObject({ totalMb: 24_576, drainedReason: undefined, jobs: 0 });
    expect(cluster.nodeOf('spot-node-gpu0')).toBe('spot-node');
  });

  it('keeps the GPUs as last read while the API does not answer, says so once, and follows again when it does', async () => {
    const lines: Array<{ msg?: string; problem?: string }> = [];
    const { ledger } = await follow('box-a', (line) => lines.push(line));
    standIn.cluster.cordon('gfd-node');
    await waitFor(() => ledger.capacity('gfd-node-gpu0')!.drainedReason === 'node gfd-node is cordoned' || undefined, { what: 'the cordon to be read' });
    standIn.unavailable = /^\/api\/v1\/(nodes|pods)$/;
    try {
      standIn.cluster.cordon('gfd-node', false);
      await waitFor(() => lines.some((l) => l.msg?.startsWith("the cluster's nodes and pods cannot be read")) || undefined, { what: 'the failure to be logged' });
      await new Promise((resolve) => setTimeout(resolve, 200)); // several more polls
      expect(ledger.capacity('gfd-node-gpu0')!.drainedReason).toBe('node gfd-node is cordoned');
      expect(lines.filter((l) => l.msg?.startsWith("the cluster's nodes and pods cannot be read"))).toHaveLength(1);
    } finally {
      standIn.unavailable = undefined;
    }
    await waitFor(() => ledger.capacity('gfd-node-gpu0')!.drainedReason === undefined || undefined, { what: 'the uncordon to be read once the API answers' });
    expect(lines.some((l) => l.msg === "the cluster's nodes and pods can be read again")).toBe(true);
  });

  it('adds the GPUs of a node that joins, with its node for the Jobs, and of one whose labels come after it joined', async () => {
    const { ledger, cluster } = await follow();
    standIn.cluster.addNode({ name: 'scaled-up', gpus: [{ uuid: 'GPU-fake-40960-9', memoryMb: 40_960 }] });
    await waitFor(() => ledger.capacity('scaled-up-gpu0'), { what: 'the new node’s GPU in the ledger' });
    expect(ledger.capacity('scaled-up-gpu0')).toMatchObject({ label: 'box-a/scaled-up-gpu0', totalMb: 40_960, drainedReason: undefined, maxJobs: 1 });
    expect(cluster.nodeOf('scaled-up-gpu0')).toBe('scaled-up');

    standIn.cluster.addNode({ name: 'unlabelled', gpus: [{ uuid: 'GPU-fake-40960-8', memoryMb: 40_960 }], gpuLabels: 'none' });
    await new Promise((resolve) => setTimeout(resolve, 200)); // several polls
    expect(ledger.capacity('unlabelled-gpu0')).toBeUndefined();
    standIn.cluster.setGpuLabels('unlabelled', 'gfd');
    await waitFor(() => ledger.capacity('unlabelled-gpu0'), { what: 'the labelled node’s GPU in the ledger' });
  });
});

describe('a gpuq whose GPUs are a cluster’s (config `cluster`, no `gpus`, no gpuNodes)', () => {
  let standIn: KubeApiStandIn;
  let stack: Stack;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ standIn, stack, stop } = await startOnCluster('k8s-box', [{ name: 'l4-node', gpus: [{ uuid: 'GPU-fake-24576-7', memoryMb: 24_576 }], product: 'NVIDIA-L4' }]));
  });
  afterAll(async () => {
    await stop?.();
  });

  it("shows the cluster's GPU; a fold waits while another team's pod holds it, then runs there as a Job on its node", async () => {
    const gpu = await waitFor(async () => (await stack.inventory())?.gpus.find((g) => g.id === 'l4-node-gpu0'), { what: "the cluster's GPU in the inventory" });
    expect(gpu).toMatchObject({ totalMb: 24_576 });

    standIn.cluster.runPod('team-b', 'train-1', 'l4-node', { gpus: 1 });
    await waitFor(async () => ((await stack.inventory())?.gpus.find((g) => g.id === 'l4-node-gpu0')?.notOursMb === 24_576) || undefined, { what: "the other team's pod to count as not ours" });
    const submitted = await stack.submit(FOLD);
    const waiting = await waitFor(async () => {
      const view = await stack.job(submitted.id);
      return view.pendingReason ? view : undefined;
    }, { what: 'the fold to say why it waits' });
    expect(waiting.status).toBe('queued');
    expect(waiting.pendingReason).toMatch(/largest free is 0 MiB on k8s-box\/l4-node-gpu0/);
    expect(standIn.cluster.jobCreates.size).toBe(0);

    standIn.cluster.deletePod('team-b', 'train-1');
    const done = await stack.waitForJob(submitted.id, undefined, 30_000);
    expect(done.status, stack.logs()).toBe('succeeded');
    expect(done.placement).toMatchObject({ gpu: 'l4-node-gpu0' });
    const pod = [...standIn.cluster.logs.keys()].find((p) => p.startsWith(`${jobName(submitted.id, 1)}-`))!;
    expect(standIn.cluster.placementOf(pod)).toEqual({ node: 'l4-node', gpu: 'GPU-fake-24576-7' });
  });

  it('a node cordoned: its GPU drained with the reason; a node that joins: the next fold runs there; a node removed: gone from the inventory', async () => {
    standIn.cluster.cordon('l4-node');
    await waitFor(async () => ((await stack.inventory())?.gpus.find((g) => g.id === 'l4-node-gpu0')?.drainedReason === 'node l4-node is cordoned') || undefined, { what: 'the cordoned node’s GPU to drain' });
    standIn.cluster.addNode({ name: 'l4-node-2', gpus: [{ uuid: 'GPU-fake-24576-8', memoryMb: 24_576 }], product: 'NVIDIA-L4' });
    await waitFor(async () => (await stack.inventory())?.gpus.find((g) => g.id === 'l4-node-2-gpu0'), { what: "the new node's GPU in the inventory" });
    const submitted = await stack.submit(FOLD);
    const done = await stack.waitForJob(submitted.id, undefined, 30_000);
    expect(done.status, stack.logs()).toBe('succeeded');
    expect(done.placement).toMatchObject({ gpu: 'l4-node-2-gpu0' });
    const pod = [...standIn.cluster.logs.keys()].find((p) => p.startsWith(`${jobName(submitted.id, 1)}-`))!;
    expect(standIn.cluster.placementOf(pod)).toEqual({ node: 'l4-node-2', gpu: 'GPU-fake-24576-8' });

    const metricsUrl = (await stack.scheduler.waitForLog((l) => l.msg === 'scheduler starting', 'start')).metrics as string;
    const seriesOf = async (gpu: string) => (await (await fetch(metricsUrl)).text()).split('\n').filter((line) => line.startsWith('gpuq_gpu_vram_total_bytes{') && line.includes(`gpu="${gpu}"`));
    expect(await seriesOf('l4-node-gpu0')).toHaveLength(1);
    standIn.cluster.removeNode('l4-node');
    const left = await waitFor(async () => {
      const gpus = (await stack.inventory())?.gpus;
      return gpus && !gpus.some((g) => g.id === 'l4-node-gpu0') ? gpus : undefined;
    }, { what: "the removed node's GPU to leave the inventory" });
    expect(left.map((g) => g.id)).toEqual(['l4-node-2-gpu0']);
    // Its series leave the scheduler's metrics with it.
    expect(await seriesOf('l4-node-gpu0')).toEqual([]);
    expect(await seriesOf('l4-node-2-gpu0')).toHaveLength(1);
  });
});

describe('a gpuq on a cluster with HAMi: GPUs by UUID from its annotation, shared by VRAM', () => {
  let standIn: KubeApiStandIn;
  let stack: Stack;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ standIn, stack, stop } = await startOnCluster('hami-box', [{ name: 'h100-node', gpuLabels: 'hami', hamiSplit: 4, gpus: [{ uuid: 'GPU-fake-81920-5', memoryMb: 81_920 }] }], { gpuSharing: 'hami' }));
  });
  afterAll(async () => {
    await stop?.();
  });

  it("counts another team's HAMi slice as not ours, and runs a fold beside it on the GPU named by its UUID", async () => {
    standIn.cluster.runPod('team-b', 'notebook-1', 'h100-node', { gpus: 1, gpumemMb: 70_000, uuid: 'GPU-fake-81920-5' });
    const gpu = await waitFor(async () => (await stack.inventory())?.gpus.find((g) => g.id === 'h100-node-gpu0' && g.notOursMb === 70_000), { what: "the other team's slice to count as not ours" });
    expect(gpu).toMatchObject({ uuid: 'GPU-fake-81920-5', totalMb: 81_920 });

    const submitted = await stack.submit(FOLD);
    const done = await stack.waitForJob(submitted.id, undefined, 30_000);
    expect(done.status, stack.logs()).toBe('succeeded');
    const pod = [...standIn.cluster.logs.keys()].find((p) => p.startsWith(`${jobName(submitted.id, 1)}-`))!;
    expect(standIn.cluster.placementOf(pod)).toEqual({ node: 'h100-node', gpu: 'GPU-fake-81920-5' });
    expect(standIn.cluster.podsOnGpu('GPU-fake-81920-5')).toBe(1); // the other team's, still running
  });
});
