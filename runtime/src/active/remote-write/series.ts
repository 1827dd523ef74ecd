/**
 * The sender's view of a time series: a sorted label list that always includes `__name__`, and
 * samples with millisecond timestamps. Everything that enters the remote-write queue passes through
 * `seriesLabels`, so the Remote-Write 1.0 label rules are enforced in one place.
 */
import type { Labels } from '../../model';

/** A label pair as sent on the wire. */
export type LabelPair = readonly [name: string, value: string];

/** One sample ready for the wire. `stale` marks a Prometheus staleness marker (its value is ignored). */
export interface WireSample {
  readonly value: number;
  readonly timestampMs: number;
  readonly stale?: boolean;
}

/** A series with its samples in timestamp order, as one `TimeSeries` message. */
export interface WireSeries {
  readonly labels: readonly LabelPair[];
  readonly samples: readonly WireSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Builds the wire label set of a series: `__name__` plus every label with a non-empty value, sorted by
 * name (byte order; label names are ASCII). A `__name__` inside `labels` is ignored in favour of
 * `metricName`, so a name can never be repeated. Invalid names throw: they are programming errors or
 * a scraped target's bug, and the caller decides what to count.
 */
export function seriesLabels(metricName: string, labels: Labels): LabelPair[] {
  if (!METRIC_NAME.test(metricName)) {
    throw new Error(`invalid metric name "${metricName}"`);
  }
  const pairs: LabelPair[] = [['__name__', metricName]];
  for (const [name, value] of Object.entries(labels)) {
    // `== null` and String(): a value that reached here untyped (a number from JSON) must not
    // fail the encoder later; on the wire every label value is a string.
    if (name === '__name__' || value === '' || value == null) continue;
    if (!LABEL_NAME.test(name)) {
      throw new Error(`invalid label name "${name}" on metric "${metricName}"`);
    }
    pairs.push([name, String(value)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs;
}

/** A stable identity for a label set (labels must already be sorted, as `seriesLabels` returns them). */
export function seriesKey(labels: readonly LabelPair[]): string {
  // JSON because label values may contain any character, including every separator one could pick.
  return JSON.stringify(labels);
}
