/**
 * Active mode's long loops give the event loop back between slices, so a scrape of the sidecar's own
 * endpoint waits for one slice, not for a whole collection or a whole request: a callback queued
 * with setImmediate before the work starts runs while the work is still in progress. The work's
 * result is the same as in one go (golden-stream.test.ts and snappy-request.test.ts prove that).
 */
import { CapturingLogger, FakeClock } from './helpers';
import { OwnSeriesSource, SAMPLES_PER_SLICE } from '../../src/active/own-series-source';
import { SampleQueue } from '../../src/active/remote-write/queue';
import { seriesLabels } from '../../src/active/remote-write/series';
import { RemoteWriteStats } from '../../src/active/remote-write/stats';
import type { RemoteWriteTransport } from '../../src/active/remote-write/transport';
import { RemoteWriter, SERIES_PER_ENCODING_SLICE } from '../../src/active/remote-write/writer';
import type { OutgoingSample } from '../../src/active/series-tracker';
import { FailureLog, silentLogger } from '../../src/logger';
import type { MetricFamily } from '../../src/model';

const T0 = Date.UTC(2026, 0, 1);

test('a collection of many samples lets a queued callback run before its last sample is labelled', async () => {
  const own = new OwnSeriesSource({
    registry: { getMetricsAsJSON: async () => [] }, extraFamilies: () => [], failures: new FailureLog(silentLogger),
  });
  const count = SAMPLES_PER_SLICE * 3;
  const family: MetricFamily = {
    name: 'container_memory_usage_bytes',
    help: 'h',
    type: 'gauge',
    samples: Array.from({ length: count }, (_, i) => ({ labels: { container: `c-${i}` }, value: i })),
  };
  const out: OutgoingSample[] = [];
  // What a callback waiting on the event loop sees each time it gets to run during the collection.
  const seen: number[] = [];
  let collecting = true;
  const look = () => {
    seen.push(out.length);
    if (collecting) setImmediate(look);
  };
  setImmediate(look);
  await own.collect([family], T0, { cluster: 'prod' }, true, (s) => out.push(s));
  collecting = false;
  expect(out).toHaveLength(count);
  expect(seen.some((labelled) => labelled > 0 && labelled < count)).toBe(true);
});

test('a request of many series lets a queued callback run before it is sent', async () => {
  const queue = new SampleQueue(10_000);
  for (let i = 0; i < SERIES_PER_ENCODING_SLICE * 3; i++) queue.push(seriesLabels('m', { id: String(i) }), { value: i, timestampMs: T0 });
  let callbackRan = false;
  let ranBeforeSend: boolean | undefined;
  const transport: RemoteWriteTransport = {
    post: async () => {
      ranBeforeSend = callbackRan;
      return { status: 204, body: '' };
    },
    close: async () => {},
  };
  const writer = new RemoteWriter({
    queue,
    transport,
    stats: new RemoteWriteStats(() => queue.length, queue.capacity),
    logger: new CapturingLogger(),
    clock: new FakeClock(),
    flushIntervalMs: 1000,
  });
  setImmediate(() => { callbackRan = true; });
  await writer.drain();
  expect(ranBeforeSend).toBe(true);
  expect(queue.length).toBe(0);
});
