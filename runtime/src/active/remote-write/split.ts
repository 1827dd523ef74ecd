/**
 * Splits a refused request in two by sample time, for the bounded salvage of an "out of bounds" answer.
 *
 * Splitting by a timestamp (everything older than it, then the rest) instead of by position has two
 * properties the salvage needs: sending the older part first keeps every series in timestamp order,
 * whatever is accepted or refused, and samples outside the receiver's window (too old, or too far in
 * the future) sit at the ends of the time range, so a few halvings isolate them even when many
 * samples share the same bad timestamp (a container whose stats carry a stale `read`).
 */
import type { WireSeries } from './series';

export function sampleCount(series: readonly WireSeries[]): number {
  let count = 0;
  for (const s of series) count += s.samples.length;
  return count;
}

/**
 * Returns [older, newer]: the samples before a split time and those at or after it, both non-empty,
 * with the split time at the median sample time. Undefined when every sample has the same timestamp
 * (the receiver judges them alike, so a split cannot separate good from bad).
 */
export function splitByTime(series: readonly WireSeries[]): [WireSeries[], WireSeries[]] | undefined {
  const times: number[] = [];
  for (const s of series) for (const sample of s.samples) times.push(sample.timestampMs);
  times.sort((a, b) => a - b);
  let splitAt = times[Math.floor(times.length / 2)];
  if (splitAt === times[0]) {
    // More than half share the oldest time: split just after it instead.
    const next = times.find((t) => t > times[0]);
    if (next === undefined) return undefined;
    splitAt = next;
  }
  const older: WireSeries[] = [];
  const newer: WireSeries[] = [];
  for (const s of series) {
    const cut = s.samples.findIndex((sample) => sample.timestampMs >= splitAt);
    const end = cut === -1 ? s.samples.length : cut;
    if (end > 0) older.push({ labels: s.labels, samples: s.samples.slice(0, end) });
    if (end < s.samples.length) newer.push({ labels: s.labels, samples: s.samples.slice(end) });
  }
  return [older, newer];
}
