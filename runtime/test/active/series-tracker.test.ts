import { seriesLabels } from '../../src/active/remote-write/series';
import { SeriesTracker, type OutgoingSample } from '../../src/active/series-tracker';

const a = seriesLabels('m', { k: 'a' });
const b = seriesLabels('m', { k: 'b' });
const names = (out: OutgoingSample[]) => out.map((o) => `${o.labels[1][1]}${o.sample.stale ? ' stale' : ''}@${o.sample.timestampMs}`);

test('a series reported last round but not this one ends with one staleness marker', () => {
  const tracker = new SeriesTracker();
  const out: OutgoingSample[] = [];
  tracker.add(a, { value: 1, timestampMs: 1 }, (o) => out.push(o));
  tracker.add(b, { value: 1, timestampMs: 1 }, (o) => out.push(o));
  tracker.endRound(1, (o) => out.push(o));
  tracker.add(a, { value: 2, timestampMs: 2 }, (o) => out.push(o));
  tracker.endRound(2, (o) => out.push(o));
  tracker.endRound(3, (o) => out.push(o));
  expect(names(out)).toEqual(['a@1', 'b@1', 'a@2', 'b stale@2', 'a stale@3']);
});

test('a kept round ends nothing, and the first sample of a duplicate series wins', () => {
  const tracker = new SeriesTracker();
  const out: OutgoingSample[] = [];
  expect(tracker.add(a, { value: 1, timestampMs: 1 }, (o) => out.push(o))).toBe(true);
  expect(tracker.add(a, { value: 9, timestampMs: 1 }, (o) => out.push(o))).toBe(false);
  tracker.endRound(1, (o) => out.push(o));
  tracker.keepRound();
  expect(tracker.size).toBe(1);
  tracker.endAll(5, (o) => out.push(o));
  tracker.endAll(6, (o) => out.push(o));
  expect(names(out)).toEqual(['a@1', 'a stale@5']);
});
