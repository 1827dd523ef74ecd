/**
 * The Remote-Write 1.0 request body: a protobuf `WriteRequest` (prometheus/prompb types.proto and
 * remote.proto), compressed with snappy's BLOCK format (not the framed/stream format, which receivers
 * reject). This file writes the protobuf's parts; snappy-request.ts writes the body on the wire from
 * them, already compressed, and `snappyUncompress` reads a body back (tests).
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
import type { LabelPair, WireSample, WireSeries } from './series';

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

/** Size of one Label message. */
function labelSize(nameBytes: number, valueBytes: number): number {
  return 1 + varintSize(nameBytes) + nameBytes + 1 + varintSize(valueBytes) + valueBytes;
}

/** Size of one Sample message (without its key and length). */
export function sampleSize(sample: WireSample): number {
  return 1 + 8 + 1 + varintSize(Math.trunc(sample.timestampMs));
}

/** Size of one TimeSeries message (without its key and length). */
export function seriesSize(labels: EncodedLabels, samples: readonly WireSample[]): number {
  let size = labels.bytes.length;
  for (const sample of samples) size += 2 + sampleSize(sample);
  return size;
}

class Writer {
  offset = 0;
  constructor(public buf: Buffer) {}
  reset(buf: Buffer, offset: number): void { this.buf = buf; this.offset = offset; }
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

/**
 * A label set's encoded `Label` fields, and where each pair ends in them with the pair's id (see
 * `pairId`): the compressed request (snappy-request.ts) finds a pair already written earlier in the
 * same request by its id and copies it instead of writing it again.
 */
export interface EncodedLabels {
  readonly bytes: Buffer;
  /** [pair id, end offset in `bytes`] for each pair, in order. */
  readonly pairs: Int32Array;
  /** `pairIds.generation` the ids were taken in: ids of another generation mean nothing now. */
  readonly generation: number;
}

/**
 * The encoded labels of each label set sent, kept while the label set itself lives. The queue
 * interns one label array per series and the sources reuse it across collections, so a series' labels
 * (~20 pairs, nearly all of a request's bytes) are encoded once, not once per request: label encoding
 * was most of a request's CPU. Label arrays are never modified (`LabelPair[]` is readonly).
 */
const labelBytesCache = new WeakMap<readonly LabelPair[], EncodedLabels>();

/**
 * Small integer ids of the distinct label pairs, so that a request can remember where it wrote each
 * pair in a typed array instead of a string-keyed map. Pairs come and go with series, so the table is
 * started afresh (a new generation) when it grows past `PAIR_ID_LIMIT`, between requests only.
 */
const PAIR_ID_LIMIT = 65_536;
const pairIds = { byKey: new Map<string, number>(), generation: 0 };

/** Starts a new id generation when the table is over its limit; returns the generation to encode with. */
export function pairIdGeneration(): number {
  if (pairIds.byKey.size > PAIR_ID_LIMIT) {
    pairIds.byKey = new Map();
    pairIds.generation++;
  }
  return pairIds.generation;
}

/** Number of ids handed out in the current generation (ids are below it). */
export function pairIdCount(): number {
  return pairIds.byKey.size;
}

function pairId(name: string, value: string): number {
  // The name's length first: the key then names exactly one pair, whatever characters both hold.
  const key = `${name.length}:${name}${value}`;
  let id = pairIds.byKey.get(key);
  if (id === undefined) {
    id = pairIds.byKey.size;
    pairIds.byKey.set(key, id);
  }
  return id;
}

export function encodedLabels(labels: readonly LabelPair[]): EncodedLabels {
  let encoded = labelBytesCache.get(labels);
  if (encoded === undefined || encoded.generation !== pairIds.generation) {
    encoded = encodeLabels(labels, encoded?.bytes);
    labelBytesCache.set(labels, encoded);
  }
  return encoded;
}

/** `bytes` are the label set's bytes from an earlier generation: only the pair ids are taken again. */
function encodeLabels(labels: readonly LabelPair[], bytes?: Buffer): EncodedLabels {
  const lengths: number[] = [];
  let total = 0;
  for (const [name, value] of labels) {
    const n = Buffer.byteLength(name);
    const v = Buffer.byteLength(value);
    const l = labelSize(n, v);
    lengths.push(n, v, l);
    total += 1 + varintSize(l) + l;
  }
  const out = new Writer(bytes ?? Buffer.allocUnsafe(total));
  const pairs = new Int32Array(labels.length * 2);
  let k = 0;
  for (const [name, value] of labels) {
    const size = 1 + varintSize(lengths[k + 2]) + lengths[k + 2];
    if (bytes === undefined) {
      out.byte(KEY_LEN_1);
      out.varint(lengths[k + 2]);
      out.string(KEY_LEN_1, name, lengths[k]);
      out.string(KEY_LEN_2, value, lengths[k + 1]);
    } else {
      out.offset += size;
    }
    pairs[(k / 3) * 2] = pairId(name, value);
    pairs[(k / 3) * 2 + 1] = out.offset;
    k += 3;
  }
  return { bytes: out.buf, pairs, generation: pairIds.generation };
}

/**
 * Writes one sample's `samples` field (key, length, Sample message) at `at` in `buf`; returns the end.
 * `buf` needs 2 + sampleSize(sample) bytes there (at most 22).
 */
export function writeSampleFields(buf: Buffer, at: number, sample: WireSample): number {
  const out = sampleWriter;
  out.reset(buf, at);
  out.byte(KEY_LEN_2);
  out.varint(sampleSize(sample));
  out.double(sample);
  out.byte(KEY_VARINT_2);
  out.varint(Math.trunc(sample.timestampMs));
  return out.offset;
}

/** One writer for every sample: a sample is written synchronously, and a writer per sample was garbage. */
const sampleWriter = new Writer(Buffer.alloc(0));

/** The uncompressed protobuf bytes of a WriteRequest (tests; the wire form is snappy-request.ts'). */
export function encodeWriteRequestProto(series: readonly WireSeries[]): Buffer {
  // First pass: every message size, so the request is written into one buffer of exactly its size.
  const seriesSizes: number[] = [];
  let total = 0;
  for (const s of series) {
    const size = seriesSize(encodedLabels(s.labels), s.samples);
    seriesSizes.push(size);
    total += 1 + varintSize(size) + size;
  }
  const out = new Writer(Buffer.allocUnsafe(total));
  for (let i = 0; i < series.length; i++) {
    const s = series[i];
    out.byte(KEY_LEN_1);
    out.varint(seriesSizes[i]);
    const labels = encodedLabels(s.labels).bytes;
    out.buf.set(labels, out.offset);
    out.offset += labels.length;
    for (const sample of s.samples) out.offset = writeSampleFields(out.buf, out.offset, sample);
  }
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
