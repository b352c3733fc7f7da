// An HTTP server of the bench's (gpuq's API, or the bare baseline route) as a process of its own,
// as it runs in production, on a free port; stopped by its owner or by the bench's cleanup.
import { AppProcess, freePort, waitFor } from '@gpuq/testkit';
import { onCleanup, throwIfStopping } from './cleanup.js';

/** The tenant key the bench's API accepts. */
export const API_KEY = 'bench-key-0123456789abcdef';

export interface ServerProcess {
  url: string;
  process: AppProcess;
  stop(): Promise<void>;
}

/**
 * On a port chosen here, not port 0: at LOG_LEVEL=warn (no log line per request, as measured) the
 * server would not say which port it got. Another process may take the port before it binds; the
 * bench runs alone, so only its own could, and it starts its servers before any of its schedulers
 * (which listen on port 0).
 */
export async function startServerProcess(script: string, env: Record<string, string>, what: string, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  throwIfStopping();
  const process = new AppProcess(what, script, { PORT: String(port), LOG_LEVEL: 'warn', ...env }, nodeArgs);
  const stop = onCleanup(what, () => process.stop(), 25_000);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => (await fetch(`${url}/healthz`)).ok, { what, timeoutMs: 20_000 });
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${process.tail(10)}`);
  }
  return { url, process, stop };
}

/** gpuq's API with one tenant key, webhooks off, against `redisUrl`; `nodeArgs` for a profile. */
export function startApi(redisUrl: string, configPath: string, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  return startServerProcess('apps/api/dist/server.js', { REDIS_URL: redisUrl, GPUQ_CONFIG: configPath, GPUQ_API_KEYS: `bench:${API_KEY}`, API_WEBHOOKS: 'false' }, 'the API', nodeArgs);
}
