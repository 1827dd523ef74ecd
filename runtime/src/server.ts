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
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const checkAuth = options.auth ? basicAuthChecker(options.auth) : () => true;
  let scrapesInProgress = 0;
  let saturationLogged = false;

  const server: Server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two timeouts above on this period (default 30 s, which would let an idle
      // socket hold its slot for up to 35 s).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    (req, res) => {
      handle(req, res).catch((error) => {
        options.logger.error('request failed', { path: pathOf(req), err: error });
        if (!res.headersSent) send(res, 500, 'internal error\n');
        else res.destroy();
      });
    },
  );

  // Sockets in accept order (a Set iterates in insertion order), and those with a request in progress.
  const sockets = new Set<Socket>();
  const busy = new Set<Socket>();
  // Node's headersTimeout starts with the first byte: a connection that sends nothing at all would
  // keep its slot until requestTimeout or forever. It gets headersTimeoutMs for its first request.
  const firstRequestTimers = new Map<Socket, NodeJS.Timeout>();
  server.on('connection', (socket: Socket) => {
    if (sockets.size >= limits.maxConnections && !evictOldestIdle()) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    const timer = setTimeout(() => socket.destroy(), limits.headersTimeoutMs);
    timer.unref();
    firstRequestTimers.set(socket, timer);
    socket.once('close', () => {
      clearTimeout(firstRequestTimers.get(socket));
      firstRequestTimers.delete(socket);
      sockets.delete(socket);
      busy.delete(socket);
    });
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const timer = firstRequestTimers.get(socket);
    if (timer !== undefined) {
      clearTimeout(timer);
      firstRequestTimers.delete(socket);
    }
    busy.add(socket);
    res.once('close', () => busy.delete(socket));
  });
  function evictOldestIdle(): boolean {
    for (const socket of sockets) {
      if (busy.has(socket)) continue;
      sockets.delete(socket);
      socket.destroy();
      return true;
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    if (path !== HEALTH_PATH && path !== options.metricsPath) {
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
    if (!checkAuth(req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="ecs-exporter", charset="UTF-8"');
      send(res, 401, 'unauthorized\n');
      return;
    }
    if (scrapesInProgress >= limits.maxConcurrentScrapes) {
      if (!saturationLogged) options.logger.warn('metrics endpoint saturated; answering 503 beyond the limit', { maxConcurrentScrapes: limits.maxConcurrentScrapes });
      saturationLogged = true;
      res.setHeader('Retry-After', '1');
      send(res, 503, 'too many concurrent scrapes\n');
      return;
    }
    scrapesInProgress += 1;
    res.once('close', () => {
      scrapesInProgress -= 1;
    });
    const { contentType, parts } = await options.exposition();
    const gzip = prefersGzip(req.headers['accept-encoding']);
    const chunks: Buffer[] = [];
    let length = 0;
    for (const part of parts) {
      if (part.plain.length === 0) continue;
      const bytes = gzip ? part.gzip : part.plain;
      chunks.push(bytes);
      length += bytes.length;
    }
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '0.0.0.0';
  return {
    port,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
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
