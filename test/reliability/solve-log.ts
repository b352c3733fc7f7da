// What a solve server was really asked to do, read from a FaultyProxy's recording in front of it:
// each solve request (cuOpt's POST /cuopt/request) with the job it belongs to, when it started,
// whether any scheduler ever followed it, and when it was seen to end. The job is recognised by a
// marker the test puts in its input (the objective's constant), because the cuOpt protocol carries
// no job id. From this, a test can tell whether one job was ever solved twice at the same time.
import type { Exchange } from './fakes/faulty-proxy.js';

export interface SolveRequest {
  reqId: string;
  /** The marker in the job's input (objective_data.offset). */
  marker: number;
  submittedAt: number;
  /** Some scheduler polled, re-attached to or stopped it: it knew the reqId. */
  isFollowed: boolean;
  /** When its end was seen: a solution with a response, or a DELETE of the request. */
  endedAt?: number;
}

/** Two solve requests of one job whose runs may have overlapped. */
export interface Overlap {
  marker: number;
  first: SolveRequest;
  second: SolveRequest;
}

const hasResponse = (body: string | undefined) => {
  try {
    return 'response' in (JSON.parse(body ?? '') as object);
  } catch {
    return false;
  }
};

const idOf = (path: string, prefix: string) => (path.startsWith(prefix) ? decodeURIComponent(path.slice(prefix.length).split(/[/?]/)[0]!) : undefined);

export function solveRequests(exchanges: readonly Exchange[]): SolveRequest[] {
  const requests = new Map<string, SolveRequest>();
  for (const e of exchanges) {
    if (e.method === 'POST' && /^\/cuopt\/request(\?|$)/.test(e.path) && e.status === 200) {
      const reqId = (JSON.parse(e.responseBody!) as { reqId: string }).reqId;
      const marker = (JSON.parse(e.requestBody) as { objective_data: { offset: number } }).objective_data.offset;
      requests.set(reqId, { reqId, marker, submittedAt: e.startedAt, isFollowed: false });
    }
  }
  for (const e of exchanges) {
    const reqId = idOf(e.path, '/cuopt/solution/') ?? idOf(e.path, '/cuopt/request/');
    const request = reqId === undefined ? undefined : requests.get(reqId);
    if (!request) continue;
    request.isFollowed = true;
    const isSolved = e.method === 'GET' && e.path.startsWith('/cuopt/solution/') && !e.path.endsWith('/incumbents') && e.status === 200 && hasResponse(e.responseBody);
    const isAborted = e.method === 'DELETE' && e.path.startsWith('/cuopt/request/');
    const seenAt = e.endedAt ?? e.startedAt;
    if ((isSolved || isAborted) && (request.endedAt === undefined || seenAt < request.endedAt)) request.endedAt = seenAt;
  }
  return [...requests.values()].sort((a, b) => a.submittedAt - b.submittedAt);
}

/**
 * Pairs of requests of one job where the later one started before the earlier one was seen to
 * end. An earlier request that no scheduler ever followed is left out: that is the gap the README
 * names (a scheduler killed between the server accepting a request and the reqId being recorded;
 * the protocol has no idempotency key), counted apart by `unfollowed`.
 */
export function overlaps(requests: readonly SolveRequest[]): Overlap[] {
  const found: Overlap[] = [];
  const byMarker = new Map<number, SolveRequest[]>();
  for (const r of requests) byMarker.set(r.marker, [...(byMarker.get(r.marker) ?? []), r]);
  for (const [marker, list] of byMarker) {
    for (let i = 1; i < list.length; i++) {
      for (const first of list.slice(0, i).filter((r) => r.isFollowed)) {
        const second = list[i]!;
        if (first.endedAt === undefined || first.endedAt > second.submittedAt) found.push({ marker, first, second });
      }
    }
  }
  return found;
}

/** Requests no scheduler ever followed: orphans of the known gap, solved to their end unread. */
export function unfollowed(requests: readonly SolveRequest[]): SolveRequest[] {
  return requests.filter((r) => !r.isFollowed);
}
