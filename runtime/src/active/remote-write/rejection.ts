/**
 * What a receiver's non-retryable answer means for the samples it refused. Prometheus 2.42 answers a
 * request as a whole: one sample outside its accepted window makes the whole request a 400 "out of
 * bounds", so the reason decides whether the rest of the request can still be delivered (see salvage.ts).
 */
export const REJECTION_REASONS = ['out_of_bounds', 'out_of_order', 'duplicate', 'too_large', 'unauthorized', 'bad_request', 'other'] as const;
export type RejectionReason = typeof REJECTION_REASONS[number];

// Phrases of Prometheus (storage.ErrOutOfBounds, ErrOutOfOrderSample, ErrDuplicateSampleForTimestamp),
// Mimir/Cortex (err-mimir-sample-timestamp-too-old, ...-too-far-in-future, ...-out-of-order,
// ...-duplicate-timestamp) and Thanos; matched case-insensitively, first match wins.
const BODY_REASONS: ReadonlyArray<readonly [RegExp, RejectionReason]> = [
  [/out of bounds|too[ -]old|too[ -]far[ -]in[ -](the[ -])?future|outside.{0,20}(window|time range)/i, 'out_of_bounds'],
  [/out[ -]of[ -]order/i, 'out_of_order'],
  [/duplicate/i, 'duplicate'],
  [/too large|too big|exceeds? .{0,30}(size|limit)|message larger/i, 'too_large'],
];

/** The reason for a non-retryable status, from the status and the start of the receiver's body. */
export function rejectionReason(status: number, body: string): RejectionReason {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 413) return 'too_large';
  if (status !== 400 && status !== 422) return 'other';
  for (const [pattern, reason] of BODY_REASONS) {
    if (pattern.test(body)) return reason;
  }
  return 'bad_request';
}

/** Only samples outside the receiver's time window can be told apart from their neighbours by time. */
export function isSalvageable(reason: RejectionReason): boolean {
  return reason === 'out_of_bounds';
}

/** 429 and 5xx are the receiver's own trouble: the same request may succeed later. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
