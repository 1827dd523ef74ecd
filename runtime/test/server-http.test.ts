/**
 * The metrics server as HTTP/1.1 on the wire, with raw sockets: what clients other than fetch do
 * (pipelining, HTTP/1.0, half-close, requests in pieces, bodies, broken or oversized heads, slow
 * readers) and the timeouts. The server is node:net with its own head parser, so each of these is
 * its own code path.
 */
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { gunzipSync, gzipSync } from 'node:zlib';
import { until } from './helpers';
import { silentLogger } from '../src/logger';
import { MAX_REQUEST_HEAD_BYTES, startMetricsServer, type MetricsServerOptions, type RunningServer, type ServedPart } from '../src/server';

interface WireResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** Splits the bytes a client received into responses (Content-Length framing; HEAD answers have no body). */
function splitResponses(bytes: Buffer, headRequests = 0): WireResponse[] {
  const responses: WireResponse[] = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', at);
    if (end === -1) throw new Error(`incomplete head: ${JSON.stringify(bytes.toString('latin1', at, at + 80))}`);
    const [statusLine, ...lines] = bytes.toString('latin1', at, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = responses.length < headRequests ? 0 : Number(headers['content-length']);
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: bytes.subarray(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
  return responses;
}

/** A raw client connection that records what it receives and when the server closes. */
class RawClient {
  readonly socket: Socket;
  private readonly received: Buffer[] = [];
  readonly closed: Promise<void>;
  private closedAt: number | undefined;
  private readonly openedAt = performance.now();

  constructor(port: number, host = '127.0.0.1') {
    this.socket = connect({ port, host });
    this.socket.on('data', (chunk: Buffer) => this.received.push(chunk));
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', () => {
      this.closedAt = performance.now();
      resolve();
    }));
  }

  get bytes(): Buffer {
    return Buffer.concat(this.received);
  }

  get byteCount(): number {
    let count = 0;
    for (const chunk of this.received) count += chunk.length;
    return count;
  }

  get isClosed(): boolean {
    return this.closedAt !== undefined;
  }

  /** Milliseconds from connecting to the server's close. */
  get openMs(): number | undefined {
    return this.closedAt === undefined ? undefined : this.closedAt - this.openedAt;
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  async responses(count: number, headRequests = 0): Promise<WireResponse[]> {
    await until(`${count} response(s)`, () => {
      try {
        return splitResponses(this.bytes, headRequests).length >= count;
      } catch {
        return false;
      }
    }, 5_000, 5);
    return splitResponses(this.bytes, headRequests);
  }
}

/** The server on a free port, serving `/metrics` from `exposition`, on loopback unless `address` has no host. */
function startServer(
  exposition: MetricsServerOptions['exposition'],
  limits?: MetricsServerOptions['limits'],
  address: Pick<MetricsServerOptions, 'host'> = { host: '127.0.0.1' },
): Promise<RunningServer> {
  return startMetricsServer({ port: 0, ...address, metricsPath: '/metrics', logger: silentLogger, limits, exposition });
}

const GET = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: test\r\n${extra}\r\n`;
const EXPOSITION = 'up 1\n';

describe('the metrics server on the wire', () => {
  let server: RunningServer;
  let port: number;
  let expositions = 0;
  const clients: RawClient[] = [];
  const client = () => {
    const c = new RawClient(port);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startServer(async () => {
      expositions += 1;
      const plain = Buffer.from(EXPOSITION);
      return { contentType: 'text/plain; version=0.0.4; charset=utf-8', parts: [{ plain, gzip: gzipSync(plain) } satisfies ServedPart] };
    }, { headersTimeoutMs: 400, keepAliveTimeoutMs: 800 });
    port = server.port;
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.socket.destroy();
  });
  afterAll(async () => {
    await server.close();
  });

  test('pipelined requests are answered in order on the one connection', async () => {
    const c = client();
    c.send('HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\n' + GET('/metrics', 'Accept-Encoding: gzip\r\n') + GET('/nope') + GET('/health') + GET('/metrics'));
    const [head, gz, missing, health, plain] = await c.responses(5, 1);
    expect([head.status, gz.status, missing.status, health.status, plain.status]).toEqual([200, 200, 404, 200, 200]);
    // HEAD: the headers of the GET, its length included, and no body before the next answer.
    expect(head.headers['content-length']).toBe(String(EXPOSITION.length));
    expect(head.body.length).toBe(0);
    expect(gunzipSync(gz.body).toString()).toBe(EXPOSITION);
    expect(gz.headers).toMatchObject({ 'content-encoding': 'gzip', 'vary': 'Accept-Encoding', 'connection': 'keep-alive' });
    expect(health.body.toString()).toBe('OK');
    expect(plain.body.toString()).toBe(EXPOSITION);
    expect(new Date(plain.headers.date).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(c.isClosed).toBe(false);
  });

  test('a HEAD gets no body whatever its status, so the next answer on the connection stays framed', async () => {
    const c = client();
    c.send('HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\n' + GET('/health'));
    const [missing, health] = await c.responses(2, 1);
    expect([missing.status, missing.headers['content-length'], missing.body.length]).toEqual([404, '10', 0]);
    expect([health.status, health.body.toString()]).toEqual([200, 'OK']);
  });

  test('empty lines before a request and an absolute-form target are accepted (RFC 9112 2.2, 3.2.2)', async () => {
    const c = client();
    c.send('\r\n\r\n' + GET('http://test:8014/health') + GET('http://test:8014/metrics?x=1') + GET('http://test:8014'));
    expect((await c.responses(3)).map((r) => r.status)).toEqual([200, 200, 404]);
  });

  test('a request that arrives one byte at a time is answered', async () => {
    const c = client();
    for (const byte of Buffer.from(GET('/health'))) {
      c.send(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await c.responses(1))[0].status).toBe(200);
  });

  test('HTTP/1.0 and Connection: close are answered, then the server closes', async () => {
    const old = client();
    old.send('GET /metrics HTTP/1.0\r\n\r\n');
    const closing = client();
    closing.send(GET('/metrics', 'Connection: close\r\n') + GET('/health'));
    await Promise.all([old.closed, closing.closed]);
    expect(splitResponses(old.bytes).map((r) => [r.status, r.headers.connection])).toEqual([[200, 'close']]);
    // The request after `Connection: close` is not answered.
    expect(splitResponses(closing.bytes).map((r) => r.status)).toEqual([200]);
  });

  test('HTTP/1.0 with keep-alive keeps the connection', async () => {
    const c = client();
    c.send('GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    c.send('GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    expect((await c.responses(2)).map((r) => r.headers.connection)).toEqual(['keep-alive', 'keep-alive']);
    expect(c.isClosed).toBe(false);
  });

  test('a client that sends its request and then FIN still gets the answer', async () => {
    const c = client();
    c.socket.end(GET('/metrics'));
    await c.closed;
    expect(splitResponses(c.bytes).map((r) => r.body.toString())).toEqual([EXPOSITION]);
  });

  test('a request with a body is answered and the connection closed: the body is never read as a request', async () => {
    const before = expositions;
    const smuggled = GET('/metrics');
    const c = client();
    c.send(`POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`);
    await c.closed;
    const answers = splitResponses(c.bytes);
    expect(answers.map((r) => [r.status, r.headers.allow, r.headers.connection])).toEqual([[405, 'GET, HEAD', 'close']]);
    expect(expositions).toBe(before);
  });

  test.each([
    ['a malformed request line', 400, 'GET /metrics\r\n\r\n'],
    ['no Host', 400, 'GET /metrics HTTP/1.1\r\n\r\n'],
    ['chunked and a length at once', 400, 'POST /metrics HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc'],
    ['HTTP/2.0 over HTTP/1 framing', 505, 'GET /metrics HTTP/2.0\r\nHost: t\r\n\r\n'],
    ['a head over the limit', 431, `GET /metrics HTTP/1.1\r\nHost: t\r\nX: ${'a'.repeat(MAX_REQUEST_HEAD_BYTES)}\r\n\r\n`],
    ['a head over the limit with no end in sight', 431, `GET /metrics HTTP/1.1\r\nHost: t\r\nX: ${'a'.repeat(MAX_REQUEST_HEAD_BYTES + 10)}`],
  ])('%s: answered %d, then closed', async (_what, status, request) => {
    const c = client();
    c.send(request);
    await c.closed;
    expect(splitResponses(c.bytes).map((r) => [r.status, r.headers.connection])).toEqual([[status, 'close']]);
  });

  test('a connection that sends nothing is closed after the headers timeout, silently', async () => {
    const c = client();
    await c.closed;
    expect(c.openMs).toBeGreaterThan(350);
    expect(c.openMs).toBeLessThan(2_000);
    expect(c.bytes.length).toBe(0);
  });

  test('a request that never completes is answered 408 after the headers timeout', async () => {
    const c = client();
    c.send('GET /metrics HTTP/1.1\r\nHost: t\r\n');
    await c.closed;
    expect(c.openMs).toBeGreaterThan(350);
    expect(splitResponses(c.bytes).map((r) => r.status)).toEqual([408]);
  });

  test('an idle kept-alive connection is closed after the keep-alive timeout, not before', async () => {
    const c = client();
    c.send(GET('/health'));
    await c.responses(1);
    const answeredAt = performance.now();
    await c.closed;
    expect(performance.now() - answeredAt).toBeGreaterThan(700);
    expect(splitResponses(c.bytes)).toHaveLength(1);
  });

  test('requests keep a connection alive past the keep-alive timeout', async () => {
    const c = client();
    for (let i = 0; i < 6; i++) {
      c.send(GET('/health'));
      await c.responses(i + 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(c.isClosed).toBe(false);
  });
});

describe('a client that does not read its answers', () => {
  const BIG = Buffer.alloc(4 * 1024 * 1024, 'x');
  let server: RunningServer;
  let expositions = 0;

  beforeAll(async () => {
    server = await startServer(async () => {
      expositions += 1;
      return { contentType: 'text/plain', parts: [{ plain: BIG, gzip: BIG }] };
    });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    expositions = 0;
  });

  test('pipelining: gets the next answer only once the last one has left the buffer; all arrive once it reads', async () => {
    const c = new RawClient(server.port);
    c.socket.pause();
    const requests = 40;
    c.send(GET('/metrics').repeat(requests));
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Without backpressure all 40 answers (160 MiB) would be queued in the exporter's memory.
    expect(expositions).toBeGreaterThan(0);
    expect(expositions).toBeLessThan(10);
    c.socket.resume();
    await until('every answer', () => c.byteCount >= requests * BIG.length, 20_000, 20);
    const answers = await c.responses(requests);
    expect(answers.every((r) => r.status === 200 && r.body.length === BIG.length)).toBe(true);
    expect(expositions).toBe(requests);
    c.socket.destroy();
  }, 30_000);

  test('sending one request at a time: is not answered past what the socket holds', async () => {
    const c = new RawClient(server.port);
    c.socket.pause();
    const requests = 30;
    for (let i = 0; i < requests; i++) {
      c.send(GET('/metrics'));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(expositions).toBeLessThan(10);
    c.socket.resume();
    await until('every answer', () => c.byteCount >= requests * BIG.length, 20_000, 20);
    expect(expositions).toBe(requests);
    c.socket.destroy();
  }, 30_000);
});

describe('an answer larger than the socket buffer, read slowly', () => {
  const BIG = Buffer.alloc(32 * 1024 * 1024, 'x');
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(async () => ({ contentType: 'text/plain', parts: [{ plain: BIG, gzip: BIG }] }), { headersTimeoutMs: 300, keepAliveTimeoutMs: 800, sendTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    await server.close();
  });

  test.each([['kept alive', ''], ['Connection: close', 'Connection: close\r\n']])('%s: arrives whole when the client reads it in bursts for longer than both timeouts', async (_what, header) => {
    const c = new RawClient(server.port);
    c.socket.pause();
    const started = performance.now();
    c.send(GET('/metrics', header));
    // A slow link: at most 4 MiB every 200 ms (each pause well within the 300 ms headers timeout),
    // so the 32 MiB take more than a second whatever the machine's speed.
    let burst = 0;
    c.socket.on('data', (chunk: Buffer) => {
      burst += chunk.length;
      if (burst >= 4 * 1024 * 1024) c.socket.pause();
    });
    const reader = setInterval(() => {
      burst = 0;
      c.socket.resume();
    }, 200);
    try {
      await until('the whole answer, or the close', () => c.byteCount >= BIG.length || c.isClosed, 20_000, 20);
    } finally {
      clearInterval(reader);
    }
    expect(performance.now() - started).toBeGreaterThan(1_000);
    c.socket.resume();
    await until('the whole answer', () => c.byteCount >= BIG.length + 100 || c.isClosed, 5_000, 20);
    const [answer] = splitResponses(c.bytes);
    expect(answer.body.length).toBe(BIG.length);
    c.socket.destroy();
  }, 30_000);

  test('a client that stops reading is cut off after the send timeout, and the server can still close', async () => {
    const clients = [0, 1, 2].map(() => new RawClient(server.port));
    for (const c of clients) {
      c.socket.pause();
      // The second request waits behind the first answer, which the client never reads.
      c.send(GET('/metrics') + GET('/metrics'));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const started = performance.now();
    await server.close();
    // Each stalled connection is destroyed once its answer has had the send timeout, not kept until its client goes away.
    expect(performance.now() - started).toBeLessThan(6_000);
    for (const c of clients) c.socket.destroy();
  }, 20_000);
});

describe('closing the server', () => {
  test('a scrape in progress is answered, then its connection closed; idle connections close at once', async () => {
    let release!: () => void;
    const server = await startServer(() => new Promise((resolve) => (release = () => resolve({ contentType: 'text/plain', parts: [{ plain: Buffer.from(EXPOSITION), gzip: Buffer.alloc(0) }] }))));
    const idle = new RawClient(server.port);
    idle.send(GET('/health'));
    await idle.responses(1);
    const busy = new RawClient(server.port);
    busy.send(GET('/metrics'));
    await until('the scrape in progress', () => release !== undefined, 5_000, 5);
    const closed = server.close();
    await idle.closed;
    expect(busy.isClosed).toBe(false);
    release();
    await busy.closed;
    await closed;
    expect(splitResponses(busy.bytes).map((r) => [r.status, r.headers.connection, r.body.toString()])).toEqual([[200, 'close', EXPOSITION]]);
  });
});

describe('the address the server listens on', () => {
  const hasIpv6Loopback = Object.values(networkInterfaces()).some((addresses) => addresses?.some((a) => a.family === 'IPv6' && a.internal));

  test('without a host: every address, so IPv4 and (where the kernel has it) IPv6 clients are answered', async () => {
    const server = await startServer(async () => ({ contentType: 'text/plain', parts: [{ plain: Buffer.from(EXPOSITION), gzip: Buffer.alloc(0) }] }), undefined, {});
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      const hosts = hasIpv6Loopback ? ['127.0.0.1', '::1'] : ['127.0.0.1'];
      for (const host of hosts) {
        const c = new RawClient(server.port, host);
        c.send(GET('/metrics', 'Connection: close\r\n'));
        await c.closed;
        expect(splitResponses(c.bytes).map((r) => [r.status, r.body.toString()])).toEqual([[200, EXPOSITION]]);
      }
    } finally {
      await server.close();
    }
  });
});
