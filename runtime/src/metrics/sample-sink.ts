/**
 * Where the transform puts its samples: per catalog family, with the per-collection series limit
 * (Prometheus' `sample_limit` idea, but keeping the first series instead of failing the scrape) and
 * the counts of what was left out, by reason.
 */
import { VARIABLES } from '../environment-contract.generated';
import type { Labels, MetricFamily, Sample } from '../model';
import { METRIC_CATALOG } from './catalog';
import { NO_STAMP, type Stamp, type TimestampReplaceReason } from './read-time';

/**
 * Why a series was left out: over the collection's limit, over a container's interface or device
 * cap, or (counted by the metadata reader) fed by a field of the wrong type.
 */
export type SeriesDropReason = 'series_limit' | 'interface_limit' | 'device_limit' | 'invalid_value';
export const SERIES_DROP_REASONS: readonly SeriesDropReason[] = ['series_limit', 'interface_limit', 'device_limit', 'invalid_value'];

/** The default of `maxSeriesPerCollection`, from the environment contract the construct shares. */
export const DEFAULT_MAX_SERIES: number = VARIABLES.maxSeriesPerCollection.default;

export class SampleSink {
  private static readonly known = new Set(METRIC_CATALOG.map((entry) => entry.name));
  private readonly samples = new Map<string, Sample[]>();
  private readonly droppedBy = new Map<SeriesDropReason, number>();
  private readonly replacedBy = new Map<TimestampReplaceReason, number>();
  private count = 0;

  constructor(private readonly maxSeries: number = DEFAULT_MAX_SERIES) {}

  /** Undefined values are simply not emitted; past the limit, the series is counted and left out. */
  add(name: string, labels: Labels, value: number | undefined, stamp: Stamp = NO_STAMP): void {
    let list = this.samples.get(name);
    // A name outside the catalog is a bug in the transform, not bad input.
    if (list === undefined && !SampleSink.known.has(name)) throw new Error(`metric ${name} is not in the catalog`);
    // `value - value` is 0 for finite numbers only: Number.isFinite without a call per sample.
    if (value === undefined || value - value !== 0) return;
    if (this.count >= this.maxSeries) {
      this.drop('series_limit', 1);
      return;
    }
    this.count++;
    if (stamp.replaced !== undefined) this.replacedBy.set(stamp.replaced, (this.replacedBy.get(stamp.replaced) ?? 0) + 1);
    if (list === undefined) {
      list = [];
      this.samples.set(name, list);
    }
    // One object shape for every sample (the renderer and Active mode read each one interpreted).
    list.push({ labels, value, timestampMs: stamp.timestampMs });
  }

  drop(reason: SeriesDropReason, series: number): void {
    if (series > 0) this.droppedBy.set(reason, (this.droppedBy.get(reason) ?? 0) + series);
  }

  /** Series left out so far, only the reasons that occurred. */
  dropped(): Partial<Record<SeriesDropReason, number>> {
    return Object.fromEntries(this.droppedBy);
  }

  /** Samples stamped with the collection time instead of their stats' `read`, by reason. */
  replaced(): Partial<Record<TimestampReplaceReason, number>> {
    return Object.fromEntries(this.replacedBy);
  }

  /** Families in catalog order, only those with samples. */
  families(): MetricFamily[] {
    return METRIC_CATALOG.filter((entry) => this.samples.has(entry.name)).map((entry) => ({
      name: entry.name,
      help: entry.help,
      type: entry.type,
      samples: this.samples.get(entry.name)!,
    }));
  }
}
