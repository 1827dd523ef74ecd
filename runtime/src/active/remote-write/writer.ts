/**
 * The delivery loop: every flush interval it sends the queue's oldest samples in batches, in order,
 * and only removes a batch once the receiver accepted it (or refused it for good). While the receiver
 * is down the same batch is retried with the one backoff policy (core/backoff.ts: jitter, Retry-After),
 * and new samples keep accumulating in the queue behind it, so an outage shorter than the queue's
 * capacity loses nothing.
 *
 * A refused batch is never resent as it was. The one exception is an "out of bounds" answer: the
 * receiver refuses a whole request for one sample outside its time window, so the batch is split by
 * time (split.ts) and the parts are sent again, within a bounded number of extra requests, until only
 * the refused samples are left; those are counted by reason.
 */
import type { QueueBatch, SampleQueue } from './queue';
import { isRetryableStatus, isSalvageable, rejectionReason, type RejectionReason } from './rejection';
import type { WireSeries } from './series';
import { SnappyRequestEncoder } from './snappy-request';
import { sampleCount, splitByTime } from './split';
import type { RemoteWriteStats } from './stats';
import type { RemoteWriteTransport } from './transport';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffPolicy } from '../../core/backoff';
import { redactSecrets } from '../../core/redact';
import { yieldToIo } from '../../core/yield-to-io';
import type { Logger } from '../../logger';

/** The part of the runtime's clock the writer uses (core/clock's Clock satisfies it). */
export interface WriterClock {
  now(): number;
  /** Resolves after `ms`; rejects when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Backoff cap while shutting down: the deadline is short, so retry often. */
const SHUTDOWN_MAX_BACKOFF_MS = 1_000;
export const DEFAULT_MAX_SAMPLES_PER_SEND = 2_000;
/**
 * Series measured or written into a request between two yields to the event loop: under a millisecond of
 * interpreted work, so a scrape of the sidecar waits at most that long for an encoding request.
 */
export const SERIES_PER_ENCODING_SLICE = 150;
/** Extra requests one refused batch may cost to deliver its good samples (about 2 per halving). */
export const DEFAULT_MAX_SPLIT_REQUESTS = 32;
/** A refusal of the same reason is logged at most this often (every refused sample is counted). */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

export interface RemoteWriterOptions {
  readonly queue: SampleQueue;
  readonly transport: RemoteWriteTransport;
  readonly stats: RemoteWriteStats;
  readonly logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  readonly clock: WriterClock;
  readonly flushIntervalMs: number;
  readonly maxSamplesPerSend?: number;
  readonly backoff?: BackoffPolicy;
  /** Extra requests a batch refused as "out of bounds" may cost to deliver its good samples. */
  readonly maxSplitRequests?: number;
  /** Uniform [0, 1) source for jitter; injected so tests can pin it. */
  readonly random?: () => number;
}

type Outcome = 'sent' | 'refused' | 'deadline';

/** One try at the receiver: accepted, refused for good, worth retrying, or cut by the deadline. */
type Attempt =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'refused'; readonly status: number; readonly body: string }
  | { readonly kind: 'retry'; readonly failure: string; readonly retryAfterMs?: number }
  | { readonly kind: 'deadline' };

export class RemoteWriter {
  private readonly maxSamplesPerSend: number;
  private readonly maxSplitRequests: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly wake = new AbortController();
  private readonly deadline = new AbortController();
  private readonly lastRefusalLogMs = new Map<RejectionReason, number>();
  private readonly unsendableLogged = new Set<string>();
  private stopping = false;
  private loop?: Promise<void>;
  /** The drain in progress, shared by every caller while it runs. */
  private draining?: Promise<void>;
  /** Time the current run of failed attempts started; undefined while deliveries succeed. */
  private failingSince?: number;

  constructor(private readonly options: RemoteWriterOptions) {
    this.maxSamplesPerSend = options.maxSamplesPerSend ?? DEFAULT_MAX_SAMPLES_PER_SEND;
    this.maxSplitRequests = options.maxSplitRequests ?? DEFAULT_MAX_SPLIT_REQUESTS;
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
      const batch: QueueBatch = queue.peekBatch(this.maxSamplesPerSend);
      // A deadline in the middle of a split leaves the whole batch queued: it is counted as
      // undelivered, although some of its parts may have landed.
      const outcome = await this.deliver(batch.series, batch.sampleCount, { requestsLeft: this.maxSplitRequests })
        .catch((err: unknown) => this.unsendable(batch, err));
      if (outcome === 'deadline') return;
      queue.commit(batch);
    }
  }

  /**
   * A batch that cannot even be encoded (a bug upstream let a bad value through) would block the
   * queue forever if kept: it is dropped, counted and logged once per kind of failure.
   */
  private unsendable(batch: QueueBatch, err: unknown): Outcome {
    const reason = err instanceof Error ? err.message : String(err);
    this.options.stats.samplesDropped += batch.sampleCount;
    if (!this.unsendableLogged.has(reason) && this.unsendableLogged.size < 32) {
      this.unsendableLogged.add(reason);
      this.options.logger.error('remote write: a batch could not be encoded and was dropped', { reason, samples: batch.sampleCount });
    }
    return 'refused';
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      await this.options.clock.sleep(this.options.flushIntervalMs, this.wake.signal).catch(() => {});
      await this.drain();
    }
  }

  /** Delivers `series` (`count` samples), retrying until the receiver answers for good or the deadline. */
  private async deliver(series: readonly WireSeries[], count: number, split: { requestsLeft: number }): Promise<Outcome> {
    const body = await encodeInSlices(series);
    for (let attempt = 0; ; attempt++) {
      const answer = await this.attempt(body);
      switch (answer.kind) {
        case 'deadline': return 'deadline';
        case 'accepted': this.accepted(count); return 'sent';
        case 'refused': return this.refused(series, count, answer.status, answer.body, split);
        case 'retry': await this.waitBeforeRetry(attempt, answer.failure, answer.retryAfterMs, count);
      }
    }
  }

  private async attempt(body: Buffer): Promise<Attempt> {
    if (this.deadline.signal.aborted) return { kind: 'deadline' };
    try {
      const response = await this.options.transport.post(body, this.deadline.signal);
      if (response.status >= 200 && response.status < 300) return { kind: 'accepted' };
      if (!isRetryableStatus(response.status)) return { kind: 'refused', status: response.status, body: response.body };
      return { kind: 'retry', failure: `HTTP ${response.status}`, retryAfterMs: response.retryAfterMs };
    } catch (err) {
      if (this.deadline.signal.aborted) return { kind: 'deadline' };
      return { kind: 'retry', failure: (err as Error).message };
    }
  }

  private accepted(count: number): void {
    const { stats, logger, clock } = this.options;
    stats.samplesSent += count;
    stats.lastSuccessfulSendMs = clock.now();
    if (this.failingSince !== undefined) {
      logger.info('remote write: receiver accepts again', {
        outageMs: clock.now() - this.failingSince, queuedSamples: this.options.queue.length,
      });
      this.failingSince = undefined;
    }
  }

  /**
   * A non-retryable answer. Samples outside the receiver's window are split off by time while the
   * split budget lasts (older part first, so every series stays in order); anything else is counted
   * as rejected, under the reason the receiver gave, and never resent.
   */
  private async refused(series: readonly WireSeries[], count: number, status: number, body: string,
    split: { requestsLeft: number }): Promise<Outcome> {
    const reason = rejectionReason(status, body);
    const halves = isSalvageable(reason) && split.requestsLeft >= 2 ? splitByTime(series) : undefined;
    if (!halves) {
      this.options.stats.reject(reason, count);
      this.logRefusal(status, reason, body, count);
      return 'refused';
    }
    split.requestsLeft -= 2;
    this.options.logger.debug('remote write: splitting a refused batch by time', { reason, samples: count, requestsLeft: split.requestsLeft });
    for (const half of halves) {
      if (await this.deliver(half, sampleCount(half), split) === 'deadline') return 'deadline';
    }
    return 'sent';
  }

  private logRefusal(status: number, reason: RejectionReason, body: string, samples: number): void {
    const { logger, clock } = this.options;
    const last = this.lastRefusalLogMs.get(reason);
    if (last !== undefined && clock.now() - last < REFUSAL_LOG_INTERVAL_MS) return;
    this.lastRefusalLogMs.set(reason, clock.now());
    logger.error('remote write: receiver refused samples, not resending them', {
      status, reason, body: this.redact(body), samples,
    });
  }

  /** Text from the receiver or the network, made safe to log (the transport's credentials removed). */
  private redact(text: string): string {
    return redactSecrets(text, this.options.transport.secrets ?? []);
  }

  private async waitBeforeRetry(attempt: number, failure: string, retryAfterMs: number | undefined, count: number): Promise<void> {
    const { stats, logger, clock } = this.options;
    const policy = this.stopping ? { ...this.backoff, maxMs: Math.min(this.backoff.maxMs, SHUTDOWN_MAX_BACKOFF_MS) } : this.backoff;
    const delayMs = backoffDelayMs(attempt, policy, this.random, retryAfterMs);
    if (this.failingSince === undefined) {
      this.failingSince = clock.now();
      // Logged once per outage; the retries themselves are only counted.
      logger.warn('remote write: receiver unavailable, retrying with backoff', { reason: this.redact(failure), samples: count });
    } else {
      logger.debug('remote write: retrying', { reason: this.redact(failure), attempt: attempt + 1, delayMs: Math.round(delayMs) });
    }
    stats.requestsRetried++;
    stats.samplesRetried += count;
    const signal = this.stopping ? this.deadline.signal : AbortSignal.any([this.deadline.signal, this.wake.signal]);
    await clock.sleep(delayMs, signal).catch(() => {});
  }
}

/** The request body of `series`, written a slice at a time (the batch is a snapshot: the queue may change meanwhile). */
async function encodeInSlices(series: readonly WireSeries[]): Promise<Buffer> {
  const encoder = new SnappyRequestEncoder(series);
  encoder.write(SERIES_PER_ENCODING_SLICE);
  while (!encoder.done) {
    await yieldToIo();
    encoder.write(SERIES_PER_ENCODING_SLICE);
  }
  return encoder.finish();
}
