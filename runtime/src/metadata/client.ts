/**
 * HTTP client for the ECS Task Metadata Endpoint v4. It only moves bytes: GET with timeouts over a
 * keep-alive connection, retries with exponential backoff (the endpoint answers 500 for the first
 * requests after task start), JSON parsing, and one observation per attempt for the self-metrics.
 * What it returns is untyped JSON; `reader.ts` types it.
 *
 * It uses Node's built-in `http` rather than undici: for two plain GETs per collection on a
 * link-local endpoint, loading undici cost ~24 MiB of RSS and ~190 ms of start-up CPU (runtime/bench),
 * which every task running the sidecar would pay.
 */
import { Agent, get } from 'node:http';

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
  /** Backoff before the 2nd attempt; doubles each time. @default 250 */
  readonly backoffMs?: number;
  /** Injected so tests do not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
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

const PATHS: Readonly<Record<MetadataEndpoint, string>> = { task: '/task', task_stats: '/task/stats' };

export class MetadataClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly onAttempt: (observation: AttemptObservation) => void;
  private readonly agent: Agent;
  private readonly ownsAgent: boolean;

  constructor(options: MetadataClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.backoffMs = options.backoffMs ?? 250;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
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
      if (attemptsMade > 0) await this.sleep(this.backoffMs * 2 ** (attemptsMade - 1));
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
