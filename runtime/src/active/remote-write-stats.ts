/**
 * Self-metrics of the remote-write pipeline. They are exposed on the sidecar's metrics endpoint and
 * remote-written with everything else, so a receiver outage or a full queue is visible afterwards.
 */
import { MetricFamily } from '../model';

export const REMOTE_WRITE_METRIC_PREFIX = 'ecs_exporter_remote_write_';

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
    const p = REMOTE_WRITE_METRIC_PREFIX;
    const counter = (name: string, help: string, value: number): MetricFamily =>
      ({ name: p + name, help, type: 'counter', samples: [{ labels: {}, value }] });
    const gauge = (name: string, help: string, value: number): MetricFamily =>
      ({ name: p + name, help, type: 'gauge', samples: [{ labels: {}, value }] });
    return [
      counter('samples_sent_total', 'Samples the remote-write receiver accepted.', this.samplesSent),
      counter('samples_failed_total', 'Samples in requests refused with a non-retryable 4xx status.', this.samplesFailed),
      counter('samples_dropped_total', 'Samples dropped because the queue was full or the shutdown deadline passed.', this.samplesDropped),
      counter('samples_out_of_order_total', 'Samples not queued because their timestamp was not newer than the last one of their series.', this.samplesOutOfOrder),
      counter('samples_retried_total', 'Samples sent again after a 429, 5xx or network error.', this.samplesRetried),
      counter('requests_retried_total', 'Remote-write requests sent again after a 429, 5xx or network error.', this.requestsRetried),
      gauge('queue_samples', 'Samples waiting in the remote-write queue.', this.queueLength()),
      gauge('queue_capacity_samples', 'Capacity of the remote-write queue in samples.', this.queueCapacity),
      gauge('last_success_timestamp_seconds', 'Unix time of the last request the receiver accepted (0 before the first).', this.lastSuccessfulSendMs / 1000),
    ];
  }
}
