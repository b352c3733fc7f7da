// The requests this server knows, as cuOpt keeps them: queued → running → completed | aborted,
// results held until the client deletes them (or, unlike cuOpt, until they expire unread).
import type { cuopt } from '@gpuq/shared';

export interface Incumbent {
  solution: number[];
  cost: number | null;
  bound: number | null;
}

export type Outcome =
  | { ok: true; response: cuopt.LpResponse; notes: string[]; warnings: string[] }
  | { ok: false; status: 400 | 422 | 500; error: string };

export interface SolveRequest {
  id: string;
  body: string;
  state: cuopt.RequestStatus;
  wantsIncumbents: boolean;
  /** Warnings cuOpt adds at submit (the client-version check). */
  submitWarnings: string[];
  createdAt: number;
  finishedAt?: number;
  outcome?: Outcome;
  /** Incumbents not yet read: cuOpt hands each out once. */
  incumbents: Incumbent[];
}

export class RequestStore {
  private readonly requests = new Map<string, SolveRequest>();

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

  /** Drops finished requests older than `ttlMs` that nobody deleted, so memory stays bounded. */
  sweep(now: number, ttlMs: number): number {
    let dropped = 0;
    for (const [id, request] of this.requests) {
      if (request.finishedAt !== undefined && now - request.finishedAt > ttlMs) {
        this.requests.delete(id);
        dropped++;
      }
    }
    return dropped;
  }
}
