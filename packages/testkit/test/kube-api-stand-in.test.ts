// The Kubernetes API stand-in speaks the API's JSON and semantics for what gpuq uses, checked here
// over plain HTTP (the kubernetes executor's tests drive it with the real client library): 201 and
// 409 AlreadyExists on create, 404 with a Status, lists with a resourceVersion, watches that replay
// from a version and answer a compacted one with a 410 ERROR event, the Job controller's pods and
// verdicts (Complete, PodFailurePolicy, orphaning on delete), the kubelet's image pull errors and
// pod logs, and the scheduler's Unschedulable condition.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiStandIn, waitFor } from '../src/index.js';

const NS = 'tests';
const IMAGE = 'stand-in/sh:1';
const HELD = 'stand-in/held:1';

interface Status {
  kind: string;
  status: string;
  reason: string;
  code: number;
  message: string;
}
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface Obj {
  metadata: { name: string; resourceVersion: string; labels?: Record<string, string> };
  status: { phase?: string; conditions?: Condition[]; containerStatuses?: Array<{ state: Record<string, { reason?: string; message?: string; exitCode?: number }> }> };
}

describe('the Kubernetes API stand-in', () => {
  let api: KubeApiStandIn;
  let n = 0;
  const call = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: 'Bearer stand-in-token', 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as T };
  };
  const jobs = `/apis/batch/v1/namespaces/${NS}/jobs`;
  const job = (args: string[], extra: Record<string, unknown> = {}, image = IMAGE) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `job-${++n}`, labels: { 'gpuq.box': 'b1' } },
    spec: {
      backoffLimit: 0,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'worker', operator: 'In', values: [65] } }] },
      template: { metadata: { labels: { 'gpuq.box': 'b1' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'worker', image, args }] } },
      ...extra,
    },
  });
  const jobOf = (name: string) => api.store.get('jobs', NS, name) as unknown as Obj | undefined;
  const podOf = (name: string) => api.podsOf(NS, name)[0] as unknown as Obj | undefined;
  const condition = (name: string, type: string) => jobOf(name)?.status.conditions?.find((c) => c.type === type);

  beforeAll(async () => {
    api = await KubeApiStandIn.start({
      nodes: [{ name: 'node-a', gpus: [{ uuid: 'GPU-a', memoryMb: 1000 }] }],
      images: { [IMAGE]: { entrypoint: ['/bin/sh', '-c'] }, [HELD]: {} },
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('refuses a request without the kubeconfig’s token with 401', async () => {
    const res = await fetch(`${api.url}${jobs}`);
    expect(res.status).toBe(401);
  });

  it('creates a Job (201), refuses the same name with 409 AlreadyExists, and a name that is no DNS-1123 label with 422', async () => {
    const body = job(['exit 0']);
    const first = await call<Obj>('POST', jobs, body);
    expect(first.status).toBe(201);
    expect(Number(first.body.metadata.resourceVersion)).toBeGreaterThan(0);
    const second = await call<Status>('POST', jobs, body);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'AlreadyExists', code: 409, message: `jobs.batch "${body.metadata.name}" already exists` });
    const bad = await call<Status>('POST', jobs, { ...body, metadata: { name: 'Not_A_Label' } });
    expect(bad.status).toBe(422);
    expect(api.cluster.jobCreates.get(body.metadata.name)).toBe(1);
  });

  it('answers a missing Job with 404 and a NotFound Status', async () => {
    const res = await call<Status>('GET', `${jobs}/nope`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404, message: 'jobs.batch "nope" not found' });
  });

  it("runs a Job's pod to Succeeded and the Job to Complete; the pod's log is its output", async () => {
    const body = job(['echo hello; echo world >&2']);
    await call('POST', jobs, body);
    await waitFor(() => condition(body.metadata.name, 'Complete')?.status === 'True', { what: 'Complete' });
    expect(condition(body.metadata.name, 'SuccessCriteriaMet')?.status).toBe('True');
    const pod = podOf(body.metadata.name)!;
    expect(pod.metadata.labels).toMatchObject({ 'gpuq.box': 'b1', 'batch.kubernetes.io/job-name': body.metadata.name, 'job-name': body.metadata.name });
    expect(pod.status.phase).toBe('Succeeded');
    expect(pod.status.containerStatuses![0]!.state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    const log = await call<string>('GET', `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}/log?container=worker`);
    expect(log.body).toBe('hello\nworld\n');
  });

  it('fails a Job by its pod failure policy on exit code 65, with the controller’s message', async () => {
    const body = job(['exit 65']);
    await call('POST', jobs, body);
    const failed = await waitFor(() => condition(body.metadata.name, 'Failed'), { what: 'Failed' });
    const pod = podOf(body.metadata.name)!;
    expect(failed).toMatchObject({ status: 'True', reason: 'PodFailurePolicy', message: `Container worker for pod ${NS}/${pod.metadata.name} failed with exit code 65 matching FailJob rule at index 0` });
    expect(condition(body.metadata.name, 'FailureTarget')?.reason).toBe('PodFailurePolicy');
  });

  it('fails a Job past its backoff limit on any other exit code', async () => {
    const body = job(['exit 3']);
    await call('POST', jobs, body);
    expect(await waitFor(() => condition(body.metadata.name, 'Failed'), { what: 'Failed' })).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
  });

  it('an image it cannot pull: ErrImagePull, then ImagePullBackOff, naming the image', async () => {
    const body = job([], {}, 'nowhere.example/none:1');
    await call('POST', jobs, body);
    const waiting = await waitFor(() => podOf(body.metadata.name)?.status.containerStatuses?.[0]?.state.waiting?.reason === 'ImagePullBackOff' && podOf(body.metadata.name)!.status.containerStatuses![0]!.state.waiting, {
      what: 'ImagePullBackOff',
    });
    expect(waiting).toEqual({ reason: 'ImagePullBackOff', message: 'Back-off pulling image "nowhere.example/none:1"' });
    expect(podOf(body.metadata.name)!.status.phase).toBe('Pending');
  });

  it('a pod no node can take: PodScheduled False, Unschedulable, with the scheduler’s message', async () => {
    const body = job(['exit 0']);
    const spec = body.spec.template.spec as Record<string, unknown>;
    spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-z'] }] }] } } };
    await call('POST', jobs, body);
    const scheduled = await waitFor(() => podOf(body.metadata.name)?.status.conditions?.find((c) => c.type === 'PodScheduled'), { what: 'PodScheduled' });
    expect(scheduled).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    expect(scheduled.message).toMatch(/^0\/1 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector\./);
  });

  it('deletes a Job’s pods with propagationPolicy Background, and orphans them without one (batch/v1’s default)', async () => {
    const [kept, removed] = [job([], {}, HELD), job([], {}, HELD)];
    await call('POST', jobs, kept);
    await call('POST', jobs, removed);
    await waitFor(() => podOf(kept.metadata.name) && podOf(removed.metadata.name), { what: 'the pods' });
    expect((await call('DELETE', `${jobs}/${kept.metadata.name}`)).status).toBe(200);
    expect((await call('DELETE', `${jobs}/${removed.metadata.name}`, { propagationPolicy: 'Background' })).status).toBe(200);
    expect(podOf(kept.metadata.name)).toBeDefined();
    expect(podOf(removed.metadata.name)).toBeUndefined();
    expect((await call('DELETE', `${jobs}/${removed.metadata.name}`)).status).toBe(404);
  });

  it('lists by label with the list’s resourceVersion, and a watch from it replays what changed since', async () => {
    const list = await call<{ kind: string; metadata: { resourceVersion: string }; items: Obj[] }>('GET', `${jobs}?labelSelector=gpuq.box%3Db1`);
    expect(list.body.kind).toBe('JobList');
    expect(list.body.items.length).toBeGreaterThan(0);
    const other = await call<{ items: Obj[] }>('GET', `${jobs}?labelSelector=gpuq.box%3Db2`);
    expect(other.body.items).toEqual([]);
    const body = job([], {}, HELD);
    await call('POST', jobs, body);
    const controller = new AbortController();
    const res = await fetch(`${api.url}${jobs}?watch=true&labelSelector=gpuq.box%3Db1&resourceVersion=${list.body.metadata.resourceVersion}`, { headers: { authorization: 'Bearer stand-in-token' }, signal: controller.signal });
    const reader = res.body!.getReader();
    const chunk = (await reader.read()).value as Uint8Array;
    const first = JSON.parse(new TextDecoder().decode(chunk).split('\n')[0]!) as { type: string; object: Obj };
    expect(first).toMatchObject({ type: 'ADDED', object: { metadata: { name: body.metadata.name } } });
    controller.abort();
  });

  it('answers a watch from a compacted resourceVersion with a 200 whose one event is a 410 Expired Status', async () => {
    const old = api.store.resourceVersion;
    await call('POST', jobs, job([], {}, HELD));
    api.store.compact();
    // One event, one line: the body reads as that event.
    const res = await call<{ type: string; object: Status }>('GET', `${jobs}?watch=true&resourceVersion=${old}`);
    expect(res.status).toBe(200);
    const event = res.body;
    expect(event).toMatchObject({ type: 'ERROR', object: { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 } });
    expect(event.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });
});
