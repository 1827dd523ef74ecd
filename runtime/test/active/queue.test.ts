import { SampleQueue } from '../../src/active/remote-write/queue';
import { seriesLabels } from '../../src/active/remote-write/series';

const T0 = Date.UTC(2026, 0, 1);
const CPU = seriesLabels('container_cpu_usage_seconds_total', { container: 'app' });

test('a queue emptied by deliveries starts again at its first slot (only its first pages stay in use)', () => {
  const queue = new SampleQueue(1000);
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 30; i++) queue.push(CPU, { value: i, timestampMs: T0 + round * 100 + i });
    const batch = queue.peekBatch(1000);
    // Positions restart at 0 after every full delivery, so the ring never walks past slot 30.
    expect(batch.endSeq).toBe(30);
    queue.commit(batch);
    expect(queue.length).toBe(0);
  }
});

test('a batch delivered while new samples arrived leaves them queued, in order', () => {
  const queue = new SampleQueue(10);
  for (let i = 0; i < 3; i++) queue.push(CPU, { value: i, timestampMs: T0 + i });
  const inFlight = queue.peekBatch(10);
  for (let i = 3; i < 5; i++) queue.push(CPU, { value: i, timestampMs: T0 + i });
  queue.commit(inFlight);
  expect(queue.peekBatch(10).series[0].samples.map((s) => s.value)).toEqual([3, 4]);
});

test('timestamps far from the others (years before, years after, negative) come back exactly', () => {
  const queue = new SampleQueue(10);
  const day = 86_400_000;
  const times = [T0, T0 + 1, T0 + 30 * day, T0 + 3 * 365 * day, Number.MAX_SAFE_INTEGER];
  times.forEach((t, i) => queue.push(seriesLabels('m', { n: String(i) }), { value: i, timestampMs: t }));
  queue.push(seriesLabels('m', { n: 'old' }), { value: -1, timestampMs: -5 * 365 * day });
  queue.push(seriesLabels('m', { n: 'older' }), { value: -2, timestampMs: T0 - 40 * day });
  const got = queue.peekBatch(10).series.map((s) => s.samples[0].timestampMs);
  expect(got).toEqual([...times, -5 * 365 * day, T0 - 40 * day]);
});

test('a far timestamp stays exact while the ring wraps over its slot and the queue is rebased', () => {
  const queue = new SampleQueue(3);
  const far = T0 + 100 * 86_400_000;
  queue.push(seriesLabels('m', { n: 'far' }), { value: 1, timestampMs: T0 });
  queue.push(seriesLabels('m', { n: 'far' }), { value: 2, timestampMs: far });
  // Three more samples drop the first two (the far one among them) and reuse their slots.
  for (let i = 0; i < 3; i++) queue.push(CPU, { value: i, timestampMs: T0 + 1 + i });
  expect(queue.peekBatch(3).series[0].samples.map((s) => s.timestampMs)).toEqual([T0 + 1, T0 + 2, T0 + 3]);
  queue.commit(queue.peekBatch(3));
  // Empty: the next sample sets a new base, ~100 days later.
  queue.push(CPU, { value: 9, timestampMs: far + 5 });
  queue.push(CPU, { value: 10, timestampMs: far + 6 });
  expect(queue.peekBatch(3).series[0].samples).toEqual([{ value: 9, timestampMs: far + 5 }, { value: 10, timestampMs: far + 6 }]);
});

test('staleness markers keep their flag and their series in the packed slots', () => {
  const queue = new SampleQueue(10);
  const other = seriesLabels('m', { n: 'other' });
  queue.push(CPU, { value: 1, timestampMs: T0 });
  queue.push(other, { value: 2, timestampMs: T0 });
  queue.push(CPU, { value: NaN, timestampMs: T0 + 1, stale: true });
  const batch = queue.peekBatch(10);
  expect(batch.series.map((s) => [s.labels, s.samples])).toEqual([
    [CPU, [{ value: 1, timestampMs: T0 }, { value: NaN, timestampMs: T0 + 1, stale: true }]],
    [other, [{ value: 2, timestampMs: T0 }]],
  ]);
  queue.commit(batch);
  // The ended series is forgotten once its marker left: a new sample of it is queued as new.
  expect(queue.seriesCount).toBe(1);
});
