// gpuq's Jobs and their pods in one namespace, kept current by a list and then a watch per
// resource, filtered by the box's label. The watch resumes from the last resourceVersion it saw
// when the server closes it (it does, every few minutes), and lists again when that version is
// too old: the API server says so with an ERROR event carrying a 410 Status inside a 200 response,
// and client-node then calls `done` with no error (kubernetes-client/javascript#392), or, from some
// servers and proxies, with an HTTP 410 as `err.statusCode`. Both are handled.
import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '@gpuq/runtime';

export interface ListFn<T> {
  (labelSelector: string): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
}

const RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

/** One resource (Jobs, or pods) of one namespace: list, then watch from the list's version. */
export class ResourceWatch<T extends KubernetesObject> {
  readonly items = new Map<string, T>();
  private resourceVersion: string | undefined;
  private controller: AbortController | undefined;
  private isClosed = false;
  private isGone = false;
  private needsList = false;
  private failures = 0;
  private started: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** How many times it listed (the first time, and after each 410): for tests and logs. */
  lists = 0;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly path: string,
    private readonly labelSelector: string,
    private readonly list: ListFn<T>,
    private readonly onChange: () => void,
    private readonly log: Logger,
  ) {}

  /** Resolves once the first list is in. */
  start(): Promise<void> {
    this.started ??= this.relist().catch((err: unknown) => {
      this.started = undefined;
      throw err;
    });
    return this.started;
  }

  private async relist(): Promise<void> {
    const listed = await this.list(this.labelSelector);
    this.lists++;
    this.needsList = false;
    this.items.clear();
    for (const item of listed.items) if (item.metadata?.name) this.items.set(item.metadata.name, item);
    this.resourceVersion = listed.metadata?.resourceVersion;
    this.onChange();
    await this.watch();
  }

  private async watch(): Promise<void> {
    if (this.isClosed) return;
    const watch = new Watch(this.kubeConfig);
    const query = { labelSelector: this.labelSelector, allowWatchBookmarks: true, ...(this.resourceVersion ? { resourceVersion: this.resourceVersion } : {}) };
    this.controller = await watch.watch(this.path, query, (type: string, object: T & { code?: number; message?: string }) => this.event(type, object), (err: unknown) => this.ended(err));
    // Closed while the watch was starting: stop it now.
    if (this.isClosed) this.controller.abort();
  }

  private event(type: string, object: T & { code?: number; message?: string }): void {
    this.failures = 0;
    if (type === 'ERROR') {
      if (object.code === 410) this.isGone = true;
      else this.log.warn({ path: this.path, code: object.code, message: object.message }, 'the watch sent an error');
      return;
    }
    const version = object.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    if (type === 'BOOKMARK') return;
    const name = object.metadata?.name;
    if (!name) return;
    if (type === 'DELETED') this.items.delete(name);
    else this.items.set(name, object);
    this.onChange();
  }

  private ended(err: unknown): void {
    if (this.isClosed) return;
    const isGone = this.isGone || (err as { statusCode?: number } | null)?.statusCode === 410;
    this.isGone = false;
    if (isGone) {
      this.needsList = true;
      this.log.info({ path: this.path, resourceVersion: this.resourceVersion }, 'the watch’s resource version is too old (410 Gone): listing again');
    }
    const isFailure = Boolean(err) && !isGone;
    if (isFailure) this.failures++;
    const delayMs = isFailure ? Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** (this.failures - 1)) : 0;
    if (isFailure) this.log.warn({ err, path: this.path, retryInMs: delayMs }, this.needsList ? 'listing failed: trying again' : 'the watch broke: resuming from the last resource version');
    this.retryTimer = setTimeout(() => {
      const next = this.needsList ? this.relist() : this.watch();
      next.catch((error: unknown) => this.ended(error ?? new Error('the watch could not restart')));
    }, delayMs);
    this.retryTimer.unref();
  }

  close(): void {
    this.isClosed = true;
    clearTimeout(this.retryTimer);
    this.controller?.abort();
  }
}
