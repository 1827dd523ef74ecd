import { request } from 'node:http';
import * as zlib from 'node:zlib';
import { testConfig } from './helpers';
import { startExporter, type ExporterHandle } from '../src/exporter';
import { silentLogger } from '../src/logger';
import { prefersGzip } from '../src/server';
import { startSimulatedTask, type SimulatedTask } from '../src/simulator';

// Counts the compressions the exporter does (node:zlib's own export cannot be spied on).
jest.mock('node:zlib', () => {
  const actual = jest.requireActual<typeof import('node:zlib')>('node:zlib');
  return { ...actual, gzipSync: jest.fn(actual.gzipSync) };
});

const FAST_CLIENT = { sleep: async () => undefined, timeoutMs: 300 };

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** A request with exactly the given headers (fetch would add its own Accept-Encoding and decode gzip). */
function raw(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Offsets of the gzip members of a body (each starts with the magic 1f 8b and method 08). */
function gzipMembers(body: Buffer): number {
  let members = 0;
  let rest = body;
  while (rest.length > 0) {
    expect(rest.subarray(0, 3)).toEqual(Buffer.from([0x1f, 0x8b, 0x08]));
    // Inflate one member to learn where it ends: its 8-byte trailer follows the deflate stream.
    const result = zlib.inflateRawSync(rest.subarray(10), { info: true }) as unknown as { engine: { bytesWritten: number } };
    rest = rest.subarray(10 + result.engine.bytesWritten + 8);
    members += 1;
  }
  return members;
}

describe('Accept-Encoding negotiation', () => {
  test.each([
    ['gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['deflate, gzip;q=0.8', true],
    ['*', true],
    ['identity;q=0, gzip', true],
    ['gzip;q=0', false],
    ['gzip; q=0.000', false],
    ['*;q=0', false],
    ['identity', false],
    ['gzip;q=0.5, identity', false],
    ['br, deflate', false],
    ['', false],
  ] as const)('"%s" gets gzip: %s', (header, gzip) => {
    expect(prefersGzip(header)).toBe(gzip);
  });

  test('no Accept-Encoding at all gets plain text', () => {
    expect(prefersGzip(undefined)).toBe(false);
  });
});

describe('metrics endpoint served plain or gzip', () => {
  let task: SimulatedTask;
  let exporter: ExporterHandle;

  beforeAll(async () => {
    task = await startSimulatedTask({ shape: 'fargate-v1', containers: 5 });
    // No process metrics: they change from one scrape to the next; collections only when asked.
    exporter = await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: task.metadataUri }), { host: '127.0.0.1', logger: silentLogger, metadataClient: FAST_CLIENT, defaultMetrics: false });
    await exporter.collector.collectNow();
  });
  afterAll(async () => {
    await exporter.stop();
    await task.stop();
  });

  test('gzip and plain answers decode to the same exposition', async () => {
    const plain = await raw(exporter.metricsUrl);
    const gzip = await raw(exporter.metricsUrl, { 'Accept-Encoding': 'gzip' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gzip.headers['content-encoding']).toBe('gzip');
    const text = plain.body.toString('utf8');
    expect(text).toContain('container_cpu_usage_seconds_total{');
    expect(zlib.gunzipSync(gzip.body).toString('utf8')).toBe(text);
    expect(gzip.body.length).toBeLessThan(plain.body.length / 5);
  });

  test('the gzip body is the self-metrics member followed by the container member', async () => {
    const gzip = await raw(exporter.metricsUrl, { 'Accept-Encoding': 'gzip' });
    expect(gzipMembers(gzip.body)).toBe(2);
  });

  test('both answers say Vary: Accept-Encoding and give their exact Content-Length', async () => {
    for (const headers of [{}, { 'Accept-Encoding': 'gzip' }] as Record<string, string>[]) {
      const answer = await raw(exporter.metricsUrl, headers);
      expect(answer.headers.vary).toBe('Accept-Encoding');
      expect(Number(answer.headers['content-length'])).toBe(answer.body.length);
    }
  });

  test('gzip;q=0 and identity get plain text', async () => {
    for (const acceptEncoding of ['gzip;q=0', 'identity', 'br']) {
      const answer = await raw(exporter.metricsUrl, { 'Accept-Encoding': acceptEncoding });
      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(answer.body.toString('utf8')).toContain('container_cpu_usage_seconds_total{');
    }
  });

  test('HEAD answers the headers of GET (length included) without a body', async () => {
    for (const headers of [{}, { 'Accept-Encoding': 'gzip' }] as Record<string, string>[]) {
      const get = await raw(exporter.metricsUrl, headers);
      const head = await raw(exporter.metricsUrl, headers, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
      expect(head.headers['content-encoding']).toBe(get.headers['content-encoding']);
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
    }
  });

  test('the container part is compressed once per collection, not once per scrape', async () => {
    await exporter.collector.collectNow();
    const gzipSync = zlib.gzipSync as unknown as jest.Mock;
    gzipSync.mockClear();
    for (let i = 0; i < 5; i++) await raw(exporter.metricsUrl, { 'Accept-Encoding': 'gzip' });
    const sizes = gzipSync.mock.calls.map(([input]) => Buffer.byteLength(input as Buffer));
    // Five small self-metrics parts, one container part.
    expect(sizes.filter((size) => size > 10_000)).toHaveLength(1);
    expect(sizes).toHaveLength(6);
  });
});

describe('a scrape during a collection', () => {
  const CPU_CORES = 0.5;
  const START_MS = Date.parse('2026-01-01T00:00:00Z');
  let clockMs = START_MS;
  let task: SimulatedTask;
  let exporter: ExporterHandle;

  beforeAll(async () => {
    task = await startSimulatedTask({ shape: 'fargate-v1', containers: 4, cpuCores: CPU_CORES, now: () => clockMs });
    exporter = await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: task.metadataUri }), { host: '127.0.0.1', logger: silentLogger, metadataClient: FAST_CLIENT, defaultMetrics: false, now: () => clockMs });
    await exporter.collector.collectNow();
  });
  afterAll(async () => {
    await exporter.stop();
    await task.stop();
  });

  test('gets one collection\'s exposition: every container and the timestamp from the same instant', async () => {
    const texts: string[] = [];
    for (let round = 0; round < 20; round++) {
      clockMs += 1_000;
      const collection = exporter.collector.collectNow();
      const scrapes = [0, 1, 2, 3].map((i) => raw(exporter.metricsUrl, i % 2 === 0 ? {} : { 'Accept-Encoding': 'gzip' }));
      const answers = await Promise.all(scrapes);
      await collection;
      for (const answer of answers) texts.push((answer.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(answer.body) : answer.body).toString('utf8'));
    }
    for (const text of texts) {
      const cpu = [...text.matchAll(/^container_cpu_usage_seconds_total\{[^}]*\} (\S+)$/gm)].map((m) => Number(m[1]));
      const atSeconds = Number(/^ecs_exporter_last_successful_collection_timestamp_seconds (\S+)$/m.exec(text)![1]);
      expect(cpu).toHaveLength(4);
      // The simulated task burns CPU_CORES per container from START_MS on: one instant, one value.
      const expected = CPU_CORES * (atSeconds - START_MS / 1000);
      for (const value of cpu) expect(value).toBeCloseTo(expected, 6);
    }
  }, 30_000);
});
