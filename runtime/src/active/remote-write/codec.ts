/**
 * The Remote-Write 1.0 request body: a protobuf `WriteRequest` (prometheus/prompb types.proto and
 * remote.proto), compressed with snappy's BLOCK format (not the framed/stream format, which receivers
 * reject).
 *
 * The protobuf is written by hand, as VictoriaMetrics' lib/prompb does, instead of through a protobuf
 * library: the message has four fields that matter, and protobufjs cost about 8 MiB of resident memory
 * in a process whose whole budget is a few dozen. Writing the sample value as eight raw little-endian
 * bytes also keeps the staleness marker exact: JavaScript engines may canonicalise a NaN payload when
 * a double is copied, and the marker is only a marker while its bits are exactly 0x7ff0000000000002.
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }
 */
import type { WireSample, WireSeries } from './series';

/** Float64 bit pattern Prometheus uses for a staleness marker (value.StaleNaN), as two 32-bit halves. */
export const STALE_NAN_HIGH_BITS = 0x7ff00000;
export const STALE_NAN_LOW_BITS = 0x00000002;

// Field keys: (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited).
const KEY_LEN_1 = 0x0a;
const KEY_LEN_2 = 0x12;
const KEY_FIXED64_1 = 0x09;
const KEY_VARINT_2 = 0x10;

/** Bytes of `value` as a varint; int64 negatives take ten bytes (two's complement). */
function varintSize(value: number): number {
  if (value < 0) return 10;
  let size = 1;
  while (value >= 0x80) { value = Math.floor(value / 0x80); size++; }
  return size;
}

/** Size of one Label message; pushes the name's and the value's byte lengths for the writing pass. */
function labelSize(name: string, value: string, lengths: number[]): number {
  const n = Buffer.byteLength(name);
  const v = Buffer.byteLength(value);
  lengths.push(n, v);
  return 1 + varintSize(n) + n + 1 + varintSize(v) + v;
}

function sampleSize(sample: WireSample): number {
  return 1 + 8 + 1 + varintSize(Math.trunc(sample.timestampMs));
}

class Writer {
  offset = 0;
  constructor(readonly buf: Buffer) {}
  byte(b: number): void { this.buf[this.offset++] = b; }
  varint(value: number): void {
    if (value < 0) {
      // int64 negative: its 64-bit two's complement, written with BigInt (rare, never on the hot path).
      let big = BigInt.asUintN(64, BigInt(value));
      for (let i = 0; i < 9; i++) { this.byte(Number(big % 0x80n) + 0x80); big /= 0x80n; }
      this.byte(Number(big));
      return;
    }
    while (value >= 0x80) { this.byte((value % 0x80) + 0x80); value = Math.floor(value / 0x80); }
    this.byte(value);
  }
  string(key: number, text: string, byteLength: number): void {
    this.byte(key);
    this.varint(byteLength);
    this.offset += this.buf.write(text, this.offset, byteLength, 'utf8');
  }
  double(sample: WireSample): void {
    this.byte(KEY_FIXED64_1);
    if (sample.stale) {
      this.buf.writeUInt32LE(STALE_NAN_LOW_BITS, this.offset);
      this.buf.writeUInt32LE(STALE_NAN_HIGH_BITS, this.offset + 4);
    } else {
      this.buf.writeDoubleLE(sample.value, this.offset);
    }
    this.offset += 8;
  }
}

/** The uncompressed protobuf bytes of a WriteRequest (exposed for tests and size accounting). */
export function encodeWriteRequestProto(series: readonly WireSeries[]): Buffer {
  // First pass: every length prefix (byte lengths of strings, sizes of messages), in writing order.
  const lengths: number[] = [];
  const seriesSizes: number[] = [];
  let total = 0;
  for (const s of series) {
    let size = 0;
    for (const [name, value] of s.labels) {
      const l = labelSize(name, value, lengths);
      size += 1 + varintSize(l) + l;
      lengths.push(l);
    }
    for (const sample of s.samples) size += 2 + sampleSize(sample);
    seriesSizes.push(size);
    total += 1 + varintSize(size) + size;
  }
  // Second pass: write into one buffer of exactly the computed size.
  const out = new Writer(Buffer.allocUnsafe(total));
  let k = 0;
  series.forEach((s, i) => {
    out.byte(KEY_LEN_1);
    out.varint(seriesSizes[i]);
    for (const [name, value] of s.labels) {
      const [n, v, l] = [lengths[k], lengths[k + 1], lengths[k + 2]];
      k += 3;
      out.byte(KEY_LEN_1);
      out.varint(l);
      out.string(KEY_LEN_1, name, n);
      out.string(KEY_LEN_2, value, v);
    }
    for (const sample of s.samples) {
      out.byte(KEY_LEN_2);
      out.varint(sampleSize(sample));
      out.double(sample);
      out.byte(KEY_VARINT_2);
      out.varint(Math.trunc(sample.timestampMs));
    }
  });
  return out.buf;
}

/** Typed access to snappyjs (which ships no declarations); both functions use the BLOCK format. */
interface SnappyJs {
  compress(input: Uint8Array): Uint8Array;
  uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappyjs = require('snappyjs') as SnappyJs;

export function snappyCompress(input: Uint8Array): Buffer {
  const out = snappyjs.compress(input);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

export function snappyUncompress(input: Uint8Array, maxLength?: number): Buffer {
  const out = snappyjs.uncompress(input, maxLength);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** The HTTP body of a remote-write request: snappy block-compressed protobuf. */
export function encodeWriteRequest(series: readonly WireSeries[]): Buffer {
  return snappyCompress(encodeWriteRequestProto(series));
}
