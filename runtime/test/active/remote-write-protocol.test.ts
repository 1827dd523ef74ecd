import * as fc from 'fast-check';
import { CapturingLogger, FakeClock } from './helpers';
import { STALE_NAN_BITS, StrictReceiver } from './strict-receiver';
import { WriteRequest } from './write-request-schema';
import { encodeWriteRequestProto, snappyCompress, snappyUncompress } from '../../src/active/remote-write/codec';
import { SampleQueue } from '../../src/active/remote-write/queue';
import { seriesLabels } from '../../src/active/remote-write/series';
import { encodeWriteRequest } from '../../src/active/remote-write/snappy-request';
import { RemoteWriteStats } from '../../src/active/remote-write/stats';
import { HttpTransport } from '../../src/active/remote-write/transport';
import { RemoteWriter } from '../../src/active/remote-write/writer';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function writerFor(receiver: StrictReceiver, queue: SampleQueue, logger = new CapturingLogger()) {
  const stats = new RemoteWriteStats(() => queue.length, queue.capacity);
  const transport = new HttpTransport({ url: receiver.url, userAgent: 'asserts-ecs-exporter/test' });
  const writer = new RemoteWriter({ queue, transport, stats, logger, clock: new FakeClock(), flushIntervalMs: 1000, maxSamplesPerSend: 3 });
  return { writer, stats, transport, logger };
}

async function post(receiver: StrictReceiver, body: Uint8Array, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const response = await fetch(receiver.url, { method: 'POST', body, headers });
  return { status: response.status, text: await response.text() };
}

const GOOD_HEADERS = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'x-prometheus-remote-write-version': '0.1.0',
  'user-agent': 'test',
};

function rawRequest(labels: Array<{ name: string; value: string }>, timestamp: number, value = 1): Uint8Array {
  const proto = WriteRequest.encode({ timeseries: [{ labels, samples: [{ value, timestamp }] }] }).finish();
  return snappyCompress(Buffer.from(proto));
}

describe('series labels', () => {
  test('are sorted by name, carry __name__, and leave out empty values', () => {
    expect(seriesLabels('up', { job: 'web', container: 'app', empty: '', __name__: 'ignored' })).toEqual([
      ['__name__', 'up'], ['container', 'app'], ['job', 'web'],
    ]);
  });

  test('refuse invalid metric and label names', () => {
    expect(() => seriesLabels('1bad', {})).toThrow(/invalid metric name "1bad"/);
    expect(() => seriesLabels('ok', { 'bad-name': 'x' })).toThrow(/invalid label name "bad-name"/);
  });

  test('any label set becomes sorted, unique, non-empty pairs', () => {
    const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/);
    fc.assert(fc.property(fc.dictionary(name, fc.string({ maxLength: 5 })), (labels) => {
      const pairs = seriesLabels('m', labels);
      expect(pairs.filter(([n]) => n === '__name__')).toEqual([['__name__', 'm']]);
      for (let i = 1; i < pairs.length; i++) expect(pairs[i - 1][0] < pairs[i][0]).toBe(true);
      for (const [, value] of pairs) expect(value).not.toBe('');
    }));
  });
});

describe('the strict receiver itself', () => {
  const receiver = new StrictReceiver();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  test('accepts a well-formed request', async () => {
    const response = await post(receiver, rawRequest([{ name: '__name__', value: 'ok_metric' }], T0), GOOD_HEADERS);
    expect(response.status).toBe(204);
  });

  test.each([
    ['unsorted labels', [{ name: '__name__', value: 'm1' }, { name: 'b', value: '1' }, { name: 'a', value: '1' }], T0, /not sorted/],
    ['a repeated label name', [{ name: '__name__', value: 'm2' }, { name: 'a', value: '1' }, { name: 'a', value: '2' }], T0, /repeated label name/],
    ['an empty label value', [{ name: '__name__', value: 'm3' }, { name: 'a', value: '' }], T0, /empty value/],
    ['no __name__', [{ name: 'a', value: '1' }], T0, /without __name__/],
    ['a timestamp in seconds', [{ name: '__name__', value: 'm4' }], Math.floor(T0 / 1000), /not in milliseconds/],
  ])('refuses %s', async (_what, labels, timestamp, reason) => {
    const response = await post(receiver, rawRequest(labels, timestamp), GOOD_HEADERS);
    expect(response.status).toBe(400);
    expect(response.text).toMatch(reason);
  });

  test('refuses missing headers, framed snappy and out-of-order samples', async () => {
    const body = rawRequest([{ name: '__name__', value: 'm5' }], T0);
    expect((await post(receiver, body, { ...GOOD_HEADERS, 'x-prometheus-remote-write-version': '' })).status).toBe(400);
    expect((await post(receiver, body, { ...GOOD_HEADERS, 'content-encoding': 'gzip' })).status).toBe(400);
    const framed = Buffer.concat([Buffer.from([0xff, 0x06, 0, 0, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]), Buffer.from(body)]);
    expect((await post(receiver, framed, GOOD_HEADERS)).text).toMatch(/framed/);
    expect((await post(receiver, body, GOOD_HEADERS)).status).toBe(204);
    expect((await post(receiver, body, GOOD_HEADERS)).text).toMatch(/out-of-order or duplicate/);
  });
});

describe('remote-write requests', () => {
  const receiver = new StrictReceiver();
  beforeEach(() => receiver.start());
  afterEach(() => receiver.stop());

  test('pass every MUST of the spec, in per-series order across batches', async () => {
    const queue = new SampleQueue(1000);
    const a = seriesLabels('container_cpu_usage_seconds_total', { container: 'app', job: 'app', cluster: 'prod' });
    const b = seriesLabels('container_memory_working_set_bytes', { container: 'app', job: 'app', tenant: '' });
    for (let i = 0; i < 5; i++) {
      queue.push(a, { value: 1.5 * i, timestampMs: T0 + i * 15_000 });
      queue.push(b, { value: 1024 * i, timestampMs: T0 + i * 15_000 });
    }
    const { writer, stats, transport } = writerFor(receiver, queue);
    await writer.drain();
    await transport.close();
    expect(receiver.requests.map((r) => r.status)).toEqual([204, 204, 204, 204]);
    expect(stats.samplesSent).toBe(10);
    expect(queue.length).toBe(0);
    const cpu = receiver.samplesOf({ __name__: 'container_cpu_usage_seconds_total', container: 'app', job: 'app', cluster: 'prod' });
    expect(cpu.map((s) => [s.timestampMs, s.value])).toEqual([0, 1, 2, 3, 4].map((i) => [T0 + i * 15_000, 1.5 * i]));
    expect(receiver.samplesOf({ __name__: 'container_memory_working_set_bytes', container: 'app', job: 'app' })).toHaveLength(5);
    expect(receiver.requests[0].headers['user-agent']).toBe('asserts-ecs-exporter/test');
  });

  test('carry a staleness marker with the exact bits 0x7ff0000000000002', async () => {
    const queue = new SampleQueue(10);
    const labels = seriesLabels('container_memory_usage_bytes', { container: 'gone' });
    queue.push(labels, { value: 42, timestampMs: T0 });
    queue.push(labels, { value: NaN, timestampMs: T0 + 15_000, stale: true });
    const { writer, transport } = writerFor(receiver, queue);
    await writer.drain();
    await transport.close();
    const samples = receiver.samplesOf({ __name__: 'container_memory_usage_bytes', container: 'gone' });
    expect(samples.map((s) => s.bits)).toEqual([0x4045000000000000n, STALE_NAN_BITS]);
    // And in the raw protobuf: field 1, wire type 1 (0x09), then the eight little-endian bytes.
    const proto = Buffer.from(encodeWriteRequestProto([{ labels, samples: [{ value: NaN, timestampMs: T0, stale: true }] }]));
    expect(proto.includes(Buffer.from([0x09, 0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]))).toBe(true);
  });

  test('an ordinary NaN value is not mistaken for a staleness marker', () => {
    const labels = seriesLabels('m', {});
    const proto = Buffer.from(encodeWriteRequestProto([{ labels, samples: [{ value: NaN, timestampMs: T0 }] }]));
    expect(proto.includes(Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]))).toBe(false);
  });

  test('bodies are snappy block data that decode back to the same series', () => {
    const labels = seriesLabels('m', { a: 'x' });
    const body = encodeWriteRequest([{ labels, samples: [{ value: 3.25, timestampMs: T0 }] }]);
    const decoded = WriteRequest.toObject(WriteRequest.decode(snappyUncompress(body)), { longs: Number }) as any;
    expect(decoded.timeseries[0].labels).toEqual([{ name: '__name__', value: 'm' }, { name: 'a', value: 'x' }]);
    expect(decoded.timeseries[0].samples).toEqual([{ value: 3.25, timestamp: T0 }]);
  });
});
