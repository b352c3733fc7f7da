// A Kubernetes API server stand-in for tests where no cluster can run: a real HTTP server on
// 127.0.0.1 speaking the API's JSON for what gpuq uses — batch/v1 Jobs (create, get, list, delete
// with propagationPolicy; 409 AlreadyExists on a duplicate name), pods (list and watch by label,
// their log, followed or not), nodes and every namespace's pods (listed by label and field), and watches that start from a resourceVersion, replay what changed
// since, and answer a compacted one with an ERROR event carrying 410 Expired inside a 200, as the
// real API server does (kubernetes/kubernetes#35068). Behind it, kube-cluster.ts plays the Job
// controller, the scheduler and the kubelet. `kubeconfig` is a file the real client library loads.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeCluster, type StandInImage, type StandInNode } from './kube-cluster.js';
import type { Job } from './kube-objects.js';
import { KubeStore, parseFieldSelector, parseSelector, type KubeObject, type Resource, type StoreWatcher } from './kube-store.js';

export type { StandInImage, StandInNode } from './kube-cluster.js';

export interface KubeApiStandInOptions {
  nodes: StandInNode[];
  /** Images the kubelet can "pull", by name; any other fails with ErrImagePull, then ImagePullBackOff. */
  images: Record<string, StandInImage>;
}

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A metav1.Status, the API's error body (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-deletion has one). */
function status(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 400 ? 'Success' : 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export class KubeApiStandIn {
  readonly store = new KubeStore();
  readonly cluster: KubeCluster;
  /** Every POST of a Job, including those refused with 409. */
  createRequests = 0;
  /** Watches started, by resource: a client that re-lists after a 410 starts another. */
  readonly watchesStarted = { jobs: 0, pods: 0 };
  url = '';
  kubeconfig = '';
  private readonly server: Server;
  private readonly dir = mkdtempSync(join(tmpdir(), 'kube-stand-in-'));
  private readonly openWatches = new Set<ServerResponse>();

  private constructor(options: KubeApiStandInOptions) {
    this.cluster = new KubeCluster(this.store, options.nodes, options.images);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.send(res, 500, status(500, 'InternalError', (err as Error).message)));
    });
  }

  static async start(options: KubeApiStandInOptions): Promise<KubeApiStandIn> {
    const standIn = new KubeApiStandIn(options);
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    standIn.url = `http://127.0.0.1:${(standIn.server.address() as AddressInfo).port}`;
    standIn.kubeconfig = join(standIn.dir, 'kubeconfig');
    writeFileSync(
      standIn.kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: stand-in',
        '  cluster:',
        `    server: ${standIn.url}`,
        // client-node refuses plain http unless told to skip TLS verification (KubeConfig.createAgent).
        '    insecure-skip-tls-verify: true',
        'users:',
        '- name: gpuq',
        '  user:',
        '    token: stand-in-token',
        'contexts:',
        '- name: stand-in',
        '  context:',
        '    cluster: stand-in',
        '    user: gpuq',
        'current-context: stand-in',
        '',
      ].join('\n'),
    );
    return standIn;
  }

  /** Ends every open watch, as the API server does when a watch's timeout passes. */
  closeWatches(): void {
    for (const res of this.openWatches) res.end();
    this.openWatches.clear();
  }

  /** Pods of a Job (by the controller's job-name label). */
  podsOf(namespace: string, jobName: string): KubeObject[] {
    return this.store.list('pods', namespace, [{ key: 'batch.kubernetes.io/job-name', value: jobName, isEqual: true }]);
  }

  /** Paths answered 503 while set, as an API server that is down or overloaded answers. */
  unavailable: RegExp | undefined;

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (req.headers.authorization !== 'Bearer stand-in-token') {
      this.send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    if (this.unavailable?.test(url.pathname)) {
      this.send(res, 503, status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'));
      return;
    }
    const path = url.pathname.split('/').filter(Boolean);
    const query = url.searchParams;
    // /apis/batch/v1/namespaces/{ns}/jobs[/{name}]
    if (path[0] === 'apis' && path[1] === 'batch' && path[2] === 'v1' && path[3] === 'namespaces' && path[5] === 'jobs') {
      const namespace = path[4]!;
      const name = path[6];
      if (!name && req.method === 'POST') return this.createJob(req, res, namespace);
      if (!name && req.method === 'GET') return this.listOrWatch(req, res, 'jobs', namespace, query);
      if (name && path.length === 7 && req.method === 'GET') return this.getOne(res, 'jobs', namespace, name);
      if (name && path.length === 7 && req.method === 'DELETE') return this.deleteJob(req, res, namespace, name, query);
    }
    // /api/v1/nodes and /api/v1/pods: lists across the cluster, as the GPU inventory reads them.
    if (path[0] === 'api' && path[1] === 'v1' && path.length === 3 && (path[2] === 'nodes' || path[2] === 'pods') && req.method === 'GET') {
      return this.listAll(res, path[2], query);
    }
    // /api/v1/namespaces/{ns}/pods[/{name}[/log]]
    if (path[0] === 'api' && path[1] === 'v1' && path[2] === 'namespaces' && path[4] === 'pods') {
      const namespace = path[3]!;
      const name = path[5];
      if (!name && req.method === 'GET') return this.listOrWatch(req, res, 'pods', namespace, query);
      if (name && path.length === 6 && req.method === 'GET') return this.getOne(res, 'pods', namespace, name);
      if (name && path[6] === 'log' && req.method === 'GET') return this.podLog(req, res, namespace, name, query);
    }
    this.send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
  }

  private async createJob(req: IncomingMessage, res: ServerResponse, namespace: string): Promise<void> {
    this.createRequests++;
    const body = JSON.parse(await readBody(req)) as Job;
    const name = body.metadata?.name;
    if (!name || name.length > 63 || !DNS_1123_LABEL.test(name)) {
      this.send(res, 422, status(422, 'Invalid', `Job.batch "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 label, at most 63 characters`));
      return;
    }
    if (this.store.get('jobs', namespace, name)) {
      this.send(res, 409, status(409, 'AlreadyExists', `jobs.batch "${name}" already exists`, { name, group: 'batch', kind: 'jobs' }));
      return;
    }
    this.send(res, 201, this.cluster.createJob(namespace, body));
  }

  private getOne(res: ServerResponse, resource: Resource, namespace: string, name: string): void {
    const object = this.store.get(resource, namespace, name);
    if (object) this.send(res, 200, object);
    else this.send(res, 404, status(404, 'NotFound', `${resource === 'jobs' ? 'jobs.batch' : 'pods'} "${name}" not found`, { name, ...(resource === 'jobs' ? { group: 'batch' } : {}), kind: resource }));
  }

  private async deleteJob(req: IncomingMessage, res: ServerResponse, namespace: string, name: string, query: URLSearchParams): Promise<void> {
    const body = await readBody(req);
    const options = body ? (JSON.parse(body) as { propagationPolicy?: string }) : {};
    const deleted = this.cluster.deleteJob(namespace, name, query.get('propagationPolicy') ?? options.propagationPolicy ?? null);
    if (deleted) this.send(res, 200, deleted);
    else this.getOne(res, 'jobs', namespace, name);
  }

  private listAll(res: ServerResponse, resource: 'nodes' | 'pods', query: URLSearchParams): void {
    let items;
    try {
      items = this.store.listAll(resource, parseSelector(query.get('labelSelector')), parseFieldSelector(query.get('fieldSelector')));
    } catch (err) {
      this.send(res, 400, status(400, 'BadRequest', (err as Error).message));
      return;
    }
    this.send(res, 200, { kind: resource === 'nodes' ? 'NodeList' : 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.store.resourceVersion) }, items });
  }

  private listOrWatch(req: IncomingMessage, res: ServerResponse, resource: 'jobs' | 'pods', namespace: string, query: URLSearchParams): void {
    let selector;
    try {
      selector = parseSelector(query.get('labelSelector'));
    } catch (err) {
      this.send(res, 400, status(400, 'BadRequest', (err as Error).message));
      return;
    }
    const kind = resource === 'jobs' ? 'JobList' : 'PodList';
    const apiVersion = resource === 'jobs' ? 'batch/v1' : 'v1';
    if (query.get('watch') !== 'true' && query.get('watch') !== '1') {
      this.send(res, 200, { kind, apiVersion, metadata: { resourceVersion: String(this.store.resourceVersion) }, items: this.store.list(resource, namespace, selector) });
      return;
    }
    this.watchesStarted[resource]++;
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // The API server answers a watch at once; the events follow as they happen.
    res.flushHeaders();
    const write = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    const from = query.get('resourceVersion');
    if (from && from !== '0') {
      const events = this.store.since(resource, namespace, Number(from), selector);
      if (!events) {
        // A 200 whose one event is a 410 Status; then the server ends the stream.
        write('ERROR', status(410, 'Expired', `too old resource version: ${from} (${this.store.compactedRevision})`));
        res.end();
        return;
      }
      for (const event of events) write(event.type, event.object);
    } else {
      // No version: the current state as ADDED events, then changes ("Get State and Start at Most Recent").
      for (const object of this.store.list(resource, namespace, selector)) write('ADDED', object);
    }
    const watcher: StoreWatcher = { resource, namespace, selector, send: (event) => write(event.type, event.object) };
    this.store.watchers.add(watcher);
    this.openWatches.add(res);
    const stop = () => {
      this.store.watchers.delete(watcher);
      this.openWatches.delete(res);
    };
    req.on('close', stop);
    res.on('close', stop);
  }

  private podLog(req: IncomingMessage, res: ServerResponse, namespace: string, name: string, query: URLSearchParams): void {
    const pod = this.store.get('pods', namespace, name);
    if (!pod) {
      this.getOne(res, 'pods', namespace, name);
      return;
    }
    const state = ((pod.status as { containerStatuses?: Array<{ name: string; state?: Record<string, { reason?: string }> }> }).containerStatuses ?? [])[0];
    const container = query.get('container') ?? state?.name ?? 'worker';
    if (!state || state.state?.waiting) {
      // The kubelet's answer for a container that has not started (pkg/kubelet/kubelet_pods.go).
      this.send(res, 400, status(400, 'BadRequest', `container "${container}" in pod "${name}" is waiting to start: ${state?.state?.waiting?.reason ?? 'ContainerCreating'}`));
      return;
    }
    let text = this.cluster.logs.get(name) ?? '';
    const tail = query.get('tailLines');
    if (tail) text = text.split(/(?<=\n)/).slice(-Number(tail)).join('');
    // sinceTime: the stand-in keeps no timestamps per line; a follow from now sends only what comes.
    if (query.get('sinceTime') || query.get('sinceSeconds')) text = '';
    const isFollow = query.get('follow') === 'true';
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    res.write(text);
    if (!isFollow || state.state?.terminated) {
      res.end();
      return;
    }
    const stop = this.cluster.onLog(name, (piece) => {
      if (piece === null) {
        stop();
        res.end();
      } else res.write(piece);
    });
    req.on('close', stop);
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  async close(): Promise<void> {
    this.cluster.close();
    this.closeWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
