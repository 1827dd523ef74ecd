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
