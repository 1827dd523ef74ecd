import { CapturingLogger, FakeClock } from './helpers';
import { StrictReceiver } from './strict-receiver';
import { Clock, systemClock } from '../../src/active/ports';
import { SampleQueue } from '../../src/active/remote-write/queue';
import { seriesLabels } from '../../src/active/remote-write/series';
import { RemoteWriteStats } from '../../src/active/remote-write/stats';
import { HttpTransport, parseRetryAfter } from '../../src/active/remote-write/transport';
import { RemoteWriter } from '../../src/active/remote-write/writer';
import { backoffDelayMs, DEFAULT_BACKOFF } from '../../src/core/backoff';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const CPU = seriesLabels('container_cpu_usage_seconds_total', { container: 'app' });

function setup(receiver: StrictReceiver, samples = 4, capacity = 100, clock: Clock & { sleeps?: number[] } = new FakeClock()) {
  const queue = new SampleQueue(capacity);
  for (let i = 0; i < samples; i++) queue.push(CPU, { value: i, timestampMs: T0 + i * 1000 });
  const stats = new RemoteWriteStats(() => queue.length, queue.capacity);
  const logger = new CapturingLogger();
  const transport = new HttpTransport({ url: receiver.url, userAgent: 'test' });
  const writer = new RemoteWriter({
    queue,
    transport,
    stats,
    logger,
    clock,
    flushIntervalMs: 1000,
    random: () => 0.5,
    backoff: { minMs: 100, maxMs: 3200, maxRetryAfterMs: 60_000 },
  });
  return { queue, stats, logger, clock: clock as FakeClock, transport, writer };
}

describe('retry matrix', () => {
  const receiver = new StrictReceiver();
  beforeEach(() => receiver.start());
  afterEach(async () => {
    receiver.reset();
    await receiver.stop();
  });

  test.each([400, 401, 404, 413])('HTTP %i is never retried: counted as failed, status and body logged once', async (status) => {
    receiver.script.push({ status, body: `nope ${status}` });
    const { writer, stats, logger, clock, queue, transport } = setup(receiver);
    await writer.drain();
    await transport.close();
    expect(receiver.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(stats.samplesFailed).toBe(4);
    expect(stats.samplesRetried).toBe(0);
    expect(queue.length).toBe(0);
    const errors = logger.atLevel('error');
    expect(errors).toHaveLength(1);
    expect(errors[0].fields).toMatchObject({ status, body: `nope ${status}`, samples: 4 });
  });

  test.each([429, 500, 502, 503, 504])('HTTP %i is retried with growing delays until it succeeds', async (status) => {
    for (let i = 0; i < 7; i++) receiver.script.push({ status, body: 'busy' });
    const { writer, stats, logger, clock, transport } = setup(receiver);
    await writer.drain();
    await transport.close();
    expect(receiver.requests.map((r) => r.status)).toEqual([status, status, status, status, status, status, status, 204]);
    // 100 ms doubling, capped at 3200 ms, with full jitter pinned at its middle (x0.5).
    expect(clock.sleeps).toEqual([50, 100, 200, 400, 800, 1600, 1600]);
    expect(stats.samplesSent).toBe(4);
    expect(stats.samplesRetried).toBe(28);
    expect(stats.requestsRetried).toBe(7);
    expect(stats.samplesFailed).toBe(0);
    // One warning for the outage, one info when it ends; the retries themselves only at debug.
    expect(logger.atLevel('warn')).toHaveLength(1);
    expect(logger.atLevel('info')).toHaveLength(1);
    expect(receiver.samplesOf({ __name__: 'container_cpu_usage_seconds_total', container: 'app' })).toHaveLength(4);
  });

  test('Retry-After (seconds) sets the minimum delay', async () => {
    receiver.script.push({ status: 429, headers: { 'Retry-After': '7' } });
    const { writer, clock, transport } = setup(receiver);
    await writer.drain();
    await transport.close();
    expect(clock.sleeps).toEqual([7000]);
  });

  test('a network error (receiver down) is retried like a 5xx', async () => {
    const { writer, clock, transport, stats } = setup(receiver);
    const port = Number(new URL(receiver.url).port);
    await receiver.stop();
    let restarted = false;
    const sleep = clock.sleep.bind(clock);
    clock.sleep = async (ms, signal) => {
      await sleep(ms, signal);
      if (clock.sleeps.length === 3 && !restarted) {
        restarted = true;
        await receiver.start(port);
      }
    };
    await writer.drain();
    await transport.close();
    expect(clock.sleeps).toHaveLength(3);
    expect(stats.samplesSent).toBe(4);
  });
});

describe('backoff', () => {
  test('grows exponentially, is capped, and jitters between 0 and the exponential value', () => {
    const delays = Array.from({ length: 12 }, (_, attempt) => backoffDelayMs(attempt, DEFAULT_BACKOFF, Math.random));
    delays.forEach((delay, attempt) => {
      const exponential = Math.min(DEFAULT_BACKOFF.maxMs, DEFAULT_BACKOFF.minMs * 2 ** attempt);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(exponential);
    });
    // Full jitter: the whole band is reachable.
    expect(backoffDelayMs(3, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(backoffDelayMs(3, DEFAULT_BACKOFF, () => 1)).toBe(DEFAULT_BACKOFF.minMs * 8);
    expect(backoffDelayMs(50, DEFAULT_BACKOFF, () => 0.999)).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxMs);
  });

  test('a Retry-After beyond the cap is capped', () => {
    expect(backoffDelayMs(0, DEFAULT_BACKOFF, () => 0, 24 * 3600_000)).toBe(DEFAULT_BACKOFF.maxRetryAfterMs);
  });

  test('Retry-After is read as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('bounded queue', () => {
  test('drops the oldest samples first when full, and counts every drop', () => {
    let dropped = 0;
    const queue = new SampleQueue(3, (n) => { dropped += n; });
    for (let i = 0; i < 5; i++) queue.push(CPU, { value: i, timestampMs: T0 + i });
    expect(dropped).toBe(2);
    const batch = queue.peekBatch(10);
    expect(batch.series[0].samples.map((s) => s.value)).toEqual([2, 3, 4]);
  });

  test('refuses a sample not newer than its series last one (Prometheus would 400 the whole request)', () => {
    const queue = new SampleQueue(10);
    expect(queue.push(CPU, { value: 1, timestampMs: T0 })).toBe('queued');
    expect(queue.push(CPU, { value: 2, timestampMs: T0 })).toBe('out_of_order');
    expect(queue.push(CPU, { value: 2, timestampMs: T0 - 1 })).toBe('out_of_order');
    expect(queue.length).toBe(1);
  });

  test('a staleness marker is placed after the last sample and ends the series', () => {
    const queue = new SampleQueue(10);
    queue.push(CPU, { value: 1, timestampMs: T0 });
    queue.push(CPU, { value: NaN, timestampMs: T0, stale: true });
    const batch = queue.peekBatch(10);
    expect(batch.series[0].samples).toEqual([{ value: 1, timestampMs: T0 }, { value: NaN, timestampMs: T0 + 1, stale: true }]);
    queue.commit(batch);
    expect(queue.seriesCount).toBe(0);
    // A marker for a series never queued is not sent.
    queue.push(CPU, { value: NaN, timestampMs: T0, stale: true });
    expect(queue.length).toBe(0);
  });

  test('samples dropped while their batch is in flight are not removed twice', () => {
    const queue = new SampleQueue(4);
    for (let i = 0; i < 4; i++) queue.push(CPU, { value: i, timestampMs: T0 + i });
    const inFlight = queue.peekBatch(2);
    for (let i = 4; i < 7; i++) queue.push(CPU, { value: i, timestampMs: T0 + i });
    queue.commit(inFlight);
    expect(queue.peekBatch(10).series[0].samples.map((s) => s.value)).toEqual([3, 4, 5, 6]);
  });

  test('batches keep per-series timestamp order and the FIFO order of samples', () => {
    const queue = new SampleQueue(100);
    const mem = seriesLabels('container_memory_usage_bytes', { container: 'app' });
    for (let i = 0; i < 3; i++) {
      queue.push(CPU, { value: i, timestampMs: T0 + i });
      queue.push(mem, { value: 10 * i, timestampMs: T0 + i });
    }
    const batch = queue.peekBatch(100);
    expect(batch.sampleCount).toBe(6);
    for (const series of batch.series) {
      const ts = series.samples.map((s) => s.timestampMs);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
    }
  });
});

describe('shutdown', () => {
  test('stop() flushes what is queued when the receiver is up', async () => {
    const receiver = new StrictReceiver();
    await receiver.start();
    try {
      const { writer, queue, stats } = setup(receiver, 10, 100, systemClock);
      writer.start();
      expect(await writer.stop(5000)).toBe(0);
      expect(queue.length).toBe(0);
      expect(stats.samplesSent).toBe(10);
    } finally {
      await receiver.stop();
    }
  });

  test('stop() gives up at the deadline when the receiver stays down, and counts what is lost', async () => {
    const receiver = new StrictReceiver();
    await receiver.start();
    for (let i = 0; i < 1000; i++) receiver.script.push({ status: 503 });
    try {
      const { writer, stats, logger } = setup(receiver, 10, 100, systemClock);
      writer.start();
      const undelivered = await writer.stop(3000);
      expect(undelivered).toBe(10);
      expect(stats.samplesDropped).toBe(10);
      expect(logger.atLevel('error')[0].message).toMatch(/shutdown deadline/);
    } finally {
      await receiver.stop();
    }
  });
});

describe('concurrent drains', () => {
  test('drain() while a drain is in flight joins it: each batch is sent once', async () => {
    const queue = new SampleQueue(100);
    for (let i = 0; i < 3; i++) queue.push(CPU, { value: i, timestampMs: T0 + i * 1000 });
    const stats = new RemoteWriteStats(() => queue.length, queue.capacity);
    const posted: Buffer[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    // The first request stays in flight until released, like a slow receiver.
    const transport = {
      post: async (body: Buffer) => {
        posted.push(body);
        if (posted.length === 1) await held;
        return { status: 204, body: '' };
      },
      close: async () => {},
    };
    const writer = new RemoteWriter({ queue, transport, stats, logger: new CapturingLogger(), clock: new FakeClock(), flushIntervalMs: 1000 });
    const first = writer.drain();
    await new Promise((r) => setImmediate(r));
    expect(posted).toHaveLength(1);
    const second = writer.drain();
    await new Promise((r) => setImmediate(r));
    release();
    await Promise.all([first, second]);
    expect(posted).toHaveLength(1);
    expect(stats.samplesSent).toBe(3);
    expect(queue.length).toBe(0);
    // Once done, a later drain sends what was queued since.
    queue.push(CPU, { value: 9, timestampMs: T0 + 9000 });
    await writer.drain();
    expect(posted).toHaveLength(2);
    expect(stats.samplesSent).toBe(4);
  });
});
