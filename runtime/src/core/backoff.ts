/**
 * The one retry policy of the runtime: exponential from `minMs`, capped at `maxMs`, with full jitter
 * (a uniform delay between 0 and the exponential step), so retries of many sidecars spread out.
 * A server's Retry-After is honoured up to `maxRetryAfterMs`, so a bogus value cannot stall for hours.
 */
export interface BackoffPolicy {
  readonly minMs: number;
  readonly maxMs: number;
  readonly maxRetryAfterMs: number;
}

/** Delay before retry number `attempt` (0 for the first retry). */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  const jittered = random() * exponential;
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}
