// gpuq as a cuOpt server: each cuOpt request becomes gpuq solve jobs (one, or a gpuq batch for a
// list of problems), placed, retried, cancelled and recovered like any other and counted against
// the caller's tenant; its reqId (a UUID, as cuOpt's clients expect) names a record in Redis that
// maps it to those jobs, kept until the client deletes it or `api.cuopt.resultTtlS`. Answers take
// the cuOpt server's shapes (docs/contracts/cuopt-rest.md); routes/cuopt.ts encodes them.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { cuopt, keys, parseStored, TERMINAL_STATUSES, type GpuqConfig, type JobView } from '@gpuq/shared';
import type { Redis } from '@gpuq/runtime';
import type { Principal } from './auth/key-ring.js';
import type { BatchStore } from './batch-store.js';
import { CuoptError, describe, type CheckedCuoptBody, type CuoptBody } from './body-checks/cuopt-body.js';
import { ApiError } from './errors.js';
import type { JobStore } from './job-store.js';

/** What a reqId stands for: its tenant and its jobs (several for a batch), or a cached problem. */
export const CuoptRequestRecord = z.object({
  tenant: z.string(),
  createdAt: z.number().int(),
  jobIds: z.array(z.string()),
  isBatch: z.boolean(),
  /** Kept by `cache=true` (at keys.cuoptCachedProblem) to be solved later by its reqId; no jobs yet. */
  isCached: z.boolean().optional(),
  /** A cached problem as records before 0.4 kept it, inline. */
  cachedProblem: z.unknown().optional(),
  /** Checked and not solved (`validation_only=true`): its answer is ready at once. */
  isValidationOnly: z.boolean().optional(),
});
export type CuoptRequestRecord = z.infer<typeof CuoptRequestRecord>;

export type SolutionAnswer = { state: 'pending' } | { state: 'done'; response: unknown; notes?: string[] };

/** Checks a cuOpt body in the body-check pool (a cached problem is checked when it is solved). */
export type CheckCuoptBody = (tenant: string, body: { body: Uint8Array[] } & Omit<CuoptBody, 'bytes'>) => Promise<CheckedCuoptBody>;

const notFound = (id: string) => new CuoptError(404, `job ${id} does not exist`);

export class CuoptRequests {
  constructor(
    private readonly redis: Redis,
    private readonly jobs: JobStore,
    private readonly batches: BatchStore,
    private readonly config: GpuqConfig,
    private readonly check: CheckCuoptBody,
  ) {}

  /**
   * Submits checked problems (one, or a list: a batch) as the caller's solve jobs; its reqId. A
   * problem gpuq's admission refuses is answered as the cuOpt server answers bad input.
   */
  async submit(principal: Principal, checked: CheckedCuoptBody): Promise<string> {
    try {
      if (checked.isBatch) {
        const batch = await this.batches.submit(checked.jobs, principal);
        return await this.save({ tenant: principal.tenant, createdAt: Date.now(), jobIds: batch.jobs.map((j) => j.id), isBatch: true });
      }
      const { view } = await this.jobs.submit(checked.jobs[0]!, principal);
      return await this.save({ tenant: principal.tenant, createdAt: Date.now(), jobIds: [view.id], isBatch: false });
    } catch (err) {
      if (err instanceof ApiError) throw new CuoptError(err.statusCode === 400 ? 422 : err.statusCode, describe(err));
      throw err;
    }
  }

  /** A request checked as a submit would be, not solved (`validation_only=true`): its reqId, whose answer is the cuOpt server's for a valid input. */
  async validated(principal: Principal, checked: CheckedCuoptBody): Promise<string> {
    return this.save({ tenant: principal.tenant, createdAt: Date.now(), jobIds: [], isBatch: checked.isBatch, isValidationOnly: true });
  }

  /** Keeps a problem (its JSON) to be solved later by its reqId (`cache=true`). */
  async cache(principal: Principal, problem: { isBatch: boolean; json: string | Uint8Array }): Promise<string> {
    const id = randomUUID();
    const json = typeof problem.json === 'string' ? problem.json : Buffer.from(problem.json.buffer, problem.json.byteOffset, problem.json.byteLength);
    const record: CuoptRequestRecord = { tenant: principal.tenant, createdAt: Date.now(), jobIds: [], isBatch: problem.isBatch, isCached: true };
    const ttl = this.config.api.cuopt.resultTtlS;
    await this.redis.multi().set(keys.cuoptCachedProblem(id), json, 'EX', ttl).set(keys.cuoptRequest(id), JSON.stringify(record), 'EX', ttl).exec();
    return id;
  }

  /** Solves a problem cached earlier: a new request with its own reqId. */
  async submitCached(principal: Principal, cachedId: string): Promise<string> {
    // cuOpt's words, its spelling included.
    const missing = new CuoptError(422, `Requtest id '${cachedId}' does not exist`);
    const cached = await this.record(principal, cachedId).catch(() => undefined);
    if (!cached) throw missing;
    let json: Buffer | null = null;
    if (cached.isCached) json = await this.redis.getBuffer(keys.cuoptCachedProblem(cachedId));
    else if (cached.cachedProblem !== undefined) json = Buffer.from(JSON.stringify(cached.cachedProblem));
    if (!json) throw missing;
    return this.submit(principal, await this.check(principal.tenant, { body: [json], media: 'json', decoding: { allowPickle: false } }));
  }

  async solution(principal: Principal, id: string): Promise<SolutionAnswer> {
    const record = await this.record(principal, id);
    // As cuOpt answers a validation-only request: status 0, no solution, and a note.
    if (record.isValidationOnly) return { state: 'done', response: { solver_response: { status: 0, solution: {} }, total_solve_time: 0 }, notes: ['Input is valid'] };
    if (record.isCached || record.cachedProblem !== undefined) return { state: 'pending' };
    const views = await this.views(principal, id);
    if (views.some((v) => !TERMINAL_STATUSES.includes(v.status))) return { state: 'pending' };
    const failed = views.find((v) => v.status !== 'succeeded');
    if (failed) throw failureOf(id, failed);
    const responses = views.map((v) => cuopt.LpResponse.safeParse(v.result));
    if (!record.isBatch) return { state: 'done', response: views[0]!.result };
    // A batch answers as cuOpt's does: one solver_response per problem, in order, and the total time.
    return {
      state: 'done',
      response: {
        solver_response: responses.map((r, i) => (r.success ? r.data.solver_response : views[i]!.result)),
        total_solve_time: responses.reduce((sum, r) => sum + (r.success ? (r.data.total_solve_time ?? 0) : 0), 0),
      },
    };
  }

  async status(principal: Principal, id: string): Promise<cuopt.RequestStatus> {
    const record = await this.record(principal, id);
    if (record.isCached || record.cachedProblem !== undefined) return 'queued';
    if (record.isValidationOnly) return 'completed';
    const views = await this.views(principal, id);
    if (views.some((v) => v.status === 'running')) return 'running';
    if (views.some((v) => v.status === 'queued')) return 'queued';
    return views.some((v) => v.status === 'cancelled') ? 'aborted' : 'completed';
  }

  /** Cancels the request's jobs that are running or queued, as the flags say; drops a cached problem. */
  async abort(principal: Principal, id: string, which: { running: boolean; queued: boolean; cached: boolean }): Promise<cuopt.AbortReply> {
    const counts = { cached: 0, queued: 0, running: 0 };
    const record = await this.record(principal, id);
    if (record.isCached || record.cachedProblem !== undefined) {
      if (which.cached) {
        await this.redis.del(keys.cuoptRequest(id), keys.cuoptCachedProblem(id));
        counts.cached = 1;
      }
      return counts;
    }
    for (const view of await this.views(principal, id)) {
      if ((view.status === 'running' && which.running) || (view.status === 'queued' && which.queued)) {
        await this.jobs.cancel(view.id, principal);
        counts[view.status]++;
      }
    }
    return counts;
  }

  /** Forgets a finished request's result (its jobs stay, as gpuq jobs, for their own retention). */
  async deleteSolution(principal: Principal, id: string): Promise<void> {
    const views = await this.views(principal, id);
    if (views.every((v) => TERMINAL_STATUSES.includes(v.status))) await this.redis.del(keys.cuoptRequest(id));
  }

  /** The MILP incumbents not handed out yet, each once; when the solve is over and none is left, cuOpt's end marker. */
  async incumbents(principal: Principal, id: string): Promise<unknown[]> {
    const record = await this.record(principal, id);
    if (record.isBatch || record.jobIds.length !== 1) return [];
    const [jobId] = record.jobIds as [string];
    const taken = await this.redis.multi().lrange(keys.jobIncumbents(jobId), 0, -1).del(keys.jobIncumbents(jobId)).exec();
    const texts = (taken?.[0]?.[1] as string[] | undefined) ?? [];
    const incumbents = texts.flatMap((text) => {
      try {
        return [JSON.parse(text) as unknown];
      } catch {
        return [];
      }
    });
    if (incumbents.length > 0) return incumbents;
    const view = await this.jobs.view(jobId, principal);
    return view && TERMINAL_STATUSES.includes(view.status) ? [{ solution: [], cost: null }] : [];
  }

  /** The solver's log from byte `fromByte` on, as cuOpt's `/cuopt/log/{id}` gives it; undefined while there is none. */
  async log(principal: Principal, id: string, fromByte: number): Promise<{ log: string[]; nbytes: number } | undefined> {
    const record = await this.record(principal, id);
    const jobId = record.jobIds[0];
    if (!jobId) return undefined;
    const size = await this.redis.strlen(keys.jobLog(jobId));
    if (size === 0) return undefined;
    const text = fromByte < size ? await this.redis.getrange(keys.jobLog(jobId), fromByte, -1) : '';
    return { log: text === '' ? [] : text.split('\n'), nbytes: size };
  }

  private async save(record: CuoptRequestRecord): Promise<string> {
    const id = randomUUID();
    await this.redis.set(keys.cuoptRequest(id), JSON.stringify(record), 'EX', this.config.api.cuopt.resultTtlS);
    return id;
  }

  /** The request's record, when it exists and the caller may see it. */
  private async record(principal: Principal, id: string): Promise<CuoptRequestRecord> {
    const record = parseStored(CuoptRequestRecord, await this.redis.get(keys.cuoptRequest(id)));
    if (!record || (!principal.isAdmin && record.tenant !== principal.tenant)) throw notFound(id);
    return record;
  }

  private async views(principal: Principal, id: string): Promise<JobView[]> {
    const record = await this.record(principal, id);
    const views = await Promise.all(record.jobIds.map((jobId) => this.jobs.view(jobId, principal)));
    // A job gone with its retention: the request is gone too.
    if (views.some((v) => v === undefined)) throw notFound(id);
    return views as JobView[];
  }
}

/** A job that did not succeed, as the cuOpt server answers a request whose solve failed. */
function failureOf(id: string, view: JobView): CuoptError {
  if (view.status === 'cancelled') return new CuoptError(500, `${id} was aborted`, true);
  const error = view.error ?? { code: 'internal', message: 'the solve failed without a reason' };
  const status = error.code === 'invalid_input' ? 400 : error.code === 'gpu_out_of_memory' ? 422 : 500;
  return new CuoptError(status, error.message, true);
}
