/** Small, dependency-free statistics for latency samples. */

/** The q-quantile (0..1) by the nearest-rank method: the value at least q of the samples do not exceed. */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  if (q < 0 || q > 1) throw new Error(`quantile must be between 0 and 1, got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

export function median(values) {
  return quantile(values, 0.5);
}

/** Rounds for display and JSON so the files stay readable and diffs stay small. */
export function round(value, digits = 2) {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
