/**
 * The delivery loop: every flush interval it sends the queue's oldest samples in batches, in order,
 * and only removes a batch once the receiver accepted it (or refused it for good). While the receiver
 * is down the same batch is retried with capped exponential backoff and jitter, and new samples keep
 * accumulating in the queue behind it, so an outage shorter than the queue's capacity loses nothing.
 */
import { encodeWriteRequest } from './encoder';
import { RemoteWriteTransport } from './http-transport';
import type { Clock } from '../core/clock';
import type { Logger } from '../logger';
import { RemoteWriteStats } from './remote-write-stats';
import { QueueBatch, SampleQueue } from './sample-queue';

export interface BackoffOptions {
  /** First retry delay before jitter. */
  readonly minMs: number;
  /** Cap of the exponential delay. */
  readonly maxMs: number;
  /** Cap applied to a server's Retry-After, so a bogus value cannot stall delivery for hours. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 250, maxMs: 30_000, maxRetryAfterMs: 300_000 };
/** Backoff cap while shutting down: the deadline is short, so retry often. */
const SHUTDOWN_MAX_BACKOFF_MS = 1_000;
export const DEFAULT_MAX_SAMPLES_PER_SEND = 2_000;

export interface RemoteWriterOptions {
  readonly queue: SampleQueue;
  readonly transport: RemoteWriteTransport;
  readonly stats: RemoteWriteStats;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly flushIntervalMs: number;
  readonly maxSamplesPerSend?: number;
  readonly backoff?: BackoffOptions;
  /** Uniform [0, 1) source for jitter; injected so tests can pin it. */
  readonly random?: () => number;
}

type DeliveryOutcome = 'sent' | 'refused' | 'deadline';

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Delay before retry number `attempt` (0 for the first retry): exponential from `minMs`, capped at
 * `maxMs`, with "equal jitter" (half fixed, half random) so delays still grow while retries of many
 * sidecars spread out; a server's Retry-After is a floor.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number, retryAfterMs?: number): number {
  const exponential = Math.min(options.maxMs, options.minMs * 2 ** Math.min(attempt, 30));
  const jittered = exponential / 2 + random() * (exponential / 2);
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, options.maxRetryAfterMs));
}

export class RemoteWriter {
  private readonly maxSamplesPerSend: number;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly wake = new AbortController();
  private readonly deadline = new AbortController();
  private stopping = false;
  private loop?: Promise<void>;
  /** The drain in progress, shared by every caller while it runs. */
  private draining?: Promise<void>;
  /** Time the current run of failed attempts started; undefined while deliveries succeed. */
  private failingSince?: number;

  constructor(private readonly options: RemoteWriterOptions) {
    this.maxSamplesPerSend = options.maxSamplesPerSend ?? DEFAULT_MAX_SAMPLES_PER_SEND;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
  }

  /**
   * Stops the loop and sends what is still queued, giving up at `deadlineMs` from now. Resolves with
   * the number of samples that could not be delivered (counted as dropped and logged).
   */
  async stop(deadlineMs: number): Promise<number> {
    this.stopping = true;
    const cancelDeadline = new AbortController();
    this.options.clock.sleep(deadlineMs, cancelDeadline.signal).then(() => this.deadline.abort(), () => {});
    this.wake.abort();
    await (this.loop ?? this.drain());
    cancelDeadline.abort();
    const undelivered = this.options.queue.length;
    if (undelivered > 0) {
      this.options.stats.samplesDropped += undelivered;
      this.options.logger.error('remote write: shutdown deadline passed with samples still queued', {
        samples: undelivered, deadlineMs,
      });
    }
    await this.options.transport.close();
    return undelivered;
  }

  /**
   * Sends everything queued now (used by the loop and by tests that drive time themselves). A call
   * while a drain is in progress joins it: two drains would both peek the same oldest batch and send
   * it twice (a receiver refuses the duplicate as out of order).
   */
  drain(): Promise<void> {
    this.draining ??= this.drainQueue().finally(() => { this.draining = undefined; });
    return this.draining;
  }

  private async drainQueue(): Promise<void> {
    const { queue } = this.options;
    while (queue.length > 0) {
      const batch = queue.peekBatch(this.maxSamplesPerSend);
      const outcome = await this.deliver(batch);
      if (outcome === 'deadline') return;
      queue.commit(batch);
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      await this.options.clock.sleep(this.options.flushIntervalMs, this.wake.signal).catch(() => {});
      await this.drain();
    }
  }

  private async deliver(batch: QueueBatch): Promise<DeliveryOutcome> {
    const { transport, stats, logger, clock } = this.options;
    const body = encodeWriteRequest(batch.series);
    for (let attempt = 0; ; attempt++) {
      if (this.deadline.signal.aborted) return 'deadline';
      let failure: string;
      let retryAfterMs: number | undefined;
      try {
        const response = await transport.post(body, this.deadline.signal);
        if (response.status >= 200 && response.status < 300) {
          stats.samplesSent += batch.sampleCount;
          stats.lastSuccessfulSendMs = clock.now();
          if (this.failingSince !== undefined) {
            logger.info('remote write: receiver accepts again', {
              outageMs: clock.now() - this.failingSince, queuedSamples: this.options.queue.length,
            });
            this.failingSince = undefined;
          }
          return 'sent';
        }
        if (!isRetryableStatus(response.status)) {
          stats.samplesFailed += batch.sampleCount;
          logger.error('remote write: receiver refused the request, not retrying', {
            status: response.status, body: response.body, samples: batch.sampleCount,
          });
          return 'refused';
        }
        failure = `HTTP ${response.status}`;
        retryAfterMs = response.retryAfterMs;
      } catch (err) {
        if (this.deadline.signal.aborted) return 'deadline';
        failure = (err as Error).message;
      }
      const delayMs = backoffDelayMs(attempt, this.stopping
        ? { ...this.backoff, maxMs: Math.min(this.backoff.maxMs, SHUTDOWN_MAX_BACKOFF_MS) }
        : this.backoff, this.random, retryAfterMs);
      if (this.failingSince === undefined) {
        this.failingSince = clock.now();
        // Logged once per outage; the retries themselves are only counted.
        logger.warn('remote write: receiver unavailable, retrying with backoff', { reason: failure, samples: batch.sampleCount });
      } else {
        logger.debug('remote write: retrying', { reason: failure, attempt: attempt + 1, delayMs: Math.round(delayMs) });
      }
      stats.requestsRetried++;
      stats.samplesRetried += batch.sampleCount;
      const signal = this.stopping ? this.deadline.signal : AbortSignal.any([this.deadline.signal, this.wake.signal]);
      await clock.sleep(delayMs, signal).catch(() => {});
    }
  }
}
