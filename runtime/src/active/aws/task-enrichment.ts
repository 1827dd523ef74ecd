/**
 * The AWS side of the target labels (service name, subnet, VPC, task definition, tags), kept current:
 * the first attempt starts with the first collection, which waits for it up to `waitMs`; an attempt
 * that fails or comes back incomplete is retried with backoff (with the latest task metadata) until
 * one succeeds, and its labels are attached from then on. ONE warning says what failed first; the
 * retries log at debug level.
 */
import type { EnrichmentProcess, EnrichmentOutcome } from './enrichment-process';
import type { AwsTaskInfo } from './task-info';
import { backoffDelayMs, type BackoffPolicy } from '../../core/backoff';
import type { Clock } from '../../core/clock';
import { FailureLog, type Logger } from '../../logger';
import type { TaskMetadata } from '../../metadata/types';

/** The first collection waits this long for the first attempt before using metadata-only labels. */
export const ENRICHMENT_WAIT_MS = 20_000;
/** Retries start after `minMs` at the earliest (plus jitter) and back off to `maxMs`. */
export const ENRICHMENT_RETRY: BackoffPolicy = { minMs: 30_000, maxMs: 15 * 60_000, maxRetryAfterMs: 0 };

export interface TaskEnrichmentOptions {
  readonly process: Pick<EnrichmentProcess, 'run' | 'stop'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where an attempt that threw is logged (once at error, repeats at debug). @default one of its own */
  readonly failures?: FailureLog;
  /** The task metadata for a retry (the latest collection's). */
  readonly latestTask: () => TaskMetadata | undefined;
  readonly retry?: BackoffPolicy;
  readonly random?: () => number;
  readonly waitMs?: number;
}

export class TaskEnrichment {
  private current: AwsTaskInfo = { tags: {} };
  private firstAttempt?: Promise<void>;
  private readonly stopSignal = new AbortController();
  private failedBefore = false;
  private readonly failures: FailureLog;

  constructor(private readonly options: TaskEnrichmentOptions) {
    this.failures = options.failures ?? new FailureLog(options.logger);
  }

  /** What the AWS APIs said so far (nothing but tags {} before the first answer). */
  get info(): AwsTaskInfo {
    return this.current;
  }

  /** Starts the attempts with `task` (once); resolves when the first attempt ended or the wait passed. */
  ready(task: TaskMetadata): Promise<void> {
    this.firstAttempt ??= new Promise<void>((resolve) => {
      const timer = this.options.clock.setTimeout(resolve, this.options.waitMs ?? ENRICHMENT_WAIT_MS);
      this.attempts(task, () => {
        this.options.clock.clearTimeout(timer);
        resolve();
      }).catch((err) => this.options.logger.error('aws enrichment stopped on an unexpected error', { err }));
    });
    return this.firstAttempt;
  }

  stop(): void {
    this.stopSignal.abort();
    this.options.process.stop();
  }

  private async attempts(task: TaskMetadata, firstDone: () => void): Promise<void> {
    const retry = this.options.retry ?? ENRICHMENT_RETRY;
    for (let attempt = 0; !this.stopSignal.signal.aborted; attempt++) {
      const complete = await this.attempt(attempt === 0 ? task : this.options.latestTask() ?? task, attempt);
      if (this.stopSignal.signal.aborted) return;
      firstDone();
      if (complete) return;
      const delayMs = retry.minMs + backoffDelayMs(attempt, retry, this.options.random ?? Math.random);
      await this.options.clock.sleep(delayMs, this.stopSignal.signal).catch(() => {});
    }
  }

  /** One attempt; true when nothing is left to ask for. An attempt that throws is retried like one without an answer. */
  private async attempt(task: TaskMetadata, attempt: number): Promise<boolean> {
    try {
      const outcome = await this.options.process.run(task);
      return this.stopSignal.signal.aborted || this.record(outcome, attempt);
    } catch (err) {
      this.failures.failed('aws enrichment attempt', err, { attempt: attempt + 1 });
      this.failedBefore = true;
      return false;
    }
  }

  /** Keeps an answer and logs the attempt; true when nothing is left to ask for. */
  private record(outcome: EnrichmentOutcome, attempt: number): boolean {
    const { logger } = this.options;
    if (outcome.info) this.current = outcome.info;
    const complete = outcome.info?.complete !== false && outcome.info !== undefined;
    for (const log of outcome.info ? outcome.logs : []) {
      // The child's own warning (e.g. AccessDenied) is said once; retries repeat it at debug level.
      logger[attempt === 0 || log.level === 'debug' ? log.level : 'debug'](log.message, log.fields);
    }
    if (!outcome.info) {
      const message = 'aws enrichment failed: the AWS API child process gave no answer; labels come from the metadata only until a retry succeeds';
      if (this.failedBefore) logger.debug(message, { reason: outcome.reason, attempt: attempt + 1 });
      else logger.warn(message, { reason: outcome.reason });
    }
    if (complete && this.failedBefore) logger.info('aws enrichment succeeded on a retry: its labels are attached from now on', { attempt: attempt + 1 });
    this.failedBefore ||= !complete;
    return complete;
  }
}
