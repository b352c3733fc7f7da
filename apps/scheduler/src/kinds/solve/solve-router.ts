// solve jobs when config lists solve servers: each attempt goes to the server whose slot it was
// placed on, through an http executor of its own; before a job is sent, the server's health is
// checked, so a job never spends an attempt on a server that is down.
import type { Logger } from '@gpuq/runtime';
import { serverDeviceId, type SolveServers } from './solve-servers.js';
import { JobFailure, type ExecutionHooks, type ExecutionRequest, type Executor } from '../../executors/executor.js';
import { HttpExecutor } from '../../executors/http.js';

export class SolveRouter implements Executor {
  private readonly executors = new Map<string, HttpExecutor>();

  constructor(
    private readonly servers: SolveServers,
    log: Logger,
  ) {
    for (const server of servers.servers) {
      this.executors.set(serverDeviceId(server.name), new HttpExecutor(server, log.child({ server: server.name, url: server.url })));
    }
  }

  private executorFor(request: ExecutionRequest): HttpExecutor {
    const executor = this.executors.get(request.gpu.id);
    if (!executor) throw new JobFailure('worker_unavailable', `no solve server ${request.gpu.id} is configured on this box`, true);
    return executor;
  }

  ready(request: ExecutionRequest): Promise<string | undefined> {
    return this.servers.checkBeforeDispatch(request.gpu.id);
  }

  run(request: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks): Promise<unknown> {
    return this.executorFor(request).run(request, signal, hooks);
  }

  attach(handle: string, request: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks): Promise<{ result: unknown } | undefined> {
    return this.executorFor(request).attach(handle, request, signal, hooks);
  }

  async close(): Promise<void> {
    this.servers.close();
    await Promise.all([...this.executors.values()].map((e) => e.close()));
  }
}
