/**
 * The one retry delay of the runtime: exponential from `minMs`, capped at `maxMs`, with full jitter
 * (a uniform delay between 0 and the exponential step), so thousands of sidecars that lost the same
 * receiver at the same moment do not come back in lock step. A server's `Retry-After` is honoured as a
 * floor, itself capped at `maxRetryAfterMs` so a bogus value cannot stall delivery for hours.
 */
export interface BackoffPolicy {
  /** The exponential step of the first retry. */
  readonly minMs: number;
  /** Cap of the exponential step. */
  readonly maxMs: number;
  /** Cap applied to a server's Retry-After. */
  readonly maxRetryAfterMs: number;
}

/** Remote write's policy: 250 ms doubling up to 30 s; a Retry-After of up to 5 minutes is obeyed. */
export const DEFAULT_BACKOFF: BackoffPolicy = { minMs: 250, maxMs: 30_000, maxRetryAfterMs: 300_000 };

/**
 * Delay before retry number `attempt` (0 for the first retry). `random` returns a uniform value in
 * [0, 1) (injected so tests can pin it); `retryAfterMs` is the server's Retry-After, when it sent one.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  const jittered = random() * exponential;
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}
