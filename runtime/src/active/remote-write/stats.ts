/**
 * Self-metrics of the remote-write pipeline. They are exposed on the sidecar's metrics endpoint and
 * remote-written with everything else, so a receiver outage or a full queue is visible afterwards.
 * Names, types and help come from the catalog's SELF_METRICS (the README catalog is generated from it).
 */
import { REJECTION_REASONS, type RejectionReason } from './rejection';
import { SELF_METRICS } from '../../metrics/catalog';
import type { MetricFamily, MetricType, Sample } from '../../model';

export const REMOTE_WRITE_METRIC_PREFIX = 'ecs_exporter_remote_write_';

function family(name: string, samples: Sample[]): MetricFamily {
  const entry = SELF_METRICS.find((e) => e.name === REMOTE_WRITE_METRIC_PREFIX + name);
  if (entry === undefined || entry.type === 'histogram') throw new Error(`self-metric ${REMOTE_WRITE_METRIC_PREFIX + name} is not in the catalog`);
  return { name: entry.name, help: entry.help, type: entry.type as MetricType, samples };
}

const single = (value: number): Sample[] => [{ labels: {}, value }];

export class RemoteWriteStats {
  samplesSent = 0;
  /**
   * Samples the receiver refused for good (a non-retryable 4xx, after any salvage): the total of
   * `samplesRejected` over every reason.
   */
  samplesFailed = 0;
  /** Refused samples by reason; every reason starts at 0 so `rate()` sees the first refusal. */
  readonly samplesRejected = new Map<RejectionReason, number>(REJECTION_REASONS.map((r) => [r, 0]));
  /** Samples dropped because the queue was full, or still queued when the shutdown deadline passed. */
  samplesDropped = 0;
  /** Samples refused at enqueue because their timestamp was not newer than the series' last one. */
  samplesOutOfOrder = 0;
  /** Samples re-sent after a 429, a 5xx or a network error (counted once per retry). */
  samplesRetried = 0;
  requestsRetried = 0;
  lastSuccessfulSendMs = 0;

  constructor(private readonly queueLength: () => number, readonly queueCapacity: number) {}

  /** Counts samples refused for good, in the total and under their reason. */
  reject(reason: RejectionReason, samples: number): void {
    this.samplesFailed += samples;
    this.samplesRejected.set(reason, (this.samplesRejected.get(reason) ?? 0) + samples);
  }

  families(): MetricFamily[] {
    return [
      family('samples_sent_total', single(this.samplesSent)),
      family('samples_failed_total', single(this.samplesFailed)),
      family('samples_rejected_total', [...this.samplesRejected].map(([reason, value]) => ({ labels: { reason }, value }))),
      family('samples_dropped_total', single(this.samplesDropped)),
      family('samples_out_of_order_total', single(this.samplesOutOfOrder)),
      family('samples_retried_total', single(this.samplesRetried)),
      family('requests_retried_total', single(this.requestsRetried)),
      family('queue_samples', single(this.queueLength())),
      family('queue_capacity_samples', single(this.queueCapacity)),
      family('last_success_timestamp_seconds', single(this.lastSuccessfulSendMs / 1000)),
    ];
  }
}
