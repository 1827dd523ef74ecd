/**
 * Client of the ECS Task Metadata Endpoint v4. It only moves bytes: GET with timeouts over
 * kept-alive connections (http-get.ts), retries with the runtime's one backoff policy (the endpoint
 * answers 500 for the first requests after task start), JSON parsing, and one observation per
 * attempt for the self-metrics. What it returns is untyped JSON; `reader.ts` types it.
 */
import { HttpGetClient, RequestTimeout } from './http-get';
import { RepeatedTaskBody } from './repeated-task-body';
import { backoffDelayMs, type BackoffPolicy } from '../core/backoff';
import { monotonicMs, systemClock, type Clock } from '../core/clock';

export type MetadataEndpoint = 'task' | 'task_stats';
export type AttemptOutcome = 'success' | 'http_error' | 'network_error' | 'timeout' | 'invalid_body';

export interface AttemptObservation {
  readonly endpoint: MetadataEndpoint;
  readonly outcome: AttemptOutcome;
  readonly durationSeconds: number;
  readonly statusCode?: number;
}

export interface MetadataClientOptions {
  /** `ECS_CONTAINER_METADATA_URI_V4` without trailing slash. */
  readonly baseUrl: string;
  /** Per-attempt time limit for the response headers and for the body. @default 2000 */
  readonly timeoutMs?: number;
  /** Attempts per call, first included. @default 3 */
  readonly attempts?: number;
  /** Delays between attempts (full jitter). @default METADATA_BACKOFF */
  readonly backoff?: BackoffPolicy;
  /** Uniform in [0, 1), for the jitter; injected so tests can pin it. @default Math.random */
  readonly random?: () => number;
  /** Sleeps between attempts; injected so tests do not wait. @default systemClock */
  readonly clock?: Pick<Clock, 'sleep'>;
  /** Injected clock for latency, in ms. */
  readonly now?: () => number;
  /** Called once per attempt (self-metrics). */
  readonly onAttempt?: (observation: AttemptObservation) => void;
}

/** An error with the context an operator needs: which path, what went wrong, how many attempts. */
export class MetadataError extends Error {
  constructor(message: string, readonly outcome: AttemptOutcome, readonly retryable = false) {
    super(message);
    this.name = 'MetadataError';
  }
}

/** 250 ms doubling (a call makes few attempts, so the cap is rarely reached); the endpoint sends no Retry-After. */
export const METADATA_BACKOFF: BackoffPolicy = { minMs: 250, maxMs: 2_000, maxRetryAfterMs: 0 };

const PATHS: Readonly<Record<MetadataEndpoint, string>> = { task: '/task', task_stats: '/task/stats' };

export class MetadataClient {
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly clock: Pick<Clock, 'sleep'>;
  private readonly now: () => number;
  private readonly onAttempt: (observation: AttemptObservation) => void;
  private readonly http: HttpGetClient;
  private readonly taskBodies = new RepeatedTaskBody();

  constructor(options: MetadataClientOptions) {
    this.http = new HttpGetClient(options.baseUrl);
    this.basePath = new URL(options.baseUrl).pathname.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.backoff = options.backoff ?? METADATA_BACKOFF;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? systemClock;
    this.now = options.now ?? monotonicMs;
    this.onAttempt = options.onAttempt ?? (() => undefined);
  }

  /**
   * `/task` as parsed JSON (an object): `reader.ts` types it. An answer that repeats the last one
   * apart from `ClockDrift` (repeated-task-body.ts) gives the same object as the last call, whose
   * `ClockDrift` is then the earlier one's: callers neither modify it nor read that field.
   */
  fetchTask(): Promise<unknown> {
    return this.getJson('task');
  }

  /** `/task/stats` as parsed JSON (an object): `reader.ts` types it. */
  fetchTaskStats(): Promise<unknown> {
    return this.getJson('task_stats');
  }

  async close(): Promise<void> {
    this.http.close();
  }

  private async getJson(endpoint: MetadataEndpoint): Promise<unknown> {
    let attemptsMade = 0;
    // Built only when an attempt fails: an Error captures a stack trace, which costs more than the
    // rest of a successful call's bookkeeping.
    let lastError: MetadataError | undefined;
    while (attemptsMade < this.attempts) {
      if (attemptsMade > 0) await this.clock.sleep(backoffDelayMs(attemptsMade - 1, this.backoff, this.random));
      attemptsMade++;
      const result = await this.attemptOnce(endpoint);
      if (!(result instanceof MetadataError)) return result;
      lastError = result;
      if (!result.retryable) break;
    }
    lastError ??= new MetadataError('not attempted', 'network_error');
    const plural = attemptsMade === 1 ? '' : 's';
    throw new MetadataError(`metadata ${PATHS[endpoint]}: ${lastError.message} after ${attemptsMade} attempt${plural}`, lastError.outcome);
  }

  private async attemptOnce(endpoint: MetadataEndpoint): Promise<unknown> {
    const started = this.now();
    const observe = (outcome: AttemptOutcome, statusCode?: number) =>
      this.onAttempt({ endpoint, outcome, statusCode, durationSeconds: Math.max(0, (this.now() - started) / 1000) });
    let statusCode: number;
    let body: Buffer;
    try {
      ({ statusCode, body } = await this.http.get(this.basePath + PATHS[endpoint], this.timeoutMs));
    } catch (error) {
      const timedOut = error instanceof RequestTimeout;
      observe(timedOut ? 'timeout' : 'network_error');
      const message = timedOut ? `timed out after ${this.timeoutMs} ms` : `request failed (${(error as Error).message})`;
      return new MetadataError(message, timedOut ? 'timeout' : 'network_error', true);
    }
    if (statusCode < 200 || statusCode > 299) {
      observe('http_error', statusCode);
      // 5xx and 429 are transient (the endpoint answers 500 right after task start); other 4xx are not.
      return new MetadataError(`HTTP ${statusCode}`, 'http_error', statusCode >= 500 || statusCode === 429);
    }
    const repeated = endpoint === 'task' ? this.taskBodies.parsedIfRepeated(body) : undefined;
    if (repeated !== undefined) {
      observe('success', statusCode);
      return repeated;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      observe('invalid_body', statusCode);
      return new MetadataError('response is not JSON', 'invalid_body', true);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      observe('invalid_body', statusCode);
      return new MetadataError('response is not a JSON object', 'invalid_body', true);
    }
    if (endpoint === 'task') this.taskBodies.remember(body, json);
    observe('success', statusCode);
    return json;
  }
}
