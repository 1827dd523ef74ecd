/**
 * What the sender does with a batch the receiver refuses for good: every refused sample is counted
 * under the reason the receiver gave, nothing is resent, except that a batch refused for samples
 * outside the receiver's time window is split by time (a bounded number of extra requests) so its good
 * samples still land. Checked against a scripted receiver (decoding with protobufjs, independently of
 * the sender's encoder) and against a real Prometheus 2.42.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as fc from 'fast-check';
import { CapturingLogger, FakeClock } from './helpers';
import { PrometheusServer } from './prometheus-server';
import { WriteRequest } from './write-request-schema';
import { snappyUncompress } from '../../src/active/remote-write/codec';
import { SampleQueue } from '../../src/active/remote-write/queue';
import { rejectionReason } from '../../src/active/remote-write/rejection';
import { LabelPair, seriesLabels, WireSeries } from '../../src/active/remote-write/series';
import { sampleCount, splitByTime } from '../../src/active/remote-write/split';
import { RemoteWriteStats } from '../../src/active/remote-write/stats';
import { HttpTransport, RemoteWriteResponse, RemoteWriteTransport } from '../../src/active/remote-write/transport';
import { RemoteWriter } from '../../src/active/remote-write/writer';
import { createLogger } from '../../src/logger';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const TWO_DAYS_MS = 2 * 86_400_000;

interface Decoded { key: string; timestampMs: number; value: number }

function decode(body: Buffer): Decoded[] {
  const request = WriteRequest.toObject(WriteRequest.decode(snappyUncompress(body)), { longs: Number }) as {
    timeseries?: Array<{ labels: Array<{ name: string; value: string }>; samples: Array<{ value: number; timestamp: number }> }>;
  };
  return (request.timeseries ?? []).flatMap((ts) => ts.samples.map((s) => ({
    key: ts.labels.map((l) => `${l.name}=${l.value}`).join(','), timestampMs: s.timestamp, value: s.value,
  })));
}

/** Answers like Prometheus 2.42: one sample older than `minValidMs` makes the whole request 400 "out of bounds". */
class WindowedReceiver implements RemoteWriteTransport {
  readonly accepted: Decoded[] = [];
  requests = 0;
  constructor(private readonly minValidMs: number) {}
  async post(body: Buffer): Promise<RemoteWriteResponse> {
    this.requests++;
    const samples = decode(body);
    if (samples.some((s) => s.timestampMs < this.minValidMs)) return { status: 400, body: 'out of bounds\n' };
    this.accepted.push(...samples);
    return { status: 204, body: '' };
  }
  async close(): Promise<void> {}
}

function writerFor(transport: RemoteWriteTransport, queue: SampleQueue, options: { maxSplitRequests?: number; maxSamplesPerSend?: number } = {}) {
  const stats = new RemoteWriteStats(() => queue.length, queue.capacity);
  const logger = new CapturingLogger();
  const writer = new RemoteWriter({ queue, transport, stats, logger, clock: new FakeClock(NOW), flushIntervalMs: 1000, ...options });
  return { writer, stats, logger };
}

/** `seriesCount` fresh series with one sample each at `NOW`, and one two-day-old sample of its own series. */
function mixedQueue(seriesCount: number, oldAt = 'middle' as 'first' | 'middle' | 'last'): SampleQueue {
  const queue = new SampleQueue(10_000);
  const old = () => queue.push(seriesLabels('container_cpu_usage_seconds_total', { container: 'stale-read' }), { value: 1, timestampMs: NOW - TWO_DAYS_MS });
  if (oldAt === 'first') old();
  for (let i = 0; i < seriesCount; i++) {
    if (oldAt === 'middle' && i === Math.floor(seriesCount / 2)) old();
    queue.push(seriesLabels('container_memory_usage_bytes', { container: `app-${i}` }), { value: i, timestampMs: NOW + (i % 3) });
  }
  if (oldAt === 'last') old();
  return queue;
}

describe('the reason of a refusal', () => {
  test.each([
    [400, 'out of bounds\n', 'out_of_bounds'],
    [400, 'err: the sample has been rejected because its timestamp is too old (err-mimir-sample-timestamp-too-old)', 'out_of_bounds'],
    [400, 'out of order sample\n', 'out_of_order'],
    [400, 'duplicate sample for timestamp\n', 'duplicate'],
    [413, '', 'too_large'],
    [400, 'request body too large', 'too_large'],
    [401, 'Unauthorized', 'unauthorized'],
    [403, 'Forbidden', 'unauthorized'],
    [400, 'snappy: corrupt input', 'bad_request'],
    [404, 'not found', 'other'],
  ])('HTTP %i "%s" is %s', (status, body, reason) => {
    expect(rejectionReason(status, body)).toBe(reason);
  });
});

describe('a split by time', () => {
  const batch = fc.array(fc.record({
    series: fc.integer({ min: 0, max: 4 }),
    timestamps: fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 6 }),
  }), { minLength: 1, maxLength: 5 }).map((groups) => {
    const bySeries = new Map<number, number[]>();
    for (const g of groups) bySeries.set(g.series, [...new Set([...(bySeries.get(g.series) ?? []), ...g.timestamps])].sort((a, b) => a - b));
    return [...bySeries].map(([id, ts]): WireSeries => ({ labels: [['__name__', `m${id}`]] as LabelPair[], samples: ts.map((t) => ({ value: t, timestampMs: t })) }));
  });

  test('keeps every sample once, every older part strictly before the newer one, each series in order', () => {
    fc.assert(fc.property(batch, (series) => {
      const halves = splitByTime(series);
      const times = series.flatMap((s) => s.samples.map((x) => x.timestampMs));
      if (!halves) {
        expect(new Set(times).size).toBe(1);
        return;
      }
      const [older, newer] = halves;
      expect(sampleCount(older) + sampleCount(newer)).toBe(sampleCount(series));
      expect(sampleCount(older)).toBeGreaterThan(0);
      expect(sampleCount(newer)).toBeGreaterThan(0);
      const maxOlder = Math.max(...older.flatMap((s) => s.samples.map((x) => x.timestampMs)));
      const minNewer = Math.min(...newer.flatMap((s) => s.samples.map((x) => x.timestampMs)));
      expect(maxOlder).toBeLessThan(minNewer);
      for (const part of halves) {
        for (const s of part) {
          const ts = s.samples.map((x) => x.timestampMs);
          expect(ts).toEqual([...ts].sort((a, b) => a - b));
        }
      }
    }), { seed: 42, numRuns: 300 });
  });
});

describe('a batch refused as out of bounds', () => {
  test.each(['first', 'middle', 'last'] as const)('is split until only the old sample is refused (old sample %s)', async (oldAt) => {
    const receiver = new WindowedReceiver(NOW - 3_600_000);
    const queue = mixedQueue(1000, oldAt);
    const { writer, stats, logger } = writerFor(receiver, queue);
    await writer.drain();
    expect(receiver.accepted).toHaveLength(1000);
    expect(new Set(receiver.accepted.map((s) => s.key)).size).toBe(1000);
    expect(stats.samplesSent).toBe(1000);
    expect(stats.samplesRejected.get('out_of_bounds')).toBe(1);
    expect(stats.samplesFailed).toBe(1);
    expect(queue.length).toBe(0);
    // The old sample shares no timestamp with the others: two halvings per level, a few levels.
    expect(receiver.requests).toBeLessThanOrEqual(1 + 32);
    expect(logger.atLevel('error')).toHaveLength(1);
    expect(logger.atLevel('error')[0].fields).toMatchObject({ status: 400, reason: 'out_of_bounds', samples: 1 });
  });

  test('many samples at the same old time are isolated in a few requests', async () => {
    const receiver = new WindowedReceiver(NOW - 3_600_000);
    const queue = new SampleQueue(10_000);
    for (let i = 0; i < 1500; i++) {
      // A container whose stats `read` is two days old: all its series carry that time.
      const old = i % 3 === 0;
      queue.push(seriesLabels('m', { container: old ? 'stale' : 'fresh', i: String(i) }), { value: i, timestampMs: old ? NOW - TWO_DAYS_MS : NOW + (i % 7) });
    }
    const { writer, stats } = writerFor(receiver, queue);
    await writer.drain();
    expect(stats.samplesSent).toBe(1000);
    expect(stats.samplesRejected.get('out_of_bounds')).toBe(500);
    expect(receiver.requests).toBeLessThanOrEqual(5);
  });

  test('the extra requests are bounded; what the budget cannot separate is counted as refused', async () => {
    const receiver = new WindowedReceiver(NOW - 3_600_000);
    const queue = mixedQueue(1000, 'middle');
    const { writer, stats } = writerFor(receiver, queue, { maxSplitRequests: 4 });
    await writer.drain();
    expect(receiver.requests).toBeLessThanOrEqual(1 + 4);
    expect(stats.samplesSent + stats.samplesFailed).toBe(1001);
    expect(stats.samplesRejected.get('out_of_bounds')).toBe(stats.samplesFailed);
    expect(stats.samplesSent).toBeGreaterThan(0);
  });

  test('other refusals are never split nor resent', async () => {
    let requests = 0;
    const transport: RemoteWriteTransport = {
      post: async () => { requests++; return { status: 400, body: 'out of order sample' }; },
      close: async () => {},
    };
    const queue = mixedQueue(100, 'middle');
    const { writer, stats } = writerFor(transport, queue);
    await writer.drain();
    expect(requests).toBe(1);
    expect(stats.samplesRejected.get('out_of_order')).toBe(101);
    expect(stats.samplesFailed).toBe(101);
  });
});

describe('a batch the encoder cannot write', () => {
  test('is dropped, counted and logged once, and the batches behind it are still delivered', async () => {
    const receiver = new WindowedReceiver(0);
    const queue = new SampleQueue(100);
    // A label value that is not a string, as raw metadata could carry, pushed past seriesLabels.
    const bad = [['__name__', 'm'], ['revision', 7]] as unknown as LabelPair[];
    queue.push(bad, { value: 1, timestampMs: NOW });
    const { writer, stats, logger } = writerFor(receiver, queue, { maxSamplesPerSend: 1 });
    queue.push(seriesLabels('m', { revision: '7' }), { value: 2, timestampMs: NOW });
    await writer.drain();
    expect(stats.samplesDropped).toBe(1);
    expect(stats.samplesSent).toBe(1);
    expect(receiver.accepted).toHaveLength(1);
    expect(logger.atLevel('error')).toHaveLength(1);
    expect(logger.atLevel('error')[0].message).toMatch(/could not be encoded/);
  });

  test('never happens for values that went through seriesLabels', () => {
    expect(seriesLabels('m', { revision: 7 as unknown as string, gone: null as unknown as string })).toEqual([['__name__', 'm'], ['revision', '7']]);
  });
});

describe('a receiver that echoes the Authorization header in its error', () => {
  const PASSWORD = 'pr0m-s3cret-pa55';
  const TOKEN = 'tok-9f8e7d6c5b4a';
  let server: http.Server;
  let url = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`bad request; you sent Authorization: ${req.headers.authorization} (${JSON.stringify(req.headers)})`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  type Auth = { userinfo?: string; basicAuth?: { username: string; password: string }; bearerToken?: string };
  test.each<[string, Auth, string[]]>([
    ['basic auth', { basicAuth: { username: 'tenant-a', password: PASSWORD } }, [PASSWORD, Buffer.from(`tenant-a:${PASSWORD}`).toString('base64')]],
    ['a bearer token', { bearerToken: TOKEN }, [TOKEN]],
    ['credentials in the URL', { userinfo: `tenant-b:${PASSWORD}@` }, [PASSWORD, Buffer.from(`tenant-b:${PASSWORD}`).toString('base64')]],
  ])('with %s leaves no credential in the log', async (_what, auth, secrets) => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
    const queue = mixedQueue(3, 'last');
    const stats = new RemoteWriteStats(() => queue.length, queue.capacity);
    const { userinfo, ...options } = auth;
    const transport = new HttpTransport({ url: url.replace('//', `//${userinfo ?? ''}`), userAgent: 'test', ...options });
    const writer = new RemoteWriter({ queue, transport, stats, logger, clock: new FakeClock(NOW), flushIntervalMs: 1000 });
    await writer.drain();
    await transport.close();
    expect(stats.samplesRejected.get('bad_request')).toBe(4);
    const log = lines.join('');
    expect(log).toContain('receiver refused samples');
    expect(log).toContain('[REDACTED]');
    for (const secret of secrets) expect(log).not.toContain(secret);
  });
});

describe('a real Prometheus 2.42 refusing one two-day-old sample in a batch', () => {
  const prometheus = new PrometheusServer('tenant-a', 'pr0m-s3cret-pa55');
  beforeAll(() => prometheus.start());
  afterAll(() => prometheus.dispose());

  test('still stores every fresh sample of the batch; only the old one is counted as refused', async () => {
    const inner = new HttpTransport({ url: prometheus.writeUrl, userAgent: 'test', basicAuth: { username: 'tenant-a', password: 'pr0m-s3cret-pa55' } });
    const statuses: number[] = [];
    const transport: RemoteWriteTransport = {
      post: async (body, signal) => { const r = await inner.post(body, signal); statuses.push(r.status); return r; },
      close: () => inner.close(),
    };
    const now = Date.now() - 5_000;
    const queue = new SampleQueue(10_000);
    for (let i = 0; i < 800; i++) {
      if (i === 400) queue.push(seriesLabels('salvage_probe', { container: 'stale-read' }), { value: -1, timestampMs: now - TWO_DAYS_MS });
      queue.push(seriesLabels('salvage_probe', { container: `app-${i}` }), { value: i, timestampMs: now + (i % 4) });
    }
    const stats = new RemoteWriteStats(() => queue.length, queue.capacity);
    const writer = new RemoteWriter({ queue, transport, stats, logger: new CapturingLogger(), clock: new FakeClock(), flushIntervalMs: 1000 });
    await writer.drain();
    await transport.close();
    expect(statuses[0]).toBe(400);
    expect(statuses.length).toBeLessThanOrEqual(1 + 32);
    expect(stats.samplesSent).toBe(800);
    expect(stats.samplesRejected.get('out_of_bounds')).toBe(1);
    expect(stats.samplesFailed).toBe(1);
    // Exposed (and remote-written) with every reason present, so rate() sees the first refusal.
    const rejected = stats.families().find((f) => f.name === 'ecs_exporter_remote_write_samples_rejected_total')!;
    expect(rejected.samples).toHaveLength(7);
    expect(rejected.samples).toContainEqual({ labels: { reason: 'out_of_bounds' }, value: 1 });
    const stored = await prometheus.query('count(salvage_probe)', now + 10);
    expect(stored[0].value![1]).toBe('800');
  });
});
