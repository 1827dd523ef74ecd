/**
 * The HTTP server: the metrics endpoint (optionally behind basic auth) and `/health` (never behind
 * auth, so the ECS container health check works). It only moves bytes: what to expose comes from
 * the `exposition` callback as ready-made parts, served plain or gzip per `Accept-Encoding`.
 *
 * Limits, so that no client can take `/health` down (ECS would then replace the task):
 * - at most `maxConnections` sockets; beyond it a new connection evicts the oldest one with no
 *   request in progress (a flood of idle sockets cannot lock out the health check, and the process
 *   stays far below a 1,024 descriptor limit, which the remote-write and scrape clients share);
 * - request headers within `headersTimeoutMs` and the whole request within `requestTimeoutMs`;
 * - at most `maxConcurrentScrapes` metrics responses in progress; beyond it 503. `/health` is never
 *   limited this way.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { BasicAuthCredentials } from './config';
import { HEALTH_PATH } from './environment-contract.generated';
import type { Logger } from './logger';

/** A part of the exposition: its plain bytes, and its gzip member (computed by the part, at most once). */
export interface ServedPart {
  readonly plain: Buffer;
  readonly gzip: Buffer;
}

export interface ServerLimits {
  /** @default 64: Prometheus HA pairs, the health check and a person with curl fit many times over. */
  readonly maxConnections: number;
  /** @default 8 */
  readonly maxConcurrentScrapes: number;
  /** @default 5000: a scraper sends its few header lines at once. */
  readonly headersTimeoutMs: number;
  /** @default 10000 */
  readonly requestTimeoutMs: number;
  /**
   * Idle time before a kept-alive connection is closed. @default 20000: longer than the usual 15 s
   * scrape interval, so a Prometheus scraping every 15 s reuses its connection.
   */
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  maxConnections: 64,
  maxConcurrentScrapes: 8,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 20_000,
};

export interface MetricsServerOptions {
  readonly port: number;
  /** 0.0.0.0 in the container; tests use 127.0.0.1. */
  readonly host?: string;
  readonly metricsPath: string;
  readonly auth?: BasicAuthCredentials;
  readonly logger: Logger;
  /** The exposition's content type and its parts, served back to back. */
  readonly exposition: () => Promise<{ readonly contentType: string; readonly parts: readonly ServedPart[] }>;
  readonly limits?: Partial<ServerLimits>;
}

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningServer> {
  const server = new MetricsServer(options);
  return server.listen();
}

/**
 * The server and what it keeps between events: its sockets in accept order, those with a request in
 * progress, the timers of those that have not sent a request yet, and the scrapes in progress.
 */
class MetricsServer {
  private readonly limits: ServerLimits;
  private readonly checkAuth: (header: string | undefined) => boolean;
  private readonly server: Server;
  // Sockets in accept order (a Set iterates in insertion order), and those with a request in progress.
  private readonly sockets = new Set<Socket>();
  private readonly busy = new Set<Socket>();
  // Node's headersTimeout starts with the first byte: a connection that sends nothing at all would
  // keep its slot until requestTimeout or forever. It gets headersTimeoutMs for its first request.
  private readonly firstRequestTimers = new Map<Socket, NodeJS.Timeout>();
  private scrapesInProgress = 0;
  private saturationLogged = false;

  constructor(private readonly options: MetricsServerOptions) {
    this.limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
    this.checkAuth = options.auth ? basicAuthChecker(options.auth) : () => true;
    this.server = createServer(
      {
        headersTimeout: this.limits.headersTimeoutMs,
        requestTimeout: this.limits.requestTimeoutMs,
        keepAliveTimeout: this.limits.keepAliveTimeoutMs,
        // Node checks the two timeouts above on this period (default 30 s). Each check wakes the
        // process, which on the benchmark's VM costs ~0.25 ms of CPU (as much as a small scrape):
        // once per headers timeout, a request whose headers trickle in is cut within twice that.
        // A connection that sends nothing has its own timer, and the oldest idle one is evicted
        // when all slots are taken, so this period does not decide how fast slots come back.
        connectionsCheckingInterval: this.limits.headersTimeoutMs,
      },
      (req, res) => this.respond(req, res),
    );
    this.server.on('connection', (socket: Socket) => this.admit(socket));
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.markBusy(req.socket, res));
  }

  async listen(): Promise<RunningServer> {
    const host = this.options.host ?? '0.0.0.0';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const port = (this.server.address() as AddressInfo).port;
    return {
      port,
      url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
      close: () => this.close(),
    };
  }

  private close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  /** A new connection takes a slot, evicting the oldest idle one when all are taken, or is refused. */
  private admit(socket: Socket): void {
    if (this.sockets.size >= this.limits.maxConnections && !this.evictOldestIdle()) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    this.startSilenceTimer(socket);
    socket.once('close', () => this.forget(socket));
  }

  private evictOldestIdle(): boolean {
    for (const socket of this.sockets) {
      if (this.busy.has(socket)) continue;
      this.sockets.delete(socket);
      socket.destroy();
      return true;
    }
    return false;
  }

  private forget(socket: Socket): void {
    this.clearSilenceTimer(socket);
    this.sockets.delete(socket);
    this.busy.delete(socket);
  }

  private startSilenceTimer(socket: Socket): void {
    const timer = setTimeout(() => socket.destroy(), this.limits.headersTimeoutMs);
    timer.unref();
    this.firstRequestTimers.set(socket, timer);
  }

  private clearSilenceTimer(socket: Socket): void {
    clearTimeout(this.firstRequestTimers.get(socket));
    this.firstRequestTimers.delete(socket);
  }

  /** The socket has a request in progress (so it is not evicted) until its response closes. */
  private markBusy(socket: Socket, res: ServerResponse): void {
    this.clearSilenceTimer(socket);
    this.busy.add(socket);
    res.once('close', () => this.busy.delete(socket));
  }

  private respond(req: IncomingMessage, res: ServerResponse): void {
    // Node caches its Date header text and clears the cache with a timer up to a second later: a
    // wake-up per scrape that costs as much CPU as the scrape's own syscalls (runtime/bench/FINDINGS.md).
    // Formatting the date here costs a few microseconds and leaves no timer behind.
    res.setHeader('Date', new Date().toUTCString());
    this.route(req, res).catch((error) => {
      this.options.logger.error('request failed', { path: pathOf(req), err: error });
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    if (path !== HEALTH_PATH && path !== this.options.metricsPath) {
      send(res, 404, 'not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'method not allowed\n');
      return;
    }
    const headOnly = req.method === 'HEAD';
    if (path === HEALTH_PATH) {
      send(res, 200, 'OK', 'text/plain; charset=utf-8', headOnly);
      return;
    }
    if (!this.authorize(req, res) || !this.admitScrape(res)) return;
    await this.serveMetrics(req, res, headOnly);
  }

  /** Whether the request may see the metrics; if not, it has been answered 401. */
  private authorize(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.checkAuth(req.headers.authorization)) return true;
    res.setHeader('WWW-Authenticate', 'Basic realm="ecs-exporter", charset="UTF-8"');
    send(res, 401, 'unauthorized\n');
    return false;
  }

  /** Counts the scrape in until its response closes, or answers 503 beyond the limit. */
  private admitScrape(res: ServerResponse): boolean {
    const { maxConcurrentScrapes } = this.limits;
    if (this.scrapesInProgress >= maxConcurrentScrapes) {
      if (!this.saturationLogged) this.options.logger.warn('metrics endpoint saturated; answering 503 beyond the limit', { maxConcurrentScrapes });
      this.saturationLogged = true;
      res.setHeader('Retry-After', '1');
      send(res, 503, 'too many concurrent scrapes\n');
      return false;
    }
    this.scrapesInProgress += 1;
    res.once('close', () => {
      this.scrapesInProgress -= 1;
    });
    return true;
  }

  private async serveMetrics(req: IncomingMessage, res: ServerResponse, headOnly: boolean): Promise<void> {
    const { contentType, parts } = await this.options.exposition();
    const gzip = prefersGzip(req.headers['accept-encoding']);
    const { chunks, length } = encodedChunks(parts, gzip);
    res.statusCode = 200;
    res.setHeader('Content-Type', contentType);
    // Caches (and proxies) between a scraper and the sidecar must key on the encoding asked for.
    res.setHeader('Vary', 'Accept-Encoding');
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', length);
    if (headOnly) {
      res.end();
      return;
    }
    res.cork();
    for (const chunk of chunks) res.write(chunk);
    res.end();
    res.uncork();
  }
}

/** The non-empty parts in the chosen encoding, and their total length. */
function encodedChunks(parts: readonly ServedPart[], gzip: boolean): { readonly chunks: Buffer[]; readonly length: number } {
  const chunks: Buffer[] = [];
  let length = 0;
  for (const part of parts) {
    if (part.plain.length === 0) continue;
    const bytes = gzip ? part.gzip : part.plain;
    chunks.push(bytes);
    length += bytes.length;
  }
  return { chunks, length };
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8', headOnly = false): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(headOnly ? undefined : body);
}

/**
 * Whether to answer with gzip, per `Accept-Encoding` (RFC 9110 12.5.3): gzip (or x-gzip, or `*`)
 * with a q-value above 0, and not below an explicitly preferred `identity`. Anything else, including
 * no header and `gzip;q=0`, gets plain text (identity is acceptable unless refused, and a scraper
 * is better served plain than with a 406).
 */
export function prefersGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  let gzip: number | undefined;
  let star: number | undefined;
  let identity: number | undefined;
  for (const element of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [codingRaw, ...params] = element.split(';');
    const coding = codingRaw.trim().toLowerCase();
    if (coding === '') continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key.trim().toLowerCase() === 'q') {
        const parsed = Number(value?.trim());
        q = Number.isFinite(parsed) ? Math.min(1, Math.max(0, parsed)) : 0;
      }
    }
    if (coding === 'gzip' || coding === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (coding === '*') star = q;
    else if (coding === 'identity') identity = q;
  }
  const gzipQ = gzip ?? star ?? 0;
  return gzipQ > 0 && gzipQ >= (identity ?? 0);
}

/**
 * Constant-time check of the `Authorization` header. The scheme is case-insensitive (RFC 9110
 * 11.1: `basic` is `Basic`); the credentials are compared as SHA-256 digests of equal length, so
 * the time taken does not depend on how much of them matches.
 */
function basicAuthChecker(credentials: BasicAuthCredentials): (header: string | undefined) => boolean {
  // Loaded only when auth is on: node:crypto adds ~3 MiB of RSS (runtime/bench/FINDINGS.md).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash, timingSafeEqual } = require('node:crypto') as typeof import('node:crypto');
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const expected = digest(Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64'));
  return (header) => {
    if (header === undefined) return false;
    const match = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(header);
    // The token is digested even for another scheme, so the scheme does not change the timing.
    const token = digest(match?.[2] ?? '');
    const same = timingSafeEqual(token, expected);
    return match !== null && match[1].toLowerCase() === 'basic' && same;
  };
}
