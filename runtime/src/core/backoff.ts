/**
 * The one retry delay of the runtime. Exponential from `minMs`, capped at `maxMs`, with full jitter
 * (uniform between `minMs` and the exponential value), so thousands of sidecars that lost the same
 * receiver at the same moment do not come back in lock step, while no retry ever follows at once.
 * A server's `Retry-After` is a floor, itself capped so a bogus value cannot stall delivery for hours.
 */
export interface BackoffPolicy {
  /** First retry delay, and the smallest delay ever returned. */
  readonly minMs: number;
  /** Cap of the exponential delay. */
  readonly maxMs: number;
  /** Cap applied to a server's Retry-After. */
  readonly maxRetryAfterMs: number;
}

/** Defaults close to Prometheus' queue manager (min_backoff 30 ms .. max_backoff 5 s, here slower). */
export const DEFAULT_BACKOFF: BackoffPolicy = { minMs: 250, maxMs: 30_000, maxRetryAfterMs: 300_000 };

/**
 * Delay before retry number `attempt` (0 for the first retry). `random` returns a uniform value in
 * [0, 1) (injected so tests can pin it); `retryAfterMs` is the server's Retry-After, when it sent one.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  const floor = Math.min(policy.minMs, exponential);
  const jittered = floor + random() * (exponential - floor);
  if (retryAfterMs === undefined || !(retryAfterMs > 0)) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}
