/**
 * The metadata endpoint's GET client against real servers: Node's http server (Content-Length and
 * chunked answers, kept-alive connections closed by the server) and raw sockets for what a real
 * server rarely does (silence, a body cut short, bytes that are not HTTP).
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { HttpGetClient, RequestTimeout } from '../src/metadata/http-get';

type AnyServer = HttpServer | NetServer;

async function listening<T extends AnyServer>(server: T): Promise<{ server: T; origin: string }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A server that answers each connection's bytes with `answer` (raw), counting connections. */
async function rawServer(answer: (socket: Socket, request: string) => void) {
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.on('data', (data) => answer(socket, data.toString('latin1')));
  });
  return { ...(await listening(server)), connections: () => sockets.length, sockets };
}

describe('HTTP GET client for the metadata endpoint', () => {
  const servers: AnyServer[] = [];
  let client: HttpGetClient | undefined;
  afterEach(async () => {
    client?.close();
    client = undefined;
    for (const server of servers.splice(0)) {
      (server as HttpServer).closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const track = <T extends { server: AnyServer }>(started: T): T => {
    servers.push(started.server);
    return started;
  };

  test('reads Content-Length and chunked answers, sending the path, Host and Accept', async () => {
    const seen: { url?: string; host?: string; accept?: string }[] = [];
    const { origin } = track(await listening(createHttpServer((req, res) => {
      seen.push({ url: req.url, host: req.headers.host, accept: req.headers.accept });
      if (req.url === '/v4/abc/task') {res.end('{"a":1}');} else {
        res.write('{"b":');
        setTimeout(() => res.end('2}'), 20);
      }
    })));
    client = new HttpGetClient(origin);
    const task = await client.get('/v4/abc/task', 2000);
    const stats = await client.get('/v4/abc/task/stats', 2000);
    expect([task.statusCode, task.body.toString()]).toEqual([200, '{"a":1}']);
    expect([stats.statusCode, stats.body.toString()]).toEqual([200, '{"b":2}']);
    expect(seen).toEqual([
      { url: '/v4/abc/task', host: new URL(origin).host, accept: 'application/json' },
      { url: '/v4/abc/task/stats', host: new URL(origin).host, accept: 'application/json' },
    ]);
  });

  test('reuses kept-alive connections: two at a time over many requests', async () => {
    let connections = 0;
    const { server, origin } = track(await listening(createHttpServer((_req, res) => res.end('{}'))));
    server.on('connection', () => connections++);
    client = new HttpGetClient(origin);
    for (let round = 0; round < 10; round++) await Promise.all([client.get('/task', 2000), client.get('/task/stats', 2000)]);
    expect(connections).toBe(2);
  });

  test('a kept-alive connection the server closes meanwhile is replaced, not reported', async () => {
    const { server, origin } = track(await listening(createHttpServer((_req, res) => res.end('{}'))));
    let connections = 0;
    server.on('connection', () => connections++);
    client = new HttpGetClient(origin);
    await client.get('/task', 2000);
    server.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await client.get('/task', 2000)).statusCode).toBe(200);
    expect(connections).toBe(2);
  });

  test('a kept-alive connection that sends bytes nobody asked for is dropped, and the next request gets a fresh one', async () => {
    const raw = track(await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}');
      // Out of step: something after the answer, before the next request.
      setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{"x":1}'), 20);
    }));
    client = new HttpGetClient(raw.origin);
    await client.get('/task', 2000);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(raw.sockets[0].destroyed || raw.sockets[0].readableEnded).toBe(true);
    const next = await client.get('/task', 2000);
    expect(next.body.toString()).toBe('{}');
    expect(raw.connections()).toBe(2);
  });

  test('a connection closed as the request goes out is retried once on a fresh one', async () => {
    // The first connection is closed without an answer when the second request arrives on it.
    const raw = track(await rawServer((socket, request) => {
      if (raw.connections() === 1 && /stats/.test(request)) socket.destroy();
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}');
    }));
    client = new HttpGetClient(raw.origin);
    await client.get('/task', 2000);
    expect((await client.get('/task/stats', 2000)).body.toString()).toBe('{}');
    expect(raw.connections()).toBe(2);
  });

  test('a body that runs to the close of the connection is read, and the connection not kept', async () => {
    const raw = track(await rawServer((socket) => socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nnot ready')));
    client = new HttpGetClient(raw.origin);
    const answer = await client.get('/task', 2000);
    expect([answer.statusCode, answer.body.toString()]).toEqual([503, 'not ready']);
    await client.get('/task', 2000);
    expect(raw.connections()).toBe(2);
  });

  test('no headers in time, and then no complete body in time, are timeouts', async () => {
    const silent = track(await rawServer(() => undefined));
    client = new HttpGetClient(silent.origin);
    await expect(client.get('/task', 100)).rejects.toThrow(new RequestTimeout('no response headers within 100 ms'));
    const slowBody = track(await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{"a"')));
    const second = new HttpGetClient(slowBody.origin);
    try {
      await expect(second.get('/task', 100)).rejects.toThrow(new RequestTimeout('response body not complete within 100 ms'));
    } finally {
      second.close();
    }
  });

  test('a body cut short, bytes that are not HTTP and a refused connection are errors that say so', async () => {
    const cut = track(await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{"a"')));
    client = new HttpGetClient(cut.origin);
    await expect(client.get('/task', 2000)).rejects.toThrow(/closed before the response was complete/);
    const garbage = track(await rawServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n')));
    const second = new HttpGetClient(garbage.origin);
    await expect(second.get('/task', 2000)).rejects.toThrow(/not an HTTP\/1.x status line/);
    second.close();
    const refused = new HttpGetClient('http://127.0.0.1:1');
    await expect(refused.get('/task', 2000)).rejects.toThrow(/ECONNREFUSED/);
    refused.close();
  });

  test('only http:// is accepted', () => {
    expect(() => new HttpGetClient('https://169.254.170.2/v4/abc')).toThrow('only http:// is supported for the task metadata endpoint, got https://');
  });
});
