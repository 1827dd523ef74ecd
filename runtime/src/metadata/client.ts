/**
 * HTTP client for the ECS Task Metadata Endpoint v4. It only moves bytes: GET with timeouts over a
 * keep-alive connection, retries with the runtime's one backoff policy (the endpoint answers 500 for
 * the first requests after task start), JSON parsing, and one observation per attempt for the self-metrics.
 * What it returns is untyped JSON; `reader.ts` types it.
 *
 * It uses Node's built-in `http` rather than undici: for two plain GETs per collection on a
 * link-local endpoint, loading undici cost ~24 MiB of RSS and ~190 ms of start-up CPU (runtime/bench),
 * which every task running the sidecar would pay.
 */
import { Agent, get } from 'node:http';
import { backoffDelayMs, type BackoffPolicy } from '../core/backoff';
import { systemClock, type Clock } from '../core/clock';

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
  /** Defaults to a private keep-alive agent that `close()` shuts. */
  readonly agent?: Agent;
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
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly clock: Pick<Clock, 'sleep'>;
  private readonly now: () => number;
  private readonly onAttempt: (observation: AttemptObservation) => void;
  private readonly agent: Agent;
  private readonly ownsAgent: boolean;

  constructor(options: MetadataClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.backoff = options.backoff ?? METADATA_BACKOFF;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? systemClock;
    this.now = options.now ?? (() => performance.now());
    this.onAttempt = options.onAttempt ?? (() => undefined);
    this.ownsAgent = options.agent === undefined;
    this.agent = options.agent ?? new Agent({ keepAlive: true, maxSockets: 2 });
  }

  /** `/task` as parsed JSON (an object): `reader.ts` types it. */
  fetchTask(): Promise<unknown> {
    return this.getJson('task');
  }

  /** `/task/stats` as parsed JSON (an object): `reader.ts` types it. */
  fetchTaskStats(): Promise<unknown> {
    return this.getJson('task_stats');
  }

  async close(): Promise<void> {
    if (this.ownsAgent) this.agent.destroy();
  }

  private async getJson(endpoint: MetadataEndpoint): Promise<unknown> {
    let attemptsMade = 0;
    let lastError = new MetadataError('not attempted', 'network_error');
    while (attemptsMade < this.attempts) {
      if (attemptsMade > 0) await this.clock.sleep(backoffDelayMs(attemptsMade - 1, this.backoff, this.random));
      attemptsMade++;
      const result = await this.attemptOnce(endpoint);
      if (!(result instanceof MetadataError)) return result;
      lastError = result;
      if (!result.retryable) break;
    }
    const plural = attemptsMade === 1 ? '' : 's';
    throw new MetadataError(`metadata ${PATHS[endpoint]}: ${lastError.message} after ${attemptsMade} attempt${plural}`, lastError.outcome);
  }

  private async attemptOnce(endpoint: MetadataEndpoint): Promise<unknown> {
    const started = this.now();
    const observe = (outcome: AttemptOutcome, statusCode?: number) =>
      this.onAttempt({ endpoint, outcome, statusCode, durationSeconds: Math.max(0, (this.now() - started) / 1000) });
    let statusCode: number;
    let text: string;
    try {
      ({ statusCode, text } = await httpGet(this.baseUrl + PATHS[endpoint], this.agent, this.timeoutMs));
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
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      observe('invalid_body', statusCode);
      return new MetadataError('response is not JSON', 'invalid_body', true);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      observe('invalid_body', statusCode);
      return new MetadataError('response is not a JSON object', 'invalid_body', true);
    }
    observe('success', statusCode);
    return body;

  }
}

class RequestTimeout extends Error {}

/**
 * One GET. The headers and then the body each get `timeoutMs` (as undici's headersTimeout and
 * bodyTimeout did); a timeout rejects with RequestTimeout, anything else with the socket's error.
 */
function httpGet(url: string, agent: Agent, timeoutMs: number): Promise<{ statusCode: number; text: string }> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    const request = get(url, { agent, headers: { accept: 'application/json' } }, (response) => {
      clearTimeout(timer);
      timer = setTimeout(() => response.destroy(new RequestTimeout('body timeout')), timeoutMs);
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ statusCode: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', fail);
    });
    timer = setTimeout(() => request.destroy(new RequestTimeout('headers timeout')), timeoutMs);
    request.on('error', fail);
  });
}
