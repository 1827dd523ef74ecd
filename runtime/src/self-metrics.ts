/**
 * The exporter's own health, registered with prom-client. Names, types and help come from the
 * catalog's SELF_METRICS; the standard `process_*`/`nodejs_*` series come from process-metrics.ts
 * into the same registry (left out with `disableExporterMetrics=true`).
 */
import type { AttemptObservation } from './metadata/client';
import { SELF_METRICS, type SelfMetricEntry } from './metrics/catalog';
import { TIMESTAMP_REPLACE_REASONS, type TimestampReplaceReason } from './metrics/read-time';
import { SERIES_DROP_REASONS, type SeriesDropReason } from './metrics/sample-sink';
import { registerProcessMetrics } from './process-metrics';
import { Counter, Gauge, Histogram, Registry } from './prom-client';

export class SelfMetrics {
  readonly registry = new Registry();
  private readonly up: Gauge;
  private readonly lastSuccess: Gauge;
  private readonly collections: Counter;
  private readonly requests: Counter;
  private readonly requestDuration: Histogram;
  private readonly containers: Gauge;
  private readonly seriesDropped: Counter;
  private readonly timestampsReplaced: Counter;

  /** `defaultMetrics`: the `process_*`/`nodejs_*` series (config `exporterMetrics`). @default true */
  constructor(options: { readonly defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const def = (name: string): SelfMetricEntry => {
      const entry = SELF_METRICS.find((e) => e.name === name);
      if (entry === undefined) throw new Error(`self-metric ${name} is not in the catalog`);
      return entry;
    };
    const gauge = (name: string) => new Gauge({ name, help: def(name).help, labelNames: [...def(name).labels], registers });
    const counter = (name: string) => new Counter({ name, help: def(name).help, labelNames: [...def(name).labels], registers });

    this.up = gauge('ecs_exporter_collection_up');
    this.lastSuccess = gauge('ecs_exporter_last_successful_collection_timestamp_seconds');
    this.collections = counter('ecs_exporter_collections_total');
    this.requests = counter('ecs_exporter_metadata_requests_total');
    this.requestDuration = new Histogram({
      name: 'ecs_exporter_metadata_request_duration_seconds',
      help: def('ecs_exporter_metadata_request_duration_seconds').help,
      labelNames: [...def('ecs_exporter_metadata_request_duration_seconds').labels],
      // The endpoint is link-local: a few ms normally, up to the 2 s client timeout when unwell.
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    });
    this.containers = gauge('ecs_exporter_containers');
    this.seriesDropped = counter('ecs_exporter_series_dropped_total');
    this.timestampsReplaced = counter('ecs_exporter_sample_timestamps_replaced_total');

    // Zero-initialised so the series exist (and `up` reads 0) before the first collection.
    this.up.set(0);
    this.lastSuccess.set(0);
    for (const outcome of ['success', 'failure']) this.collections.inc({ outcome }, 0);
    for (const endpoint of ['task', 'task_stats']) this.requests.inc({ endpoint, outcome: 'success' }, 0);
    for (const reason of SERIES_DROP_REASONS) this.seriesDropped.inc({ reason }, 0);
    for (const reason of TIMESTAMP_REPLACE_REASONS) this.timestampsReplaced.inc({ reason }, 0);
    if (options.defaultMetrics ?? true) registerProcessMetrics(this.registry);
  }

  recordAttempt(observation: AttemptObservation): void {
    this.requests.inc({ endpoint: observation.endpoint, outcome: observation.outcome });
    this.requestDuration.observe({ endpoint: observation.endpoint }, observation.durationSeconds);
  }

  recordSuccess(atMs: number, running: number, stopped: number): void {
    this.up.set(1);
    this.lastSuccess.set(atMs / 1000);
    this.collections.inc({ outcome: 'success' });
    this.containers.set({ state: 'running' }, running);
    this.containers.set({ state: 'stopped' }, stopped);
  }

  /** Series a collection left out (limits, caps, fields of the wrong type). */
  recordSeriesDropped(reason: SeriesDropReason, series: number): void {
    if (series > 0) this.seriesDropped.inc({ reason }, series);
  }

  /** Samples a collection stamped with its own time instead of their stats' `read`. */
  recordTimestampsReplaced(reason: TimestampReplaceReason, samples: number): void {
    if (samples > 0) this.timestampsReplaced.inc({ reason }, samples);
  }

  recordFailure(): void {
    this.up.set(0);
    this.collections.inc({ outcome: 'failure' });
  }
}
