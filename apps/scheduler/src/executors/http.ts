// The http executor: runs a job on a server that speaks the cuOpt REST protocol (the cuOpt server,
// or solver-cpu in its place). Submit, poll until a response or an error body, always delete the
// stored solution, and on abort delete the request so the server stops solving. A MILP asks for
// its incumbents, which become the job's progress.
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { cuopt, cuoptRequestOf, isMilpRequest, type HttpExecutorConfig } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import { isHandedOver, JobFailure, type ExecutionHooks, type ExecutionRequest, type Executor } from './executor.js';
import { IncumbentProgress } from './incumbents.js';

interface HttpReply {
  status: number;
  body: unknown;
}

export class HttpExecutor implements Executor {
  private readonly agent: Agent;
  private readonly base: string;

  constructor(
    private readonly config: Omit<HttpExecutorConfig, 'type'>,
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
    const wantsIncumbents = isMilpRequest(body);
    // A cancel never cuts the submit off half-way: the server might accept a body whose reqId we
    // never read, and solve it with no one to stop it. An abort meanwhile is acted on once it
    // answers. Only requestTimeoutMs cuts it off (a server that does not answer in that time).
    const reqId = await this.submit(body, wantsIncumbents);
    hooks.onHandle(reqId);
    return this.follow(reqId, job, signal, wantsIncumbents ? hooks : undefined);
  }

  /** Polls to the end, then deletes the stored solution; on abort stops the request, unless it is handed over. */
  private async follow(reqId: string, job: ExecutionRequest, signal: AbortSignal, progressHooks?: ExecutionHooks): Promise<unknown> {
    const log = this.log.child({ jobId: job.jobId, reqId });
    let result: unknown;
    try {
      signal.throwIfAborted();
      result = await this.poll(reqId, signal, progressHooks);
    } catch (err) {
      // A handed-over attempt keeps running, with its stored solution, for whoever re-attaches.
      if (isHandedOver(signal)) throw err;
      if (signal.aborted) await this.abortRemote(reqId, log);
      await this.deleteSolution(reqId, log);
      throw err;
    }
    await this.deleteSolution(reqId, log);
    return result;
  }

  async attach(reqId: string, job: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks): Promise<{ result: unknown } | undefined> {
    const status = await this.call('GET', `/cuopt/request/${encodeURIComponent(reqId)}`, signal);
    const state = cuopt.RequestStatus.safeParse(status.body);
    if (status.status !== 200 || !state.success || state.data === 'aborted') return undefined;
    hooks.onHandle(reqId);
    this.log.info({ jobId: job.jobId, reqId, state: state.data }, 're-attached to a request a previous scheduler submitted');
    let wantsIncumbents = false;
    try {
      wantsIncumbents = isMilpRequest(cuoptRequestOf(job.kind, job.input));
    } catch {
      // it was submitted, so it converted then; progress is only a nicety
    }
    return { result: await this.follow(reqId, job, signal, wantsIncumbents ? hooks : undefined) };
  }

  private async submit(body: unknown, wantsIncumbents: boolean): Promise<string> {
    const reply = await this.call('POST', `/cuopt/request${wantsIncumbents ? '?incumbent_solutions=true' : ''}`, undefined, JSON.stringify(body));
    if (reply.status === 200) {
      const parsed = cuopt.SubmitReply.safeParse(reply.body);
      if (parsed.success) return parsed.data.reqId;
      throw new JobFailure('worker_error', `${this.base} answered the submit without a reqId`, true);
    }
    throw this.failureFrom(reply, 'submit');
  }

  private async poll(reqId: string, signal: AbortSignal, progressHooks?: ExecutionHooks): Promise<unknown> {
    let delayMs = this.config.pollIntervalMs;
    const progress = progressHooks ? new IncumbentProgress() : undefined;
    for (;;) {
      if (progress) await this.readIncumbents(reqId, signal, progress, progressHooks!);
      const reply = await this.call('GET', `/cuopt/solution/${encodeURIComponent(reqId)}`, signal);
      if (reply.status === 200) {
        const parsed = cuopt.SolutionReply.safeParse(reply.body);
        if (!parsed.success) throw new JobFailure('worker_error', `${this.base} sent a solution this executor cannot read`, true);
        if (parsed.data.response) {
          // cuOpt always answers a finished solve with one of these; anything else is not an answer.
          if (!('solver_response' in parsed.data.response) && !('solver_infeasible_response' in parsed.data.response)) {
            throw new JobFailure('worker_error', `${this.base} sent a finished solution with neither solver_response nor solver_infeasible_response in it`, true);
          }
          const warnings = parsed.data.warnings ?? [];
          return warnings.length > 0 ? { ...parsed.data.response, warnings } : parsed.data.response;
        }
      } else if (reply.status === 404) {
        throw new JobFailure('worker_unavailable', `${this.base} no longer knows request ${reqId}; it probably restarted`, true);
      } else {
        throw this.failureFrom(reply, 'solve');
      }
      await sleep(delayMs, undefined, { signal });
      delayMs = Math.min(delayMs * 2, this.config.maxPollIntervalMs);
    }
  }

  /** New incumbents become the job's progress; failing to read them never fails the job. */
  private async readIncumbents(reqId: string, signal: AbortSignal, progress: IncumbentProgress, hooks: ExecutionHooks): Promise<void> {
    const reply = await this.call('GET', `/cuopt/solution/${encodeURIComponent(reqId)}/incumbents`, signal).catch(() => undefined);
    const incumbents = reply?.status === 200 ? z.array(cuopt.Incumbent).safeParse(reply.body) : undefined;
    if (!incumbents?.success) return;
    const update = progress.add(incumbents.data);
    if (update) hooks.onProgress(update);
  }

  /** cuOpt's error statuses: 400 invalid input, 409/422 input the solver cannot run, 500 a runtime error. */
  private failureFrom(reply: HttpReply, stage: string): JobFailure {
    const parsed = cuopt.ErrorReply.safeParse(reply.body);
    const message = parsed.success ? parsed.data.error.trim() : `HTTP ${reply.status}`;
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

  private async deleteSolution(reqId: string, log: Logger): Promise<void> {
    try {
      await this.call('DELETE', `/cuopt/solution/${encodeURIComponent(reqId)}`);
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
        headers: { 'client-version': 'custom', ...(body !== undefined ? { 'content-type': cuopt.CUOPT_JSON } : {}) },
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
