/**
 * The remote-write HTTP client on node:http: one kept-alive connection across requests, an answer's
 * body read only up to a bound, a whole-request timeout, an abort that ends a request at once, and the
 * protocol headers on every request. TLS and authorization schemes are in tls-and-auth.test.ts.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { seriesLabels } from '../../src/active/remote-write/series';
import { encodeWriteRequest } from '../../src/active/remote-write/snappy-request';
import { HttpTransport, MAX_BODY_BYTES } from '../../src/active/remote-write/transport';

const BODY = encodeWriteRequest([{ labels: seriesLabels('probe', {}), samples: [{ value: 1, timestampMs: Date.UTC(2026, 0, 1) }] }]);

async function serve(handler: http.RequestListener) {
  let connections = 0;
  const server = http.createServer(handler);
  server.on('connection', () => { connections++; });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('requests reuse one kept-alive connection and carry the remote-write headers', async () => {
  const seen: http.IncomingHttpHeaders[] = [];
  const bodies: Buffer[] = [];
  const server = await serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => { seen.push(req.headers); bodies.push(Buffer.concat(chunks)); res.writeHead(204).end(); });
  });
  const transport = new HttpTransport({ url: server.url, userAgent: 'asserts-ecs-exporter/test' });
  try {
    for (let i = 0; i < 5; i++) expect((await transport.post(BODY)).status).toBe(204);
    expect(server.connections()).toBe(1);
    expect(seen[0]).toMatchObject({
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'x-prometheus-remote-write-version': '0.1.0',
      'user-agent': 'asserts-ecs-exporter/test',
      'content-length': String(BODY.length),
    });
    expect(bodies[4].equals(BODY)).toBe(true);
  } finally {
    await transport.close();
    await server.close();
  }
});

test('an answer of several MiB is read only up to the bound', async () => {
  const server = await serve((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(400); res.end('e'.repeat(5 * 1024 * 1024)); });
  });
  const transport = new HttpTransport({ url: server.url, userAgent: 'test' });
  try {
    const response = await transport.post(BODY);
    expect(response.status).toBe(400);
    expect(response.body.length).toBe(MAX_BODY_BYTES);
    // The connection was dropped rather than drained; the next request still works.
    expect((await transport.post(BODY)).status).toBe(400);
  } finally {
    await transport.close();
    await server.close();
  }
});

test('a receiver that never answers fails the request at the timeout', async () => {
  const server = await serve((req) => { req.resume(); });
  const transport = new HttpTransport({ url: server.url, userAgent: 'test', timeoutMs: 300 });
  try {
    const started = Date.now();
    await expect(transport.post(BODY)).rejects.toThrow(/no answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
  } finally {
    await transport.close();
    await server.close();
  }
});

test('an abort ends a request in flight at once', async () => {
  const server = await serve((req) => { req.resume(); });
  const transport = new HttpTransport({ url: server.url, userAgent: 'test' });
  try {
    const abort = new AbortController();
    const pending = transport.post(BODY, abort.signal);
    setTimeout(() => abort.abort(), 50);
    await expect(pending).rejects.toThrow(/abort/i);
  } finally {
    await transport.close();
    await server.close();
  }
});

test('Retry-After of a 429 is passed on in milliseconds', async () => {
  const server = await serve((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(429, { 'retry-after': '3' }).end('slow down'); });
  });
  const transport = new HttpTransport({ url: server.url, userAgent: 'test' });
  try {
    expect(await transport.post(BODY)).toEqual({ status: 429, body: 'slow down', retryAfterMs: 3000 });
  } finally {
    await transport.close();
    await server.close();
  }
});
