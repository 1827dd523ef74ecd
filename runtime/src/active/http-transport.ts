/**
 * Moves one remote-write body to the receiver: undici with a dispatcher of its own, so the TLS choices
 * made for remote write (skip verification, custom CA) never leak into any other connection of the
 * process (metadata endpoint, scraping, AWS APIs).
 */
import { Agent, request } from 'undici';
import type { RequestSigner } from './sigv4';

export interface RemoteWriteResponse {
  readonly status: number;
  /** First bytes of the response body, for the one log line of a refused request. */
  readonly body: string;
  /** Parsed `Retry-After`, in milliseconds from now. */
  readonly retryAfterMs?: number;
}

/** What the delivery loop needs from the network; tests substitute their own. */
export interface RemoteWriteTransport {
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
  /** Per-request timeout; a request that takes longer is treated like a network error and retried. */
  readonly timeoutMs?: number;
  /** Injected clock, used to turn an HTTP-date Retry-After into a delay. */
  readonly now?: () => number;
}

const MAX_LOGGED_BODY = 512;

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
  private readonly dispatcher: Agent;
  private readonly url: URL;
  private readonly now: () => number;

  constructor(private readonly options: HttpTransportOptions) {
    this.url = new URL(options.url);
    this.now = options.now ?? Date.now;
    const timeout = options.timeoutMs ?? 30_000;
    this.dispatcher = new Agent({
      connect: {
        rejectUnauthorized: options.insecureSkipVerify !== true,
        ...(options.caPem ? { ca: options.caPem } : {}),
        timeout,
      },
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  }

  async post(body: Buffer, signal?: AbortSignal): Promise<RemoteWriteResponse> {
    let headers: Record<string, string> = {
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'x-prometheus-remote-write-version': '0.1.0',
      'user-agent': this.options.userAgent,
    };
    if (this.options.basicAuth) {
      const { username, password } = this.options.basicAuth;
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    } else if (this.options.bearerToken) {
      headers.authorization = `Bearer ${this.options.bearerToken}`;
    }
    if (this.options.signer) {
      headers = await this.options.signer(this.url, headers, body);
    }
    const response = await request(this.url, {
      method: 'POST',
      headers,
      body,
      dispatcher: this.dispatcher,
      signal,
    });
    const text = await response.body.text();
    const retryAfter = response.headers['retry-after'];
    return {
      status: response.statusCode,
      body: text.length > MAX_LOGGED_BODY ? `${text.slice(0, MAX_LOGGED_BODY)}...` : text,
      retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, this.now()),
    };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
