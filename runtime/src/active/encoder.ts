/**
 * Encodes a batch of series as a Remote-Write 1.0 request body: protobuf `WriteRequest`, then snappy
 * block compression (not the framed/stream format, which receivers reject).
 */
import { WriteRequestBits } from './remote-write-schema';
import { WireSeries } from './series';
import { snappyCompress } from './snappy';

/** Float64 bit pattern Prometheus uses for a staleness marker (value.StaleNaN). */
export const STALE_NAN_HIGH_BITS = 0x7ff00000;
export const STALE_NAN_LOW_BITS = 0x00000002;

const scratch = Buffer.alloc(8);

/** The 64-bit pattern of a sample value, split in the {low, high} halves protobufjs takes for fixed64. */
function valueBits(value: number, stale: boolean | undefined): { low: number; high: number; unsigned: boolean } {
  if (stale) {
    return { low: STALE_NAN_LOW_BITS, high: STALE_NAN_HIGH_BITS, unsigned: true };
  }
  scratch.writeDoubleLE(value, 0);
  return { low: scratch.readUInt32LE(0), high: scratch.readUInt32LE(4), unsigned: true };
}

/** The uncompressed protobuf bytes of a WriteRequest (exposed for tests and size accounting). */
export function encodeWriteRequestProto(series: readonly WireSeries[]): Uint8Array {
  const message = {
    timeseries: series.map((s) => ({
      labels: s.labels.map(([name, value]) => ({ name, value })),
      samples: s.samples.map((sample) => ({
        value: valueBits(sample.value, sample.stale),
        timestamp: Math.trunc(sample.timestampMs),
      })),
    })),
  };
  return WriteRequestBits.encode(message).finish();
}

/** The HTTP body of a remote-write request: snappy block-compressed protobuf. */
export function encodeWriteRequest(series: readonly WireSeries[]): Buffer {
  const proto = encodeWriteRequestProto(series);
  return snappyCompress(proto);
}
