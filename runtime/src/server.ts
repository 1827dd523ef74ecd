/**
 * The HTTP server: the metrics endpoint (optionally behind basic auth) and `/health` (never behind
 * auth, so the ECS container health check works). It only moves bytes: what to expose comes from
 * the `exposition` callback as ready-made parts, served plain or gzip per `Accept-Encoding`.
 *
 * HTTP/1.1 on node:net rather than node:http: a server that answers GET and HEAD on two paths needs
 * none of node:http's request and response streams, which cost ~0.2 ms of CPU per scrape and ~1.9 MiB
 * of RSS on Node 24 without the optimizing tiers (runtime/bench/FINDINGS.md). The request head is
 * parsed by `src/http/request-head.ts`; a request that announces a body is answered and its
 * connection closed, so body bytes are never read as a request.
 *
 * Limits, so that no client can take `/health` down (ECS would then replace the task):
 * - at most `maxConnections` sockets; beyond it a new connection evicts the oldest one with no
 *   request in progress (a flood of idle sockets cannot lock out the health check, and the process
 *   stays far below a 1,024 descriptor limit, which the remote-write and scrape clients share);
 * - a connection's first request within `headersTimeoutMs` of connecting, each later one within
 *   `headersTimeoutMs` of its first byte, and at most `keepAliveTimeoutMs` idle in between; an
 *   answer has `sendTimeoutMs` to leave the socket's buffer;
 *   request heads of at most 16 KiB (431 beyond, as node:http);
 * - at most `maxConcurrentScrapes` metrics responses in progress; beyond it 503. `/health` is never
 *   limited this way;
 * - a client that pipelines requests without reading the answers gets its next answer only once
 *   the previous one has left the socket's buffer.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { BasicAuthCredentials } from './config';
import { monotonicMs } from './core/clock';
import { HEALTH_PATH } from './environment-contract.generated';
import { isRefused, parseRequestHead, type RequestHead } from './http/request-head';
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
  /**
   * Time an answer has to leave the socket's buffer once written, before the connection is cut.
   * @default 60000: a megabyte of plain text (200 containers) over a slow link.
   */
  readonly sendTimeoutMs: number;
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
  sendTimeoutMs: 60_000,
  keepAliveTimeoutMs: 20_000,
};

export interface MetricsServerOptions {
  readonly port: number;
  /**
   * An address to listen on (tests use 127.0.0.1). @default every address: `::`, which takes IPv4
   * connections too, or 0.0.0.0 where the kernel has no IPv6 (Node's default)
   */
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

/** Request heads larger than this are refused (node:http's default `maxHeaderSize`). */
export const MAX_REQUEST_HEAD_BYTES = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);
/** A deadline this close is treated as reached: the timer fires on libuv's cached clock, a little early. */
const TIMER_SLACK_MS = 10;

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

/** What the server keeps per connection between its events. */
class Connection {
  /** Bytes received and not yet consumed as a request head. */
  pending: Buffer = EMPTY;
  /**
   * When the connection is closed unless it is answering a request by then (`monotonicMs()` ms);
   * an answer still being sent postpones it, within `sendTimeoutMs`.
   */
  deadlineMs = Infinity;
  /** A request is being answered: the connection is not evicted and has no deadline until it is. */
  busy = false;
  /** Bytes of a request not answered yet have arrived: a timeout answers 408 instead of closing quietly. */
  receiving = false;
  /** No further request is read: the connection is closed once the current answer is written. */
  closing = false;
  /** The peer has sent FIN: requests already received are answered, then the connection ends. */
  peerEnded = false;
  /** The last answer is still in the socket's buffer: the next request waits for it to drain. */
  waitingForDrain = false;
  /** The request being answered is a HEAD: every answer to it, whatever its status, has no body. */
  answeringHead = false;
  /** When the last answer was handed to the socket (`monotonicMs()` ms): it has `sendTimeoutMs` to leave. */
  answeredAtMs = 0;

  constructor(readonly socket: Socket) {}
}

interface Answer {
  readonly status: number;
  readonly headers?: readonly (readonly [string, string])[];
  /** Text is sent as `text/plain`; the exposition's bytes come with their own Content-Type header. */
  readonly body: string | readonly Buffer[];
}

/**
 * The server and what it keeps between events: its connections in accept order, the one timer that
 * fires at the earliest deadline among them, and the scrapes in progress.
 */
class MetricsServer {
  private readonly limits: ServerLimits;
  private readonly checkAuth: (header: string | undefined) => boolean;
  private readonly server: Server;
  // Connections in accept order (a Set iterates in insertion order).
  private readonly connections = new Set<Connection>();
  // One timer for all deadlines, armed at the earliest: a deadline that moves later (every request
  // does) costs nothing until the timer fires and re-arms, so a scraper on a kept-alive connection
  // wakes the process once per keep-alive timeout at most, not once per request.
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Infinity;
  private scrapesInProgress = 0;
  private saturationLogged = false;
  private closed = false;
  /** The end of every answer on a connection that stays open; the limits do not change. */
  private readonly keepAliveHeaders: string;

  constructor(private readonly options: MetricsServerOptions) {
    this.limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
    this.checkAuth = options.auth ? basicAuthChecker(options.auth) : () => true;
    this.keepAliveHeaders = `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(this.limits.keepAliveTimeoutMs / 1000)}\r\n\r\n`;
    // allowHalfOpen: a client that sends its request and then FIN (`printf ... | nc`) still gets the answer.
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.admit(socket));
  }

  async listen(): Promise<RunningServer> {
    const { host, port: wantedPort } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      const listening = () => {
        this.server.off('error', reject);
        resolve();
      };
      // Without a host Node binds the unspecified address directly. With one, even '0.0.0.0', it
      // first loads node:dns and looks the address up, which took 5-6 ms of a 110 ms start
      // (runtime/bench/FINDINGS.md).
      if (host === undefined) this.server.listen(wantedPort, listening);
      else this.server.listen(wantedPort, host, listening);
    });
    const port = (this.server.address() as AddressInfo).port;
    return {
      port,
      url: `http://${host ?? '127.0.0.1'}:${port}`,
      close: () => this.close(),
    };
  }

  /** Stops accepting; idle connections close now, the others once their answer is sent. */
  private close(): Promise<void> {
    this.closed = true;
    return new Promise<void>((resolve) => {
      this.server.close(() => {
        if (this.timer !== undefined) clearTimeout(this.timer);
        resolve();
      });
      for (const connection of this.connections) {
        if (connection.busy) connection.closing = true;
        else if (connection.socket.writableLength > 0) this.finish(connection);
        else connection.socket.destroy();
      }
    });
  }

  /** A new connection takes a slot, evicting the oldest idle one when all are taken, or is refused. */
  private admit(socket: Socket): void {
    if (this.closed || (this.connections.size >= this.limits.maxConnections && !this.evictOldestIdle())) {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket);
    this.connections.add(connection);
    this.setDeadline(connection, this.limits.headersTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.received(connection, chunk));
    socket.on('end', () => {
      connection.peerEnded = true;
      if (!connection.busy) this.answerPending(connection);
    });
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.connections.delete(connection));
  }

  /**
   * Evicts the oldest connection with neither a request in progress nor an answer still being sent,
   * preferring one that has not started a request either (a flood of silent sockets goes first).
   */
  private evictOldestIdle(): boolean {
    for (const startedRequestToo of [false, true]) {
      for (const connection of this.connections) {
        if (connection.busy || connection.socket.writableLength > 0 || (connection.receiving && !startedRequestToo)) continue;
        this.connections.delete(connection);
        connection.socket.destroy();
        return true;
      }
    }
    return false;
  }

  private setDeadline(connection: Connection, inMs: number): void {
    connection.deadlineMs = monotonicMs() + inMs;
    if (connection.deadlineMs < this.timerAtMs) this.armTimer(connection.deadlineMs);
  }

  private armTimer(atMs: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAtMs = atMs;
    this.timer = setTimeout(() => this.expireConnections(), Math.max(0, atMs - monotonicMs()));
    this.timer.unref();
  }

  private expireConnections(): void {
    this.timer = undefined;
    this.timerAtMs = Infinity;
    const now = monotonicMs();
    let next = Infinity;
    for (const connection of this.connections) {
      if (connection.busy) continue;
      const due = connection.deadlineMs <= now + TIMER_SLACK_MS;
      // An answer still leaving the buffer is looked at again later instead (stillSending).
      if (due && this.stillSending(connection, now)) this.setDeadline(connection, this.limits.headersTimeoutMs);
      else if (due) this.timedOut(connection);
      if (this.connections.has(connection)) next = Math.min(next, connection.deadlineMs);
    }
    if (next !== Infinity) this.armTimer(next);
  }

  /**
   * An answer is still in the socket's buffer, handed to it less than `sendTimeoutMs` ago: a large
   * exposition on a slow link is not cut by the idle deadlines, a client that stopped reading is cut
   * once the send timeout has passed. (Node reports no progress within one write: the socket's
   * counters count an answer as sent once it is handed to libuv.)
   */
  private stillSending(connection: Connection, now: number): boolean {
    return connection.socket.writableLength > 0 && now - connection.answeredAtMs < this.limits.sendTimeoutMs;
  }

  private timedOut(connection: Connection): void {
    const { socket } = connection;
    if (connection.receiving && !connection.closing && !connection.waitingForDrain && socket.writableLength === 0) {
      // As node:http does: a request that did not arrive in time is told so. The connection stays
      // counted until it closes: a client that does not read the 408 is cut at the next deadline.
      this.write(connection, { status: 408, body: 'request timeout\n' });
      this.finish(connection);
    } else {
      this.connections.delete(connection);
      socket.destroy();
    }
  }

  private received(connection: Connection, chunk: Buffer): void {
    if (connection.closing) return;
    if (!connection.receiving && !connection.busy) {
      connection.receiving = true;
      this.setDeadline(connection, this.limits.headersTimeoutMs);
    }
    connection.pending = connection.pending.length === 0 ? chunk : Buffer.concat([connection.pending, chunk]);
    if (connection.busy || connection.waitingForDrain) {
      // Pipelined requests wait for the answer in progress; the socket stops reading past one head's worth.
      if (connection.pending.length > MAX_REQUEST_HEAD_BYTES) connection.socket.pause();
      return;
    }
    this.answerPending(connection);
  }

  /** Answers the next complete request received, if any; ends the connection when it should end. */
  private answerPending(connection: Connection): void {
    if (connection.closing || connection.waitingForDrain) return;
    const { socket } = connection;
    if (socket.writableNeedDrain) {
      // A client that does not read its answers gets the next one once the last has left the buffer:
      // otherwise every request it sends would add an exposition to the exporter's memory.
      connection.waitingForDrain = true;
      socket.pause();
      socket.once('drain', () => {
        connection.waitingForDrain = false;
        socket.resume();
        this.answerPending(connection);
      });
      return;
    }
    // RFC 9112 2.2: empty lines before a request line (a client's CRLF after a body) are ignored.
    let skipped = 0;
    while (connection.pending[skipped] === 0x0d && connection.pending[skipped + 1] === 0x0a) skipped += 2;
    const pending = skipped === 0 ? connection.pending : connection.pending.subarray(skipped);
    connection.pending = pending;
    const end = pending.indexOf(HEAD_END);
    if (end === -1 || end > MAX_REQUEST_HEAD_BYTES) {
      if (end !== -1 || pending.length > MAX_REQUEST_HEAD_BYTES) {
        this.refuse(connection, 431, 'request headers too large');
      } else if (connection.peerEnded) {
        this.finish(connection);
      }
      return;
    }
    connection.pending = pending.subarray(end + HEAD_END.length);
    const head = parseRequestHead(pending.toString('latin1', 0, end));
    if (isRefused(head)) {
      this.refuse(connection, head.status, head.reason);
      return;
    }
    if (head.hasBody || !head.keepAlive || this.closed) connection.closing = true;
    connection.busy = true;
    connection.receiving = false;
    connection.answeringHead = head.method === 'HEAD';
    this.route(connection, head)
      .catch((error: unknown) => {
        this.options.logger.error('request failed', { path: pathOf(head.target), err: error });
        this.write(connection, { status: 500, body: 'internal error\n' });
      })
      .finally(() => this.answered(connection));
  }

  private refuse(connection: Connection, status: number, reason: string): void {
    connection.closing = true;
    this.write(connection, { status, body: `${reason}\n` });
    this.finish(connection);
  }

  /** Sends FIN after what is written; a peer that never closes its side gets the headers timeout to do so. */
  private finish(connection: Connection): void {
    connection.closing = true;
    connection.socket.end();
    this.setDeadline(connection, this.limits.headersTimeoutMs);
  }

  /** The answer is in the socket's buffer: end the connection, or go on with the requests received meanwhile. */
  private answered(connection: Connection): void {
    connection.busy = false;
    connection.answeringHead = false;
    if (connection.closing) {
      this.finish(connection);
      return;
    }
    const pipelined = connection.pending.length > 0;
    connection.receiving = pipelined;
    this.setDeadline(connection, pipelined ? this.limits.headersTimeoutMs : this.limits.keepAliveTimeoutMs);
    connection.socket.resume();
    if (pipelined || connection.peerEnded) this.answerPending(connection);
  }

  private async route(connection: Connection, head: RequestHead): Promise<void> {
    const path = pathOf(head.target);
    if (path !== HEALTH_PATH && path !== this.options.metricsPath) {
      this.write(connection, { status: 404, body: 'not found\n' });
      return;
    }
    if (head.method !== 'GET' && head.method !== 'HEAD') {
      this.write(connection, { status: 405, headers: [['Allow', 'GET, HEAD']], body: 'method not allowed\n' });
      return;
    }
    if (path === HEALTH_PATH) {
      this.write(connection, { status: 200, body: 'OK' });
      return;
    }
    if (!this.checkAuth(head.authorization)) {
      this.write(connection, { status: 401, headers: [['WWW-Authenticate', 'Basic realm="ecs-exporter", charset="UTF-8"']], body: 'unauthorized\n' });
      return;
    }
    if (!this.admitScrape(connection)) return;
    try {
      await this.serveMetrics(connection, head);
    } finally {
      this.scrapesInProgress -= 1;
    }
  }

  /** Counts the scrape in, or answers 503 beyond the limit. */
  private admitScrape(connection: Connection): boolean {
    const { maxConcurrentScrapes } = this.limits;
    if (this.scrapesInProgress >= maxConcurrentScrapes) {
      if (!this.saturationLogged) this.options.logger.warn('metrics endpoint saturated; answering 503 beyond the limit', { maxConcurrentScrapes });
      this.saturationLogged = true;
      this.write(connection, { status: 503, headers: [['Retry-After', '1']], body: 'too many concurrent scrapes\n' });
      return false;
    }
    this.scrapesInProgress += 1;
    return true;
  }

  private async serveMetrics(connection: Connection, head: RequestHead): Promise<void> {
    const { contentType, parts } = await this.options.exposition();
    const gzip = prefersGzip(head.acceptEncoding);
    const headers: [string, string][] = [
      ['Content-Type', contentType],
      // Caches (and proxies) between a scraper and the sidecar must key on the encoding asked for.
      ['Vary', 'Accept-Encoding'],
    ];
    if (gzip) headers.push(['Content-Encoding', 'gzip']);
    this.write(connection, { status: 200, headers, body: encodedChunks(parts, gzip) });
  }

  /**
   * Writes one whole answer: the status line and headers (with the Date, formatted here: node:http's
   * cached Date is cleared by a timer, one more wake-up per scrape) and the body in one corked write.
   */
  private write(connection: Connection, answer: Answer): void {
    const { socket } = connection;
    if (socket.destroyed || socket.writableEnded) return;
    const body = typeof answer.body === 'string' ? [Buffer.from(answer.body, 'utf8')] : answer.body;
    let length = 0;
    for (const chunk of body) length += chunk.length;
    let head = `HTTP/1.1 ${answer.status} ${REASONS[answer.status]}\r\nDate: ${new Date().toUTCString()}\r\n`;
    if (typeof answer.body === 'string') head += 'Content-Type: text/plain; charset=utf-8\r\n';
    for (const [name, value] of answer.headers ?? []) head += `${name}: ${value}\r\n`;
    head += `Content-Length: ${length}\r\n`;
    head += connection.closing ? 'Connection: close\r\n\r\n' : this.keepAliveHeaders;
    connection.answeredAtMs = monotonicMs();
    socket.cork();
    socket.write(head, 'latin1');
    // A HEAD gets the headers of the GET, its Content-Length included, and no body (RFC 9110 9.3.2).
    if (!connection.answeringHead) for (const chunk of body) socket.write(chunk);
    socket.uncork();
  }
}

/** The non-empty parts in the chosen encoding. */
function encodedChunks(parts: readonly ServedPart[], gzip: boolean): Buffer[] {
  const chunks: Buffer[] = [];
  for (const part of parts) if (part.plain.length > 0) chunks.push(gzip ? part.gzip : part.plain);
  return chunks;
}

/** The path of an origin-form target, or of an absolute-form one (`http://host/path`, RFC 9112 3.2.2). */
function pathOf(target: string): string {
  let start = 0;
  if (target.startsWith('http://') || target.startsWith('https://')) {
    start = target.indexOf('/', target.indexOf('//') + 2);
    if (start === -1) return '/';
  }
  const query = target.indexOf('?', start);
  return target.slice(start, query === -1 ? target.length : query);
}

/**
 * Whether to answer with gzip, per `Accept-Encoding` (RFC 9110 12.5.3): gzip (or x-gzip, or `*`)
 * with a q-value above 0, and not below an explicitly preferred `identity`. Anything else, including
 * no header and `gzip;q=0`, gets plain text (identity is acceptable unless refused, and a scraper
 * is better served plain than with a 406).
 */
export function prefersGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let gzip: number | undefined;
  let star: number | undefined;
  let identity: number | undefined;
  for (const element of header.split(',')) {
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
