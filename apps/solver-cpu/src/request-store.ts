// The requests this server knows, as cuOpt keeps them: queued → running → completed | aborted,
// results held until the client deletes them (or, unlike cuOpt, until they expire unread); the
// bodies cached by `cache=true`; and the solver logs of `solver_logs=true`.
import type { WireMedia } from '@gpuq/cuopt-wire';
import type { cuopt } from '@gpuq/shared';
import type { SolverResponse } from './highs-result.js';
import { SolveLog } from './solve-log.js';

export interface Incumbent {
  solution: number[];
  cost: number | null;
  /** Not in cuOpt 25.08 (newer servers add it): gpuq's executor turns it into the MILP gap. */
  bound: number | null;
}

export type Outcome = { ok: true; response: SolverResponse; notes: string[]; warnings: string[] } | { ok: false; status: number; error: string };

export interface SolveRequest {
  id: string;
  /** The body in its wire encoding until a solver thread takes it. */
  body: Buffer | undefined;
  media: WireMedia;
  /** The encoding the result is kept in: Accept at submit, its wildcard resolved (cuOpt's `rtype`). */
  resultMedia: WireMedia;
  state: cuopt.RequestStatus;
  wantsIncumbents: boolean;
  wantsLogs: boolean;
  validationOnly: boolean;
  /** Warnings cuOpt adds at submit (the client-version check). */
  submitWarnings: string[];
  createdAt: number;
  finishedAt?: number;
  outcome?: Outcome;
  /** Incumbents not yet read: cuOpt hands each out once. */
  incumbents: Incumbent[];
}

/** A body kept by `cache=true`, to be solved later by `reqId=<id>`. */
export interface CachedBody {
  media: WireMedia;
  body: Buffer;
  createdAt: number;
}

export class RequestStore {
  private readonly requests = new Map<string, SolveRequest>();
  private readonly cached = new Map<string, CachedBody>();
  private readonly logs = new Map<string, SolveLog>();

  add(request: SolveRequest): void {
    this.requests.set(request.id, request);
  }

  get(id: string): SolveRequest | undefined {
    return this.requests.get(id);
  }

  delete(id: string): boolean {
    return this.requests.delete(id);
  }

  all(): IterableIterator<SolveRequest> {
    return this.requests.values();
  }

  cache(id: string, body: CachedBody): void {
    this.cached.set(id, body);
  }

  cachedBody(id: string): CachedBody | undefined {
    return this.cached.get(id);
  }

  /** cuOpt's delete_cache_entry: one id, or every entry for '*'; how many were dropped. */
  dropCached(id: string): number {
    if (id === '*') {
      const count = this.cached.size;
      this.cached.clear();
      return count;
    }
    return this.cached.delete(id) ? 1 : 0;
  }

  appendLog(id: string, text: string): void {
    let log = this.logs.get(id);
    if (!log) this.logs.set(id, (log = new SolveLog()));
    log.append(text);
  }

  log(id: string): SolveLog | undefined {
    return this.logs.get(id);
  }

  deleteLog(id: string): boolean {
    return this.logs.delete(id);
  }

  /** Drops finished requests, cached bodies and idle logs older than `ttlMs`, so memory stays bounded. */
  sweep(now: number, ttlMs: number): number {
    let dropped = 0;
    for (const [id, request] of this.requests) {
      if (request.finishedAt !== undefined && now - request.finishedAt > ttlMs) {
        this.requests.delete(id);
        dropped++;
      }
    }
    for (const [id, body] of this.cached) {
      if (now - body.createdAt > ttlMs) {
        this.cached.delete(id);
        dropped++;
      }
    }
    for (const [id, log] of this.logs) {
      const running = this.requests.get(id)?.state === 'running';
      if (!running && now - log.updatedAt > ttlMs) {
        this.logs.delete(id);
        dropped++;
      }
    }
    return dropped;
  }
}
