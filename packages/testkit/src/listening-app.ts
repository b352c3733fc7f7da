// A server process (the API, solver-cpu, model-cpu) started on port 0, so the system picks a free
// port and no other process can take it between choosing and binding; the port comes back in the
// process's ready line. A restart asks for the port it had, and waits while another holds it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppProcess } from './app-process.js';

export interface ListeningApp {
  process: AppProcess;
  /** The port it bound, from its ready line. */
  port: number;
  /** `http://127.0.0.1:<port>`. */
  url: string;
}

export interface StartListeningOptions {
  /** The `msg` of the line the server logs once it listens; the line's `port` field is the port it bound. */
  readyMsg: string;
  /**
   * 0: any free port. Another port is one the server had before (a restart, so its clients find it
   * again): while another process holds it (the server exits with EADDRINUSE), it is started again,
   * for up to `timeoutMs`.
   * @defaultValue 0
   */
  port?: number;
  /** How long one start may take to say it listens. @defaultValue 15000 */
  timeoutMs?: number;
}

/**
 * Starts `start(port)` and resolves once it says it listens, with the port it bound. A process that
 * did not come up in time is killed, its last lines in the error.
 */
export async function startListening(start: (port: number) => AppProcess, options: StartListeningOptions): Promise<ListeningApp> {
  const { readyMsg, port: asked = 0, timeoutMs = 15_000 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const process = start(asked);
    try {
      const line = await process.waitForLog((l) => l.msg === readyMsg, readyMsg, timeoutMs);
      if (typeof line.port !== 'number') throw new Error(`${process.name}: its "${readyMsg}" line says no port: ${JSON.stringify(line)}`);
      return { process, port: line.port, url: `http://127.0.0.1:${line.port}` };
    } catch (err) {
      if (process.isRunning) {
        await process.kill();
        throw new Error(`${(err as Error).message}; its last lines:\n${process.tail(20)}`, { cause: err });
      }
      const isPortHeld = asked !== 0 && process.raw.some((l) => l.includes('EADDRINUSE'));
      if (!isPortHeld || Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}
