/**
 * The sidecar's own series in Active mode: the container families of each collection, the
 * remote-write pipeline's families, and the self-metrics read from prom-client's structured form
 * (`registry.getMetricsAsJSON()`), each under the sidecar's target labels (honor_labels). Series that
 * vanish (a container stopped) end with a staleness marker; after a failed collection only the
 * self-metrics go out (collection_up 0) and nothing is ended, since the next success resumes it.
 */
import type { Registry } from 'prom-client';
import { SeriesTracker, type SampleSink } from './series-tracker';
import { LabelSetCache } from './target-labels';
import { yieldToIo } from '../core/yield-to-io';
import type { FailureLog } from '../logger';
import type { Labels, MetricFamily } from '../model';

export interface OwnSeriesOptions {
  readonly registry: Pick<Registry, 'getMetricsAsJSON'>;
  /** Families beside the container ones (the remote-write pipeline's self-metrics). */
  readonly extraFamilies: () => readonly MetricFamily[];
  readonly failures: FailureLog;
}

type JsonMetric = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];

/**
 * Samples labelled between two yields to the event loop: under a millisecond on the interpreter, so
 * a scrape of the sidecar's endpoint waits at most that long for a collection of any size.
 */
export const SAMPLES_PER_SLICE = 150;
/** One value of a metric (histograms name their `_bucket`, `_sum`, `_count` values). */
interface JsonValue { readonly value: number; readonly metricName?: string; readonly labels: Readonly<Record<string, string | number | undefined>> }

export class OwnSeriesSource {
  private readonly tracker = new SeriesTracker();
  private readonly cache = new LabelSetCache();

  constructor(private readonly options: OwnSeriesOptions) {}

  /**
   * The samples of one collection; `containers` is false after a failed collection. Every input is
   * read before the first yield (the families are the collection's, the self-metrics and pipeline
   * families are read at once), so the samples are one snapshot however the work is sliced.
   */
  async collect(families: readonly MetricFamily[], atMs: number, target: Labels, containers: boolean, out: SampleSink): Promise<void> {
    const self = await this.options.registry.getMetricsAsJSON();
    const all = [...families, ...this.options.extraFamilies()];
    // Reading the self-metrics (prom-client, /proc) is a slice of its own.
    await yieldToIo();
    let sinceYield = 0;
    for (const family of all) {
      for (const sample of family.samples) {
        this.add(target, family.name, sample.labels, sample.value, sample.timestampMs ?? atMs, out);
        if (++sinceYield === SAMPLES_PER_SLICE) {
          sinceYield = 0;
          await yieldToIo();
        }
      }
    }
    for (const metric of self as JsonMetric[]) {
      for (const value of metric.values as ReadonlyArray<JsonValue>) {
        this.add(target, value.metricName ?? metric.name, labelText(value.labels), value.value, atMs, out);
      }
    }
    if (containers) this.tracker.endRound(atMs, out);
    else this.tracker.keepRound();
    this.cache.endRound(!containers);
  }

  /** Ends every series sent (the task is stopping). */
  endAll(atMs: number, out: SampleSink): void {
    this.tracker.endAll(atMs, out);
  }

  private add(target: Labels, name: string, labels: Labels, value: number, timestampMs: number, out: SampleSink): void {
    try {
      const wire = this.cache.labelsOf(target, name, labels);
      this.tracker.add(wire.labels, { value, timestampMs }, out, wire.key);
    } catch (err) {
      // An invalid name loses that series, never the collection.
      this.options.failures.failed('own series labelling', err, { metric: name });
    }
  }
}

/** prom-client gives label values as strings or numbers (a histogram's `le`); the wire wants text. */
function labelText(labels: JsonValue['labels']): Labels {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (value !== undefined) out[name] = typeof value === 'number' ? numberText(value) : value;
  }
  return out;
}

function numberText(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
