/**
 * Small timing primitives that always clean up after themselves: every timer is cleared and
 * every abort listener removed when the wait ends, whichever way it ends.
 */

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** An abort signal that fires when `parent` aborts or after `ms`; call `dispose` when done. */
export function deadlineSignal(ms: number, parent?: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${ms} ms`)), ms);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** Settles like `promise`, or rejects with `onTimeout()` after `ms` (the work itself is not cancelled). */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A latch that is open or closed. `wait` resolves true as soon as it is open, or false when
 * the timeout passes or the signal aborts first.
 */
export class Gate {
  #open: boolean;
  readonly #waiters = new Set<() => void>();

  constructor(open = false) {
    this.#open = open;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  open(): void {
    this.#open = true;
    for (const wake of [...this.#waiters]) wake();
  }

  close(): void {
    this.#open = false;
  }

  /** `timeoutMs` may be Infinity (wait for open or abort only). */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#open) return Promise.resolve(true);
    if (signal?.aborted || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (result: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiters.delete(onOpen);
        resolve(result);
      };
      const onOpen = () => finish(true);
      const onAbort = () => finish(false);
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => finish(false), timeoutMs) : undefined;
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(onOpen);
    });
  }

  /** Number of pending waiters (tests check that none leak). */
  get waiting(): number {
    return this.#waiters.size;
  }
}

/** Counts work in hand; its `idle` gate is open exactly when the count is zero. */
export class WorkCounter {
  #count = 0;
  readonly idle = new Gate(true);

  get count(): number {
    return this.#count;
  }

  add(n = 1): void {
    this.#count += n;
    if (this.#count > 0) this.idle.close();
  }

  done(n = 1): void {
    this.#count = Math.max(0, this.#count - n);
    if (this.#count === 0) this.idle.open();
  }
}
