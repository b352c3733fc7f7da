// Solve servers: where solve jobs go when config lists servers (the cuOpt server on the GPUs it
// owns, solver-cpu on the CPU). The ledger keeps each server as a device with one slot per solve it
// runs at a time, so jobs wait in gpuq's queue with a reason, never unseen in the server's queue.
// Each server's health is checked on a timer and before every dispatch; one that is down takes no
// jobs (and its GPUs show why) until it answers again.
import { request } from 'undici';
import { cuopt, solveServersFor, whyNoSolveServerFor, type SolveProblem, type SolveServerConfig } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import type { GpuSpec } from '../../core/gpu-spec.js';

export const serverDeviceId = (name: string) => `server:${name}`;

/** Called when a server goes down (with why) or comes back (undefined). */
export type ServerStateListener = (server: SolveServerConfig, downReason: string | undefined) => void;

export class SolveServers {
  private readonly byDevice = new Map<string, SolveServerConfig>();
  private readonly downReasons = new Map<string, string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly listeners: ServerStateListener[] = [];

  constructor(
    readonly servers: readonly SolveServerConfig[],
    private readonly log: Logger,
  ) {
    for (const server of servers) this.byDevice.set(serverDeviceId(server.name), server);
  }

  /** The servers' slots, as devices for the ledger, in the order of preference. */
  devices(): GpuSpec[] {
    return this.servers.map((server) => ({ id: serverDeviceId(server.name), totalMb: 0, isSimulated: false, maxJobs: server.slots, solveServer: server.name }));
  }

  /** GPUs that belong to a cuOpt server: no other kind is placed on them. */
  ownedGpus(): Set<string> {
    return new Set(this.servers.flatMap((s) => (s.sharesGpus ? [] : (s.gpus ?? []))));
  }

  /** The devices of the servers that take `problem`, in the order of preference. */
  devicesFor(problem: SolveProblem): Set<string> {
    return new Set(solveServersFor(problem, this.servers).map((s) => serverDeviceId(s.name)));
  }

  whyNoServerFor(problem: SolveProblem): string {
    return whyNoSolveServerFor(problem, this.servers);
  }

  server(deviceId: string): SolveServerConfig | undefined {
    return this.byDevice.get(deviceId);
  }

  downReason(name: string): string | undefined {
    return this.downReasons.get(name);
  }

  onStateChange(listener: ServerStateListener): void {
    this.listeners.push(listener);
  }

  /** Checks every server now, then each on its own interval. */
  async start(): Promise<void> {
    await Promise.all(this.servers.map((server) => this.check(server)));
    for (const server of this.servers) {
      const timer = setInterval(() => void this.check(server), server.healthIntervalMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Checks the server a job is about to go to; why it cannot take the job, if it cannot. */
  async checkBeforeDispatch(deviceId: string): Promise<string | undefined> {
    const server = this.byDevice.get(deviceId);
    if (!server) return `no solve server is known as ${deviceId}`;
    return this.check(server);
  }

  private async check(server: SolveServerConfig): Promise<string | undefined> {
    const reason = await probe(server);
    const before = this.downReasons.get(server.name);
    if (reason === before) return reason;
    if (reason) {
      this.downReasons.set(server.name, reason);
      this.log.warn({ server: server.name, url: server.url, reason }, 'solve server is down: it takes no jobs until it answers');
    } else {
      this.downReasons.delete(server.name);
      this.log.info({ server: server.name, url: server.url }, 'solve server is up');
    }
    for (const listener of this.listeners) listener(server, reason);
    return reason;
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
  }
}

/** `GET /cuopt/health`: 200 with a status is up; anything else (500 when CUDA fails) is down, with why. */
async function probe(server: SolveServerConfig): Promise<string | undefined> {
  const url = `${server.url.replace(/\/+$/, '')}/cuopt/health`;
  try {
    const response = await request(url, { method: 'GET', signal: AbortSignal.timeout(Math.min(server.requestTimeoutMs, 5_000)) });
    const text = await response.body.text();
    if (response.statusCode === 200) return undefined;
    let detail = text.slice(0, 200);
    try {
      const parsed = cuopt.ErrorReply.safeParse(JSON.parse(text));
      if (parsed.success) detail = parsed.data.error;
    } catch {
      // not JSON: keep the text
    }
    return `its health check answers HTTP ${response.statusCode}${detail ? `: ${detail}` : ''}`;
  } catch (err) {
    // A code, not the message: the message names the server's address, and this reason reaches
    // every tenant's pending jobs (the log line above has the URL).
    const failure = err as Error & { code?: string; cause?: Error & { code?: string } };
    return `it does not answer its health check (${failure.cause?.code ?? failure.code ?? failure.name})`;
  }
}
