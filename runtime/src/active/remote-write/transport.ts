/**
 * Moves one remote-write body to the receiver and reads its answer; nothing else (no retries, no
 * logging). Node's own `node:http`/`node:https` with a keep-alive agent of its own, so the TLS choices
 * made for remote write (skip verification, custom CA) never reach any other connection of the process
 * (metadata endpoint, scraping, AWS APIs). undici cost about 28 MiB of resident memory on Node 24.
 */
import * as http from 'node:http';
import type * as Https from 'node:https';
import type { RequestSigner } from './sigv4';

/** node:https (about 5.5 MiB of RSS on Node 24) is loaded only for an https:// receiver. */
function loadHttps(): typeof Https {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node:https') as typeof Https;
}

export interface RemoteWriteResponse {
  readonly status: number;
  /** The first MAX_BODY_BYTES of the response body, as the receiver wrote it (redact before logging). */
  readonly body: string;
  /** Parsed `Retry-After`, in milliseconds from now. */
  readonly retryAfterMs?: number;
}

/** What the delivery loop needs from the network; tests substitute their own. */
export interface RemoteWriteTransport {
  /** Credentials this transport sends, so whoever logs a receiver's answer can remove them from it. */
  readonly secrets?: readonly string[];
  post(body: Buffer, signal?: AbortSignal): Promise<RemoteWriteResponse>;
  close(): Promise<void>;
}

export interface HttpTransportOptions {
  readonly url: string;
  readonly userAgent: string;
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly bearerToken?: string;
  readonly signer?: RequestSigner;
  /** true disables certificate verification for this client only. */
  readonly insecureSkipVerify?: boolean;
  /** PEM text of extra trusted CAs (the content of remoteWrite_tlsCAFile). */
  readonly caPem?: string;
  /** Whole-request timeout (connect, send, answer); a request that takes longer fails like a network error. */
  readonly timeoutMs?: number;
  /** Injected clock, used to turn an HTTP-date Retry-After into a delay. */
  readonly now?: () => number;
}

/** Bytes of an answer kept: enough for any receiver's error message, never a whole page. */
export const MAX_BODY_BYTES = 4096;
/** Bytes read (and thrown away) past that before the connection is dropped instead of drained. */
const MAX_DRAINED_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const IDLE_SOCKET_MS = 5_000;

/** `Retry-After` is either delay-seconds or an HTTP-date (RFC 9110 10.2.3). */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

export class HttpTransport implements RemoteWriteTransport {
  readonly secrets: readonly string[];
  private readonly url: URL;
  private readonly client: typeof http | typeof Https;
  private readonly agent: http.Agent;
  private readonly authorization?: string;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: HttpTransportOptions) {
    this.url = new URL(options.url);
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // One connection at a time is all the writer uses; keep-alive saves a TLS handshake per flush.
    // An idle connection is closed after 5 s (as Node's global agent does), before a receiver or a
    // load balancer drops it first and the next request fails on a dead socket.
    const agentOptions: http.AgentOptions = { keepAlive: true, maxSockets: 2, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' };
    if (this.url.protocol === 'https:') {
      const https = loadHttps();
      this.client = https;
      // Verification stays on unless skip-verify is set; `ca` replaces Node's bundled roots, as
      // vmagent's -remoteWrite.tlsCAFile (Go's RootCAs) does.
      const tls = { rejectUnauthorized: options.insecureSkipVerify !== true, ...(options.caPem ? { ca: options.caPem } : {}) };
      this.agent = new https.Agent({ ...agentOptions, ...tls });
    } else {
      this.client = http;
      this.agent = new http.Agent(agentOptions);
    }
    const { basicAuth, bearerToken } = options;
    if (basicAuth) {
      this.authorization = `Basic ${basicCredentials(basicAuth.username, basicAuth.password)}`;
    } else if (bearerToken) {
      this.authorization = `Bearer ${bearerToken}`;
    }
    this.secrets = secretsOf(options, this.url);
  }

  async post(body: Buffer, signal?: AbortSignal): Promise<RemoteWriteResponse> {
    let headers: Record<string, string> = {
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'content-length': String(body.length),
      'x-prometheus-remote-write-version': '0.1.0',
      'user-agent': this.options.userAgent,
      ...(this.authorization ? { authorization: this.authorization } : {}),
    };
    if (this.options.signer) headers = await this.options.signer(this.url, headers, body);
    const response = await this.send(headers, body, signal);
    const retryAfter = response.headers['retry-after'];
    return { status: response.status, body: response.text, retryAfterMs: parseRetryAfter(retryAfter, this.now()) };
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private send(headers: Record<string, string>, body: Buffer, signal?: AbortSignal): Promise<RawAnswer> {
    return new Promise<RawAnswer>((resolve, reject) => {
      const req = this.client.request(this.url, { method: 'POST', headers, agent: this.agent, signal }, (res) => {
        readBounded(res).then((text) => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }), reject);
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref();
      req.once('close', () => clearTimeout(timer));
      req.once('error', reject);
      req.end(body);
    });
  }
}

function basicCredentials(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}

/** Every credential a request may carry, as configured and as sent (Node sends a URL's user:pass as basic auth). */
function secretsOf(options: HttpTransportOptions, url: URL): string[] {
  const secrets: string[] = [];
  if (options.basicAuth) secrets.push(options.basicAuth.password, basicCredentials(options.basicAuth.username, options.basicAuth.password));
  if (options.bearerToken) secrets.push(options.bearerToken);
  if (url.password) {
    const [username, password] = [decodeURIComponent(url.username), decodeURIComponent(url.password)];
    secrets.push(url.password, password, basicCredentials(username, password));
  }
  return [...new Set(secrets)].filter((s) => s !== '');
}

interface RawAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

/**
 * Reads at most MAX_BODY_BYTES of an answer. The rest is drained (so the connection can be reused)
 * up to MAX_DRAINED_BYTES; a longer body closes the connection instead of being read to its end.
 */
function readBounded(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let seen = 0;
    res.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (keptBytes < MAX_BODY_BYTES) {
        const part = chunk.subarray(0, MAX_BODY_BYTES - keptBytes);
        kept.push(part);
        keptBytes += part.length;
      }
      if (seen > MAX_DRAINED_BYTES) {
        res.destroy();
        resolve(Buffer.concat(kept).toString('utf8'));
      }
    });
    res.once('end', () => resolve(Buffer.concat(kept).toString('utf8')));
    res.once('error', reject);
    // Cut before its end (aborted, timed out, connection lost): the answer is not trustworthy.
    res.once('close', () => { if (!res.complete) reject(new Error('connection closed before the answer was complete')); });
  });
}
