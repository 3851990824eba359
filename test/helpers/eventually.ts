/** Thrown by a check when waiting longer cannot help (e.g. the session it watches has ended). */
export class StopWaiting extends Error {}

/**
 * Polls `check` until it returns a value other than undefined/false, or throws when the
 * deadline passes (with the last error, if any). Integration tests wait this way, never
 * with fixed sleeps. A check that throws StopWaiting ends the wait at once with that error.
 */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      if (error instanceof StopWaiting)
        throw new Error(`gave up waiting for ${options.what ?? 'a condition'}`, { cause: error });
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.what ?? 'a condition'}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}
