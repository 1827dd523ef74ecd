/**
 * The HTTP server's limits: a flood of idle connections against the real process (with the 1,024
 * descriptor limit many container runtimes set) must not take `/health` down, and a saturated
 * metrics endpoint answers 503 while `/health` keeps answering.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { bundledEntry, freePort, get, until } from './helpers';
import { silentLogger } from '../src/logger';
import { startMetricsServer, type RunningServer } from '../src/server';
import { startSimulatedTask, type SimulatedTask } from '../src/simulator';

const MAIN = bundledEntry('main');
const FLOOD = 1_200;

/** Opens `count` sockets that never send a byte; resolves once each is connected or closed, or at the deadline. */
async function openIdleSockets(port: number, count: number, deadlineMs: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  const settled: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    sockets.push(socket);
    settled.push(new Promise((resolve) => {
      socket.once('connect', () => resolve());
      socket.once('close', () => resolve());
    }));
  }
  await Promise.race([Promise.all(settled), new Promise((resolve) => setTimeout(resolve, deadlineMs).unref())]);
  return sockets;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe('a flood of idle connections against the exporter process (1,024 descriptors)', () => {
  let task: SimulatedTask;
  let child: ChildProcess;
  let origin: string;
  let output = '';

  beforeAll(async () => {
    task = await startSimulatedTask({ shape: 'fargate-v1', containers: 2 });
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    child = spawn('sh', ['-c', `ulimit -n 1024 && exec "${process.execPath}" "${MAIN}"`], {
      env: { PATH: process.env.PATH, ECS_CONTAINER_METADATA_URI_V4: task.metadataUri, httpListenPort: String(port), collectInterval: '1h', logLevel: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await until(() => `exporter listening: ${output}`, async () => (await get(`${origin}/health`)).status === 200, 15_000);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await task?.stop();
  });

  test(`with ${FLOOD} idle sockets open, /health answers within a second and the process holds few descriptors`, async () => {
    const sockets = await openIdleSockets(Number(new URL(origin).port), FLOOD, 15_000);
    try {
      const health = await timed(() => get(`${origin}/health`));
      expect(health.value.status).toBe(200);
      expect(health.ms).toBeLessThan(1_000);
      const metrics = await get(`${origin}/container-stats/actuator/prometheus`);
      expect(metrics.status).toBe(200);
      // The server keeps at most 64 sockets; the rest are its listener, the metadata client, stdio.
      expect(readdirSync(`/proc/${child.pid}/fd`).length).toBeLessThan(64 + 32);
      expect(child.exitCode).toBeNull();
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  }, 30_000);

  test('a connection that never sends its request is closed after the headers timeout (5 s)', async () => {
    const [socket] = await openIdleSockets(Number(new URL(origin).port), 1, 5_000);
    const closed = await timed(() => new Promise<void>((resolve) => {
      if (socket.destroyed) resolve();
      socket.once('close', () => resolve());
      setTimeout(resolve, 10_000).unref();
    }));
    socket.destroy();
    expect(closed.ms).toBeGreaterThan(4_000);
    expect(closed.ms).toBeLessThan(7_500);
  }, 15_000);
});

describe('a saturated metrics endpoint', () => {
  let server: RunningServer;
  const pending: (() => void)[] = [];

  beforeAll(async () => {
    server = await startMetricsServer({
      port: 0,
      host: '127.0.0.1',
      metricsPath: '/metrics',
      logger: silentLogger,
      limits: { maxConcurrentScrapes: 2 },
      // Each scrape waits until the test releases it: it stays "in progress".
      exposition: () => new Promise((resolve) => pending.push(() => resolve({ contentType: 'text/plain; version=0.0.4; charset=utf-8', parts: [{ plain: Buffer.from('up 1\n'), gzip: Buffer.alloc(0) }] }))),
    });
  });
  afterAll(async () => {
    for (const release of pending.splice(0)) release();
    await server.close();
  });

  test('answers 503 beyond the concurrent scrape limit while /health still answers 200', async () => {
    const slow = [get(`${server.url}/metrics`), get(`${server.url}/metrics`)];
    await until('two scrapes in progress', () => pending.length === 2, 5_000, 10);
    const third = await get(`${server.url}/metrics`);
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('1');
    expect((await get(`${server.url}/health`)).status).toBe(200);
    for (const release of pending.splice(0)) release();
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);
    // Capacity is given back once they are done.
    const again = get(`${server.url}/metrics`);
    await until('the next scrape in progress', () => pending.length === 1, 5_000, 10);
    pending.splice(0)[0]();
    expect((await again).status).toBe(200);
  });
});
