/**
 * Time, passed in: every loop and timer of the runtime takes a `Clock`, so tests drive time without
 * sleeping. `systemClock` is the real one; its timers are unref'd (they never keep the process alive).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(cb: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Resolves after `ms`; rejects when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (cb, ms) => setTimeout(cb, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  sleep: (ms, signal) => new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('aborted'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  }),
};

/**
 * Milliseconds on a monotonic clock (for durations and deadlines). Not `performance.now()`: the first
 * use of the global `performance` loads perf_hooks and about ten internal modules, which Node
 * compiles from source under the image's V8 flags, ~4 ms of CPU at every start (runtime/bench/FINDINGS.md).
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
