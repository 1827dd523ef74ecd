/**
 * Which stats `read` time a sample may carry. Prometheus 2.42 refuses, as "out of bounds", a sample
 * more than about an hour behind the newest one it holds, and answers 400 for the whole remote-write
 * request, so one stale `read` loses every good sample sent with it. Samples whose `read` a receiver
 * could refuse get the collection time instead, and the replacement is counted.
 *
 * - Too old: more than 5 minutes before the collection. Docker refreshes stats every ~10 s, so an
 *   older `read` means stats that stopped moving; 5 minutes keeps far inside the receiver's hour even
 *   when its clock or other senders run ahead of ours, and a point older than the 5-minute query
 *   lookback would not show in an instant query anyway. Docker's zero time (`0001-01-01T00:00:00Z`)
 *   falls here.
 * - In the future: more than 5 minutes after the collection. A small skew between the agent's and
 *   the sidecar's clocks is normal; a sample far ahead would move the receiver's newest time forward
 *   and make every other sample look old.
 * - Unparsable: not an RFC 3339 time.
 * An absent `read` gives no timestamp (the sender stamps the collection time), and is not counted.
 */
import { asTimeMs } from './readers';

export const MAX_READ_AGE_MS = 5 * 60_000;
export const MAX_READ_AHEAD_MS = 5 * 60_000;

export type TimestampReplaceReason = 'too_old' | 'in_future' | 'unparsable';
export const TIMESTAMP_REPLACE_REASONS: readonly TimestampReplaceReason[] = ['too_old', 'in_future', 'unparsable'];

/**
 * A sample's timestamp, and why it is the collection time instead of the stats' `read` when it is.
 * Both fields are always present (possibly undefined): one object shape, which the interpreted
 * transform reads once per sample (runtime/bench/FINDINGS.md).
 */
export interface Stamp {
  readonly timestampMs: number | undefined;
  readonly replaced: TimestampReplaceReason | undefined;
}

/** No timestamp: the scraper or the sender stamps the sample. */
export const NO_STAMP: Stamp = { timestampMs: undefined, replaced: undefined };

/** The stamp for samples of stats read at `read`, in a collection at `collectedAtMs`. */
export function stampOf(read: string | undefined, collectedAtMs: number): Stamp {
  if (read === undefined) return NO_STAMP;
  // asTimeMs leaves out non-positive times: docker's zero time is a (very) old time, not a bad one.
  const ms = asTimeMs(read) ?? (Number.isFinite(Date.parse(read)) ? Number.NEGATIVE_INFINITY : undefined);
  if (ms === undefined) return { timestampMs: collectedAtMs, replaced: 'unparsable' };
  if (ms < collectedAtMs - MAX_READ_AGE_MS) return { timestampMs: collectedAtMs, replaced: 'too_old' };
  if (ms > collectedAtMs + MAX_READ_AHEAD_MS) return { timestampMs: collectedAtMs, replaced: 'in_future' };
  return { timestampMs: ms, replaced: undefined };
}
