// Waits for a condition with a deadline: tests never sleep for a fixed time.
export interface WaitOptions {
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/** Resolves with the first value of `check` that is not false, null or undefined. */
export async function waitFor<T>(check: () => Promise<T | false | null | undefined> | T | false | null | undefined, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== null && value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const suffix = lastError ? ` (last error: ${(lastError as Error).message})` : '';
      throw new Error(`timed out after ${options.timeoutMs ?? 15_000} ms waiting for ${options.what}${suffix}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}
