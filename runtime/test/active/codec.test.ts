/**
 * The hand-written WriteRequest encoder against an independent decoder (protobufjs, from the spec's
 * message definitions): any labels, any float64 (NaN payloads, infinities, -0) and any int64
 * millisecond timestamp come back exactly, and the snappy body is the block format.
 */
import * as fc from 'fast-check';
import { WriteRequest, WriteRequestBits } from './write-request-schema';
import { encodeWriteRequestProto, snappyUncompress } from '../../src/active/remote-write/codec';
import type { LabelPair, WireSeries } from '../../src/active/remote-write/series';
import { encodeWriteRequest } from '../../src/active/remote-write/snappy-request';

interface LongLike { low: number; high: number; unsigned?: boolean }
const toBigInt = (v: LongLike | number, signed: boolean): bigint => {
  if (typeof v === 'number') return BigInt(v);
  const raw = (BigInt(v.high >>> 0) << 32n) + BigInt(v.low >>> 0); // eslint-disable-line no-bitwise
  return signed ? BigInt.asIntN(64, raw) : raw;
};
const bitsOf = (value: number): bigint => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value);
  return b.readBigUInt64LE();
};

const series = fc.array(fc.record({
  labels: fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.fullUnicodeString({ maxLength: 40 })), { maxLength: 6 }),
  samples: fc.array(fc.record({
    value: fc.double(),
    timestampMs: fc.oneof(fc.integer({ min: -1e12, max: 4e12 }), fc.constant(0), fc.constant(Number.MAX_SAFE_INTEGER)),
    stale: fc.boolean(),
  }), { maxLength: 5 }),
}), { maxLength: 6 }) as fc.Arbitrary<WireSeries[]>;

test('any series decode back exactly with an independent protobuf decoder', () => {
  fc.assert(fc.property(series, (input) => {
    const decoded = WriteRequestBits.decode(encodeWriteRequestProto(input)) as unknown as {
      timeseries: Array<{ labels: Array<{ name: string; value: string }>; samples: Array<{ value: LongLike; timestamp: LongLike | number }> }>;
    };
    expect(decoded.timeseries).toHaveLength(input.length);
    input.forEach((s, i) => {
      const got = decoded.timeseries[i];
      expect(got.labels.map((l) => [l.name, l.value])).toEqual(s.labels.map(([n, v]: LabelPair) => [n, Buffer.from(v).toString()]));
      expect(got.samples.map((x) => [toBigInt(x.value, false), toBigInt(x.timestamp, true)]))
        .toEqual(s.samples.map((x) => [x.stale ? 0x7ff0000000000002n : bitsOf(x.value), BigInt(Math.trunc(x.timestampMs))]));
    });
  }), { seed: 7, numRuns: 500 });
});

test('the snappy body decodes to the same message as the spec schema reads it', () => {
  const labels: LabelPair[] = [['__name__', 'm'], ['container', 'ä-日本']];
  const body = encodeWriteRequest([{ labels, samples: [{ value: -0.5, timestampMs: 1_767_225_600_000 }] }]);
  const message = WriteRequest.toObject(WriteRequest.decode(snappyUncompress(body)), { longs: Number }) as any;
  expect(message).toEqual({ timeseries: [{ labels: [{ name: '__name__', value: 'm' }, { name: 'container', value: 'ä-日本' }], samples: [{ value: -0.5, timestamp: 1_767_225_600_000 }] }] });
});
