/**
 * Self-metrics of the remote-write pipeline. They are exposed on the sidecar's metrics endpoint and
 * remote-written with everything else, so a receiver outage or a full queue is visible afterwards.
 * Names, types and help come from the catalog's SELF_METRICS (the README catalog is generated from it).
 */
import { SELF_METRICS } from '../metrics/catalog';
import type { MetricFamily, MetricType } from '../model';

export const REMOTE_WRITE_METRIC_PREFIX = 'ecs_exporter_remote_write_';

function family(name: string, value: number): MetricFamily {
  const entry = SELF_METRICS.find((e) => e.name === REMOTE_WRITE_METRIC_PREFIX + name);
  if (entry === undefined || entry.type === 'histogram') throw new Error(`self-metric ${REMOTE_WRITE_METRIC_PREFIX + name} is not in the catalog`);
  return { name: entry.name, help: entry.help, type: entry.type as MetricType, samples: [{ labels: {}, value }] };
}

export class RemoteWriteStats {
  samplesSent = 0;
  /** Samples in requests the receiver refused with a non-retryable 4xx. */
  samplesFailed = 0;
  /** Samples dropped because the queue was full, or still queued when the shutdown deadline passed. */
  samplesDropped = 0;
  /** Samples refused at enqueue because their timestamp was not newer than the series' last one. */
  samplesOutOfOrder = 0;
  /** Samples re-sent after a 429, a 5xx or a network error (counted once per retry). */
  samplesRetried = 0;
  requestsRetried = 0;
  lastSuccessfulSendMs = 0;

  constructor(private readonly queueLength: () => number, readonly queueCapacity: number) {}

  families(): MetricFamily[] {
    return [
      family('samples_sent_total', this.samplesSent),
      family('samples_failed_total', this.samplesFailed),
      family('samples_dropped_total', this.samplesDropped),
      family('samples_out_of_order_total', this.samplesOutOfOrder),
      family('samples_retried_total', this.samplesRetried),
      family('requests_retried_total', this.requestsRetried),
      family('queue_samples', this.queueLength()),
      family('queue_capacity_samples', this.queueCapacity),
      family('last_success_timestamp_seconds', this.lastSuccessfulSendMs / 1000),
    ];
  }
}
