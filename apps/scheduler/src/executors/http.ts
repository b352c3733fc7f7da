// The http executor: runs a job on a server that speaks the cuOpt REST protocol (the cuOpt server,
// or solver-cpu in its place). Submit, poll until a response or an error body (or a result file the
// server wrote), always delete the stored solution, and on abort delete the request so the server
// stops solving. Meanwhile a MILP's incumbents and the solver's log are read as NVIDIA's client
// reads them and handed to the hooks; the executor itself stores nothing.
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { cuopt, cuoptRequestOf, isMilpRequest, type HttpExecutorConfig } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import { isHandedOver, JobFailure, type ExecutionHooks, type ExecutionRequest, type Executor } from './executor.js';
import { IncumbentFeed } from './incumbents.js';
import { readResultFile } from './result-file.js';

interface HttpReply {
  status: number;
  body: unknown;
}

export type HttpExecutorOptions = Omit<HttpExecutorConfig, 'type'> & {
  /** Submit with `solver_logs=true` and hand the solver's log to `onLog`. */
  solverLogs?: boolean;
  /** Where the server's CUOPT_RESULT_DIR is mounted here, for results it writes to a file. */
  resultDir?: string;
};

/** What one attempt follows besides the solution: incumbents (a MILP) and the log (when asked for). */
interface Extras {
  hooks: ExecutionHooks;
  incumbents?: IncumbentFeed;
  /** The solver's log: read from `fromByte` while `isFollowed`; deleted at the end while `isServed`. */
  log?: { fromByte: number; isServed: boolean; isFollowed: boolean };
}

/**
 * The gRPC-backed cuOpt server answers 409 `job <id> failed|cancelled` for a request that ended
 * without a result (coin-or/cuopt proxy_webserver.py `getsolution`). cuOpt 25.08's own 409s are a
 * VRP the solver refused, which is about the input.
 */
const ENDED_WITHOUT_RESULT = /^job \S+ (failed|cancelled)$/;

export class HttpExecutor implements Executor {
  private readonly agent: Agent;
  private readonly base: string;

  constructor(
    private readonly config: HttpExecutorOptions,
    private readonly log: Logger,
  ) {
    this.base = config.url.replace(/\/+$/, '');
    this.agent = new Agent({
      headersTimeout: config.requestTimeoutMs,
      bodyTimeout: config.requestTimeoutMs,
      connectTimeout: Math.min(config.requestTimeoutMs, 5_000),
    });
  }

  async run(job: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks): Promise<unknown> {
    let body: unknown;
    try {
      body = cuoptRequestOf(job.kind, job.input);
    } catch (err) {
      throw new JobFailure('invalid_input', (err as Error).message, false);
    }
    const extras = this.extrasFor(body, hooks, { isFollowingLog: true });
    // A cancel never cuts the submit off half-way: the server might accept a body whose reqId we
    // never read, and solve it with no one to stop it. An abort meanwhile is acted on once it
    // answers. Only requestTimeoutMs cuts it off (a server that does not answer in that time).
    const reqId = await this.submit(body, extras);
    hooks.onHandle(reqId);
    return this.follow(reqId, job, signal, extras);
  }

  async attach(reqId: string, job: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks): Promise<{ result: unknown } | undefined> {
    const status = await this.call('GET', `/cuopt/request/${encodeURIComponent(reqId)}`, signal);
    const state = cuopt.RequestStatus.safeParse(status.body);
    if (status.status !== 200 || !state.success || state.data === 'aborted') return undefined;
    hooks.onHandle(reqId);
    this.log.info({ jobId: job.jobId, reqId, state: state.data }, 're-attached to a request a previous scheduler submitted');
    let body: unknown;
    try {
      body = cuoptRequestOf(job.kind, job.input);
    } catch {
      // it was submitted, so it converted then; progress is only a nicety
    }
    // The log is not read again (where the previous scheduler stopped reading it is not known
    // here), only deleted at the end.
    return { result: await this.follow(reqId, job, signal, this.extrasFor(body, hooks, { isFollowingLog: false })) };
  }

  private extrasFor(body: unknown, hooks: ExecutionHooks, options: { isFollowingLog: boolean }): Extras {
    return {
      hooks,
      ...(isMilpRequest(body) ? { incumbents: new IncumbentFeed() } : {}),
      ...(this.config.solverLogs ? { log: { fromByte: 0, isServed: true, isFollowed: options.isFollowingLog } } : {}),
    };
  }

  /** Polls to the end, then deletes the stored solution; on abort stops the request, unless it is handed over. */
  private async follow(reqId: string, job: ExecutionRequest, signal: AbortSignal, extras: Extras): Promise<unknown> {
    const log = this.log.child({ jobId: job.jobId, reqId });
    let result: unknown;
    try {
      signal.throwIfAborted();
      result = await this.poll(reqId, signal, extras, log);
    } catch (err) {
      // A handed-over attempt keeps running, with its stored solution, for whoever re-attaches.
      if (isHandedOver(signal)) throw err;
      if (signal.aborted) await this.abortRemote(reqId, log);
      await this.deleteStored(reqId, extras, log);
      throw err;
    }
    await this.deleteStored(reqId, extras, log);
    return result;
  }

  private async submit(body: unknown, extras: Extras): Promise<string> {
    const query = new URLSearchParams();
    if (extras.incumbents) query.set('incumbent_solutions', 'true');
    if (extras.log) query.set('solver_logs', 'true');
    const flags = query.toString();
    const reply = await this.call('POST', `/cuopt/request${flags ? `?${flags}` : ''}`, undefined, JSON.stringify(body));
    if (reply.status === 200) {
      const parsed = cuopt.SubmitReply.safeParse(reply.body);
      if (parsed.success) return parsed.data.reqId;
      throw new JobFailure('worker_error', `${this.base} answered the submit without a reqId`, true);
    }
    throw this.failureFrom(reply, 'submit');
  }

  private async poll(reqId: string, signal: AbortSignal, extras: Extras, log: Logger): Promise<unknown> {
    let delayMs = this.config.pollIntervalMs;
    for (;;) {
      await this.readExtras(reqId, signal, extras);
      const reply = await this.call('GET', `/cuopt/solution/${encodeURIComponent(reqId)}`, signal);
      if (reply.status === 404) {
        throw new JobFailure('worker_unavailable', `${this.base} no longer knows request ${reqId}; it probably restarted`, true);
      }
      if (reply.status !== 200) {
        // The solver's last words are in its log, and the incumbents it found are still the job's.
        await this.readRest(reqId, signal, extras);
        throw this.failureFrom(reply, 'solve');
      }
      const file = cuopt.FileResultReply.safeParse(reply.body);
      if (file.success) {
        await this.readRest(reqId, signal, extras);
        const read = await readResultFile(file.data, this.config.resultDir, `${this.base} (request ${reqId})`);
        const result = this.responseOf(read.body, `the result file ${file.data.result_file}`);
        await read.remove().catch((err: unknown) => log.warn({ err }, 'could not remove the result file'));
        return result;
      }
      const result = this.responseOf(reply.body, 'a solution');
      if (result !== undefined) {
        await this.readRest(reqId, signal, extras);
        return result;
      }
      await sleep(delayMs, undefined, { signal });
      delayMs = Math.min(delayMs * 2, this.config.maxPollIntervalMs);
    }
  }

  /** A finished solution's response (with its warnings), or undefined while the solve is pending. */
  private responseOf(body: unknown, what: string): unknown {
    const parsed = cuopt.SolutionReply.safeParse(body);
    if (!parsed.success) throw new JobFailure('worker_error', `${this.base} sent ${what} this executor cannot read`, true);
    if (!parsed.data.response) return undefined;
    // cuOpt always answers a finished solve with one of these; anything else is not an answer.
    if (!('solver_response' in parsed.data.response) && !('solver_infeasible_response' in parsed.data.response)) {
      throw new JobFailure('worker_error', `${this.base} sent a finished solution with neither solver_response nor solver_infeasible_response in it`, true);
    }
    const warnings = parsed.data.warnings ?? [];
    return warnings.length > 0 ? { ...parsed.data.response, warnings } : parsed.data.response;
  }

  /** New incumbents and log text, once per poll. Failing to read them never fails the job. */
  private async readExtras(reqId: string, signal: AbortSignal, extras: Extras): Promise<boolean> {
    const id = encodeURIComponent(reqId);
    let hasNewIncumbents = false;
    if (extras.incumbents && !extras.incumbents.isOver) {
      const reply = await this.call('GET', `/cuopt/solution/${id}/incumbents`, signal).catch(() => undefined);
      if (reply?.status === 200) hasNewIncumbents = extras.incumbents.take(reply.body, extras.hooks);
    }
    const log = extras.log;
    if (log?.isServed && log.isFollowed) {
      const reply = await this.call('GET', `/cuopt/log/${id}?frombyte=${log.fromByte}`, signal).catch(() => undefined);
      if (reply?.status === 200) {
        const parsed = cuopt.LogReply.safeParse(reply.body);
        if (parsed.success && parsed.data.nbytes >= log.fromByte) {
          log.fromByte = parsed.data.nbytes;
          const text = parsed.data.log.join('\n');
          if (text.length > 0) extras.hooks.onLog?.(text);
        }
      } else if (reply?.status === 404 && !cuopt.ErrorReply.safeParse(reply.body).success) {
        // cuOpt's 404 "log not found" means not yet; any other 404 is a server without the route.
        log.isServed = false;
      }
    }
    return hasNewIncumbents;
  }

  /** Once the solve is over: what is left of the incumbents (until the end marker) and of the log. */
  private async readRest(reqId: string, signal: AbortSignal, extras: Extras): Promise<void> {
    // The log once more; the incumbents until the end marker, or a read that brings none.
    for (let round = 0; round < 10; round++) {
      const hasNewIncumbents = await this.readExtras(reqId, signal, extras);
      if (!hasNewIncumbents || !extras.incumbents || extras.incumbents.isOver) return;
    }
  }

  /**
   * cuOpt's error statuses: 400 invalid input, 409 (VRP) / 422 input the solver cannot run, 500 a
   * runtime error. A 409 that says the request failed or was cancelled on the server is not about
   * the input: it is retried like a runtime error.
   */
  private failureFrom(reply: HttpReply, stage: string): JobFailure {
    const parsed = cuopt.ErrorReply.safeParse(reply.body);
    const message = parsed.success ? parsed.data.error.trim() : `HTTP ${reply.status}`;
    const ended = reply.status === 409 ? ENDED_WITHOUT_RESULT.exec(message) : null;
    if (ended) {
      const why = ended[1] === 'cancelled' ? 'it was cancelled there, not by gpuq' : 'its solver failed it and said no more';
      return new JobFailure('worker_error', `the solve server ended the request without a result during ${stage} (HTTP 409: ${message}): ${why}`, true);
    }
    if (reply.status === 400 || reply.status === 409 || reply.status === 415 || reply.status === 422) {
      return new JobFailure('invalid_input', `the solver rejected the input: ${message}`, false);
    }
    return new JobFailure('worker_error', `the solver failed during ${stage} (HTTP ${reply.status}): ${message}`, true);
  }

  private async abortRemote(reqId: string, log: Logger): Promise<void> {
    try {
      const reply = await this.call('DELETE', `/cuopt/request/${encodeURIComponent(reqId)}`);
      log.info({ status: reply.status, aborted: reply.body }, 'asked the solver to stop');
    } catch (err) {
      log.warn({ err }, 'could not ask the solver to stop');
    }
  }

  /** The stored solution, and the log file when one was asked for, as NVIDIA's client deletes them. */
  private async deleteStored(reqId: string, extras: Extras, log: Logger): Promise<void> {
    const id = encodeURIComponent(reqId);
    try {
      await this.call('DELETE', `/cuopt/solution/${id}`);
      if (extras.log?.isServed) await this.call('DELETE', `/cuopt/log/${id}`);
    } catch (err) {
      log.warn({ err }, 'could not delete the stored solution');
    }
  }

  /**
   * One request, cut off after requestTimeoutMs. `signal` is the job's: when it aborts, its reason
   * is thrown as is (cancelled, timed out, handed over); everything else the server does wrong —
   * no answer, a dropped connection, a body that stalls — is a JobFailure that names it.
   */
  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, signal?: AbortSignal, body?: string): Promise<HttpReply> {
    const what = `${method} ${path.split('?')[0]}`;
    const deadline = AbortSignal.timeout(this.config.requestTimeoutMs);
    const unavailable = (err: unknown) => {
      if (signal?.aborted) return signal.reason as unknown;
      const why = deadline.aborted ? `no answer within ${this.config.requestTimeoutMs} ms` : (err as Error).message;
      return new JobFailure('worker_unavailable', `cannot reach the solver at ${this.base}: ${why} (${what})`, true);
    };
    try {
      const response = await request(`${this.base}${path}`, {
        method,
        dispatcher: this.agent,
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
        // Accept is explicit: cuOpt answers a wildcard with msgpack on its status, abort and log routes.
        headers: { 'client-version': 'custom', accept: cuopt.CUOPT_JSON, ...(body !== undefined ? { 'content-type': cuopt.CUOPT_JSON } : {}) },
        ...(body !== undefined ? { body } : {}),
      });
      // The body can stall too: it is part of the same request, under the same deadline.
      const text = await response.body.text();
      let parsed: unknown = undefined;
      if (text.length > 0) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      return { status: response.statusCode, body: parsed };
    } catch (err) {
      throw unavailable(err);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
