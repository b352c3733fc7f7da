// The Kubernetes API stand-in's storage: objects by resource, namespace and name, one
// resourceVersion counter for all of them (as etcd's revision is), the history of changes a watch
// replays from a version, and compaction, after which a watch from an older version gets 410 Gone.
// Semantics from https://kubernetes.io/docs/reference/using-api/api-concepts/ ("Resource versions",
// "Efficient detection of changes").

/** Nodes are cluster-scoped: kept under the namespace ''. */
export type Resource = 'jobs' | 'pods' | 'nodes';
export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface StoredEvent {
  resourceVersion: number;
  resource: Resource;
  namespace: string;
  type: EventType;
  object: KubeObject;
}

export interface StoreWatcher {
  resource: Resource;
  namespace: string;
  selector: LabelSelector;
  send(event: StoredEvent): void;
}

/** An equality-based label selector (`a=b,c==d,e!=f`): what gpuq sends. */
export type LabelSelector = Array<{ key: string; value: string; isEqual: boolean }>;

export function parseSelector(text: string | null): LabelSelector {
  if (!text) return [];
  return text.split(',').map((term) => {
    const match = /^([^!=]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!match) throw new Error(`unable to parse requirement: ${term}`);
    return { key: match[1]!, value: match[3]!, isEqual: match[2] !== '!=' };
  });
}

/** A field selector (`status.phase!=Failed,spec.nodeName=n`): fields by their dotted path. */
export type FieldSelector = Array<{ path: string[]; value: string; isEqual: boolean }>;

export function parseFieldSelector(text: string | null): FieldSelector {
  return parseSelector(text).map((term) => ({ path: term.key.split('.'), value: term.value, isEqual: term.isEqual }));
}

export function matchesFields(object: KubeObject, selector: FieldSelector): boolean {
  return selector.every((term) => {
    let value: unknown = object;
    for (const part of term.path) value = (value as Record<string, unknown> | undefined)?.[part];
    // An unset field compares as the empty string, as the API server's field sets do.
    const text = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
    return (text === term.value) === term.isEqual;
  });
}

export function matches(object: KubeObject, selector: LabelSelector): boolean {
  const labels = object.metadata.labels ?? {};
  return selector.every((term) => (labels[term.key] === term.value) === term.isEqual);
}

const clone = <T>(value: T): T => structuredClone(value);

export class KubeStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: StoredEvent[] = [];
  readonly watchers = new Set<StoreWatcher>();
  private revision = 1;
  /** Versions at or below this are compacted away: watching from them is 410 Gone. */
  compactedRevision = 0;

  get resourceVersion(): number {
    return this.revision;
  }

  private key(resource: Resource, namespace: string, name: string): string {
    return `${resource}/${namespace}/${name}`;
  }

  get<T extends KubeObject = KubeObject>(resource: Resource, namespace: string, name: string): T | undefined {
    const object = this.objects.get(this.key(resource, namespace, name));
    return object ? (clone(object) as T) : undefined;
  }

  list<T extends KubeObject = KubeObject>(resource: Resource, namespace: string, selector: LabelSelector = []): T[] {
    const prefix = `${resource}/${namespace}/`;
    return [...this.objects.entries()].filter(([key, o]) => key.startsWith(prefix) && matches(o, selector)).map(([, o]) => clone(o) as T);
  }

  /** Objects of a resource in every namespace (`GET /api/v1/pods`). */
  listAll<T extends KubeObject = KubeObject>(resource: Resource, selector: LabelSelector = [], fields: FieldSelector = []): T[] {
    return [...this.objects.entries()].filter(([key, o]) => key.startsWith(`${resource}/`) && matches(o, selector) && matchesFields(o, fields)).map(([, o]) => clone(o) as T);
  }

  /** Stores a new or changed object: a new resourceVersion, an event for watchers. */
  put(resource: Resource, object: KubeObject): KubeObject {
    const key = this.key(resource, object.metadata.namespace, object.metadata.name);
    const type: EventType = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    this.revision++;
    const stored = clone(object);
    stored.metadata.resourceVersion = String(this.revision);
    this.objects.set(key, stored);
    this.record({ resourceVersion: this.revision, resource, namespace: object.metadata.namespace, type, object: clone(stored) });
    return clone(stored);
  }

  /** Changes a stored object in place (a status update); undefined when it is gone. */
  update<T extends KubeObject = KubeObject>(resource: Resource, namespace: string, name: string, change: (object: T) => void): KubeObject | undefined {
    const object = this.get<T>(resource, namespace, name);
    if (!object) return undefined;
    change(object);
    return this.put(resource, object);
  }

  delete(resource: Resource, namespace: string, name: string): KubeObject | undefined {
    const key = this.key(resource, namespace, name);
    const object = this.objects.get(key);
    if (!object) return undefined;
    this.objects.delete(key);
    this.revision++;
    // A deleted object's last state, at the deletion's version (as the API server sends it).
    const last = clone(object);
    last.metadata.resourceVersion = String(this.revision);
    this.record({ resourceVersion: this.revision, resource, namespace, type: 'DELETED', object: last });
    return clone(last);
  }

  /** Changes after `since` for a watch, or undefined when `since` is compacted away (410 Gone). */
  since(resource: Resource, namespace: string, since: number, selector: LabelSelector): StoredEvent[] | undefined {
    if (since < this.compactedRevision) return undefined;
    return this.history.filter((e) => e.resourceVersion > since && e.resource === resource && e.namespace === namespace && matches(e.object, selector));
  }

  /** Forgets the history up to now, as etcd's compaction does: older versions are Gone. */
  compact(): void {
    this.compactedRevision = this.revision;
    this.history.length = 0;
  }

  private record(event: StoredEvent): void {
    this.history.push(event);
    for (const watcher of this.watchers) {
      if (watcher.resource === event.resource && watcher.namespace === event.namespace && matches(event.object, watcher.selector)) watcher.send(clone(event));
    }
  }
}
