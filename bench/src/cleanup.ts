// What the bench must stop however it ends (finished, failed, or Ctrl-C): child processes, Redis,
// connections. Each benchmark registers what it starts and stops it itself when done; on a signal
// main.ts stops whatever is still registered, newest first.
type Stop = () => Promise<unknown>;

const registered = new Map<symbol, { name: string; stop: () => Promise<void> }>();
let isStopping = false;

/** Called before starting a process: once the bench is stopping, nothing new starts. */
export function throwIfStopping(): void {
  if (isStopping) throw new Error('the bench is stopping');
}

/**
 * Registers `stop` and returns a function that runs it once and unregisters it, for the owner's
 * `finally`. However often it is called (by the owner, by cleanUpAll), `stop` runs once, for at
 * most `timeoutMs`: closing a BullMQ connection whose Redis is gone would never end.
 */
export function onCleanup(name: string, stop: Stop, timeoutMs = 5_000): () => Promise<void> {
  const key = Symbol(name);
  let done: Promise<void> | undefined;
  const once = () => {
    done ??= (async () => {
      registered.delete(key);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`gave up after ${timeoutMs / 1000} s`)), timeoutMs).unref();
      });
      try {
        await Promise.race([stop(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    })();
    return done;
  };
  registered.set(key, { name, stop: once });
  return once;
}

/**
 * Stops everything registered, all at once (the bench is being interrupted: order no longer
 * matters, time does), until nothing is left: a benchmark still running may register more meanwhile.
 */
export async function cleanUpAll(report: (line: string) => void): Promise<void> {
  isStopping = true;
  while (registered.size > 0) {
    await Promise.all(
      [...registered.values()].map(({ name, stop }) => stop().catch((err: unknown) => report(`could not stop ${name}: ${(err as Error).message}`))),
    );
  }
}

/** What one benchmark started: stopped together, newest first, in its `finally` (or by cleanUpAll on a signal). */
export class CleanupScope {
  private readonly stops: Array<() => Promise<void>> = [];

  add(name: string, stop: Stop): void {
    this.stops.push(onCleanup(name, stop));
  }

  async close(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) await stop().catch(() => undefined);
  }
}
