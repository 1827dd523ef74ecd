/**
 * The remote-write body written straight as snappy: whatever the series, it decompresses (with an
 * independent snappy decoder) to exactly the protobuf `encodeWriteRequestProto` writes, label pairs
 * repeated across series come out as copies (the body is smaller than the protobuf), and a request
 * written a slice at a time is the same bytes as one written in one go.
 */
import * as fc from 'fast-check';
import { encodeWriteRequestProto, pairIdCount, snappyUncompress } from '../../src/active/remote-write/codec';
import { seriesLabels, type WireSeries } from '../../src/active/remote-write/series';
import { encodeWriteRequest, SnappyRequestEncoder } from '../../src/active/remote-write/snappy-request';

const labelValue = fc.oneof(
  fc.constantFrom('a', 'prod', 'container-1', 'container-2'),
  fc.fullUnicodeString({ maxLength: 30 }),
  fc.string({ minLength: 60, maxLength: 300 }),
);
const seriesArb = fc.array(fc.record({
  name: fc.constantFrom('m', 'container_cpu_usage_seconds_total', 'up'),
  labels: fc.dictionary(fc.constantFrom('container', 'job', 'cluster', 'pod', 'le', 'a_very_long_label_name_for_good_measure'), labelValue),
  samples: fc.array(
    fc.record({ value: fc.double(), timestampMs: fc.integer({ min: -1e12, max: 4e12 }), stale: fc.boolean() }),
    { minLength: 1, maxLength: 3 },
  ),
}), { maxLength: 40 }).map((list) => list.map((s): WireSeries => ({ labels: seriesLabels(s.name, s.labels), samples: s.samples })));

test('the body decompresses to exactly the protobuf of the same series', () => {
  fc.assert(fc.property(seriesArb, (series) => {
    expect(snappyUncompress(encodeWriteRequest(series)).equals(encodeWriteRequestProto(series))).toBe(true);
  }), { seed: 11, numRuns: 400 });
});

test('samples of one collection share their timestamp: it is copied, and the body still decodes exactly', () => {
  // Timestamps drawn from a few values (as in a collection), tiny ones (fields under 4 bytes) included.
  const shared = fc.array(fc.record({
    name: fc.constantFrom('m', 'up'),
    labels: fc.dictionary(fc.constantFrom('container', 'job'), labelValue),
    samples: fc.array(
      fc.record({ value: fc.double(), timestampMs: fc.constantFrom(0, 5, 1_767_225_600_000, 1_767_225_615_000), stale: fc.boolean() }),
      { minLength: 1, maxLength: 3 },
    ),
  }), { maxLength: 60 }).map((list) => list.map((s): WireSeries => ({ labels: seriesLabels(s.name, s.labels), samples: s.samples })));
  fc.assert(fc.property(shared, (series) => {
    expect(snappyUncompress(encodeWriteRequest(series)).equals(encodeWriteRequestProto(series))).toBe(true);
  }), { seed: 12, numRuns: 300 });

  const sameTime: WireSeries[] = [];
  const ownTime: WireSeries[] = [];
  for (let c = 0; c < 200; c++) {
    const labels = seriesLabels('container_cpu_usage_seconds_total', { container: `container-${c}` });
    sameTime.push({ labels, samples: [{ value: c * 1.5, timestampMs: 1_767_225_600_000 }] });
    ownTime.push({ labels, samples: [{ value: c * 1.5, timestampMs: 1_767_225_600_000 + c }] });
  }
  // 7 bytes of timestamp field become a 3-byte copy (and the literal around it splits in two).
  expect(encodeWriteRequest(ownTime).length - encodeWriteRequest(sameTime).length).toBeGreaterThanOrEqual(200 * 2);
});

test('label pairs repeated across series are copied, not written again', () => {
  const target = { cluster: 'prod-cluster', task_id: '0123456789abcdef0123456789abcdef', pod: 'checkout-0123456789abcdef', namespace: 'AWS/ECS', region: 'us-east-1' };
  const series: WireSeries[] = [];
  for (let metric = 0; metric < 20; metric++) {
    for (let c = 0; c < 20; c++) series.push({ labels: seriesLabels(`metric_${metric}`, { ...target, container: `container-${c}` }), samples: [{ value: c, timestampMs: 1_767_225_600_000 }] });
  }
  const proto = encodeWriteRequestProto(series);
  const body = encodeWriteRequest(series);
  expect(snappyUncompress(body).equals(proto)).toBe(true);
  expect(body.length).toBeLessThan(proto.length / 4);
});

test('a literal longer than 64 KiB and copies farther than 64 KiB back stay exact', () => {
  const huge = 'x'.repeat(70_000);
  const series: WireSeries[] = [
    { labels: seriesLabels('m', { big: huge, a: 'shared' }), samples: [{ value: 1, timestampMs: 1 }] },
    { labels: seriesLabels('m', { big: `${huge}y`, a: 'shared' }), samples: [{ value: 2, timestampMs: 2 }] },
    { labels: seriesLabels('m', { big: huge, a: 'shared' }), samples: [{ value: 3, timestampMs: 3 }] },
  ];
  expect(snappyUncompress(encodeWriteRequest(series)).equals(encodeWriteRequestProto(series))).toBe(true);
});

test('a request written a slice at a time is the same body as one written in one go', () => {
  fc.assert(fc.property(seriesArb, fc.integer({ min: 1, max: 7 }), (series, slice) => {
    const encoder = new SnappyRequestEncoder(series);
    while (!encoder.done) encoder.write(slice);
    expect(encoder.finish().equals(encodeWriteRequest(series))).toBe(true);
  }), { seed: 5, numRuns: 100 });
});

test('an empty request is a valid empty body', () => {
  expect(snappyUncompress(encodeWriteRequest([])).length).toBe(0);
});

test('the pair-id table is renewed when it outgrows its limit, and a request in progress stays exact', () => {
  const shared: WireSeries[] = Array.from({ length: 30 }, (_, i) => ({
    labels: seriesLabels('m', { cluster: 'prod', container: `c-${i % 3}` }), samples: [{ value: i, timestampMs: 1_000 + i }],
  }));
  const first = new SnappyRequestEncoder(shared);
  first.write(10);
  // More distinct pairs than the table keeps: the next request renews it and re-ids the shared series.
  const many: WireSeries[] = Array.from({ length: 70_000 }, (_, i) => ({ labels: seriesLabels('m', { id: String(i) }), samples: [{ value: 0, timestampMs: 1 }] }));
  encodeWriteRequest(many);
  const second = new SnappyRequestEncoder(shared);
  expect(pairIdCount()).toBeLessThan(1_000);
  expect(snappyUncompress(first.finish()).equals(encodeWriteRequestProto(shared))).toBe(true);
  expect(snappyUncompress(second.finish()).equals(encodeWriteRequestProto(shared))).toBe(true);
});
