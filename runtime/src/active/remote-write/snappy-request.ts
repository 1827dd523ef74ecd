/**
 * The remote-write body written straight as a snappy block, without building the protobuf first and
 * without a general-purpose compressor. The image runs V8 without its optimizing tiers, and there
 * snappyjs cost ~15 ms of the ~22 ms a 1,000-series request took to encode: it hashes every four
 * bytes of ~700 KB of protobuf to find repeats that this writer already knows. Nearly all of a
 * request's bytes are label pairs, and nearly every pair (the target labels, the metric name, the
 * container) was already written by an earlier series of the same request: such a pair is written as
 * a snappy copy of its earlier bytes, found by the pair's id (codec.ts), and neighbouring pairs copied
 * from the same distance merge into one copy. The uncompressed bytes are exactly
 * `encodeWriteRequestProto(series)`; only the compressed form differs from snappyjs'.
 *
 * Snappy block format (github.com/google/snappy format_description.txt): the uncompressed length as a
 * varint, then elements: a literal (tag low bits 00, length-1 in the tag or in 1-2 bytes after it)
 * or a copy with a two-byte offset (tag low bits 10, length-1 in the tag's upper six bits: 1-64 bytes).
 */
/* eslint-disable no-bitwise -- snappy's element tags are bit fields: shifts and masks say what they are */
import { encodedLabels, pairIdCount, pairIdGeneration, seriesSize, writeSampleFields, type EncodedLabels } from './codec';
import type { WireSample, WireSeries } from './series';

const MAX_COPY_LENGTH = 64;
/** A copy reaches back at most this far with a two-byte offset. */
const MAX_COPY_DISTANCE = 0xffff;
/** Literal runs are kept within the three-byte tag form (length-1 in two bytes). */
const MAX_LITERAL_LENGTH = 0x10000;
/** Bytes reserved for a literal's tag while its length is not known yet. */
const LITERAL_TAG_RESERVE = 3;
const KEY_LEN_1 = 0x0a;
/** Offset of the timestamp field in a sample's bytes (codec.ts `writeSampleFields`). */
const TIMESTAMP_FIELD_AT = 11;
const SMALL_LITERAL = 24;

/** Writes snappy elements into one buffer sized for the worst case of what this file emits. */
class SnappyBlockWriter {
  readonly out: Buffer;
  pos = 0;
  /** Bytes of the uncompressed stream described so far. */
  uncompressed = 0;
  /** Output offset of the open literal's reserved tag, or -1. */
  private literalAt = -1;
  private copyDistance = 0;
  private copyLength = 0;

  constructor(readonly uncompressedLength: number) {
    // Worst case: a 1-byte literal (3-byte tag reserved while it is open) between copy chunks of at
    // least 4 bytes (3 bytes each) is 1.4 output bytes per byte described; plus one tag per 64 KiB
    // literal split and the length varint.
    this.out = Buffer.allocUnsafe(uncompressedLength * 2 + 16);
    this.varintRaw(uncompressedLength);
  }

  /** Room for `count` more literal bytes in the open literal (opening or splitting it as needed). */
  literalRoom(count: number): void {
    if (this.literalAt >= 0 && this.pos - this.literalAt - LITERAL_TAG_RESERVE + count > MAX_LITERAL_LENGTH) this.closeLiteral();
    if (this.literalAt < 0) {
      this.flushCopy();
      this.literalAt = this.pos;
      this.pos += LITERAL_TAG_RESERVE;
    }
  }

  /** Literal bytes (any length). */
  literal(bytes: Uint8Array, start: number, end: number): void {
    while (start < end) {
      this.literalRoom(1);
      const room = MAX_LITERAL_LENGTH - (this.pos - this.literalAt - LITERAL_TAG_RESERVE);
      const chunkEnd = Math.min(end, start + room);
      if (chunkEnd - start <= SMALL_LITERAL) {
        // A call into native code costs more than the copy for the few bytes of a sample or header.
        const out = this.out;
        for (let i = start, o = this.pos; i < chunkEnd; i++, o++) out[o] = bytes[i];
      } else {
        this.out.set(bytes.subarray(start, chunkEnd), this.pos);
      }
      this.pos += chunkEnd - start;
      this.uncompressed += chunkEnd - start;
      start = chunkEnd;
    }
  }

  /** A copy of `length` bytes written `distance` bytes back; merges with the copy before it when contiguous. */
  copy(distance: number, length: number): void {
    this.closeLiteral();
    if (this.copyLength > 0 && this.copyDistance !== distance) this.flushCopy();
    this.copyDistance = distance;
    this.copyLength += length;
    this.uncompressed += length;
  }

  finish(): Buffer {
    this.closeLiteral();
    this.flushCopy();
    if (this.uncompressed !== this.uncompressedLength) {
      throw new Error(`snappy request: described ${this.uncompressed} bytes, announced ${this.uncompressedLength}`);
    }
    // The exact bytes, so the worst-case buffer is garbage at once and a retried body holds no slack.
    return Buffer.from(this.out.subarray(0, this.pos));
  }

  private closeLiteral(): void {
    if (this.literalAt < 0) return;
    const length = this.pos - this.literalAt - LITERAL_TAG_RESERVE;
    const tagSize = length <= 60 ? 1 : length <= 0x100 ? 2 : 3;
    if (tagSize < LITERAL_TAG_RESERVE) {
      this.out.copyWithin(this.literalAt + tagSize, this.literalAt + LITERAL_TAG_RESERVE, this.pos);
      this.pos -= LITERAL_TAG_RESERVE - tagSize;
    }
    const out = this.out;
    const at = this.literalAt;
    if (tagSize === 1) {
      out[at] = (length - 1) << 2;
    } else if (tagSize === 2) {
      out[at] = 60 << 2;
      out[at + 1] = length - 1;
    } else {
      out[at] = 61 << 2;
      out.writeUInt16LE(length - 1, at + 1);
    }
    this.literalAt = -1;
  }

  private flushCopy(): void {
    let left = this.copyLength;
    while (left > 0) {
      // Chunks of 64, but never a last chunk under 4 bytes (the output bound above counts on it).
      const chunk = left > MAX_COPY_LENGTH ? (left - MAX_COPY_LENGTH < 4 ? MAX_COPY_LENGTH - 4 : MAX_COPY_LENGTH) : left;
      const out = this.out;
      out[this.pos] = ((chunk - 1) << 2) | 0x02;
      out[this.pos + 1] = this.copyDistance & 0xff;
      out[this.pos + 2] = this.copyDistance >>> 8;
      this.pos += 3;
      left -= chunk;
    }
    this.copyLength = 0;
  }

  private varintRaw(value: number): void {
    while (value >= 0x80) {
      this.out[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.out[this.pos++] = value;
  }
}

/**
 * One request being written: series go in with `write`, in order, then `finish` returns the body.
 * Between `write` calls the caller may yield to the event loop (the writer does, per slice of series).
 */
export class SnappyRequestEncoder {
  private block: SnappyBlockWriter | undefined;
  private readonly sizes: number[] = [];
  /** Each series' encoded labels, looked up once (a WeakMap lookup per series costs on the interpreter). */
  private readonly labels: EncodedLabels[] = [];
  private readonly generation: number;
  /** Uncompressed offset where each pair id was last written, plus one (0: not in this request yet). */
  private pairAt = new Int32Array(0);
  private readonly scratch = Buffer.allocUnsafe(32);
  /** The last timestamp field written (its bytes and uncompressed offset; 0: none yet). */
  private lastTimestampField: Buffer = Buffer.alloc(0);
  private lastTimestampAt = 0;
  private measured = 0;
  private total = 0;
  private next = 0;

  constructor(private readonly series: readonly WireSeries[]) {
    this.generation = pairIdGeneration();
  }

  get done(): boolean {
    return this.measured >= this.series.length && this.next >= this.series.length;
  }

  /**
   * Does up to `count` series of work: every series is measured first (the body starts with the total
   * length), then written. Both passes are sliced, so no call is longer than `count` series.
   */
  write(count: number): void {
    let left = count;
    for (; left > 0 && this.measured < this.series.length; left--) this.measure(this.measured++);
    if (this.measured < this.series.length) return;
    this.block ??= this.startBlock();
    const end = Math.min(this.series.length, this.next + left);
    for (; this.next < end; this.next++) this.writeSeries(this.series[this.next].samples, this.labels[this.next], this.sizes[this.next]);
  }

  finish(): Buffer {
    this.write(Infinity);
    return this.block!.finish();
  }

  private measure(index: number): void {
    const s = this.series[index];
    const labels = encodedLabels(s.labels);
    const size = seriesSize(labels, s.samples);
    this.labels.push(labels);
    this.sizes.push(size);
    this.total += 1 + varintBytes(size) + size;
  }

  private startBlock(): SnappyBlockWriter {
    // Every pair of the request has its id now; ids at or past the table's size (a request that
    // started meanwhile renewed it) are written as literals.
    this.pairAt = new Int32Array(pairIdCount());
    return new SnappyBlockWriter(this.total);
  }

  private writeSeries(samples: readonly WireSample[], labels: EncodedLabels, size: number): void {
    const block = this.block!;
    let n = 0;
    this.scratch[n++] = KEY_LEN_1;
    n = varintInto(this.scratch, n, size);
    block.literal(this.scratch, 0, n);
    this.writeLabels(labels);
    // Index loops, not for-of: this runs per sample on V8's interpreter, where iterators cost.
    for (let i = 0; i < samples.length; i++) this.writeSample(samples[i]);
  }

  /**
   * A sample's fields: tag, length and value as literal bytes; the timestamp field, which every
   * sample of a collection shares, as a copy of the last one written when it is the same bytes
   * (3 bytes instead of 7).
   */
  private writeSample(sample: WireSample): void {
    const block = this.block!;
    const scratch = this.scratch;
    const end = writeSampleFields(scratch, 0, sample);
    // Tag, length (one byte: a sample is under 128 bytes), then the value's tag and 8 bytes.
    block.literal(scratch, 0, TIMESTAMP_FIELD_AT);
    const length = end - TIMESTAMP_FIELD_AT;
    const here = block.uncompressed;
    const last = this.lastTimestampField;
    let same = this.lastTimestampAt > 0 && length === last.length && here - this.lastTimestampAt <= MAX_COPY_DISTANCE;
    for (let i = 0; same && i < length; i++) same = scratch[TIMESTAMP_FIELD_AT + i] === last[i];
    // Copies under 4 bytes would break the output bound the block writer is sized for.
    if (same && length >= 4) {
      block.copy(here - this.lastTimestampAt, length);
    } else {
      block.literal(scratch, TIMESTAMP_FIELD_AT, end);
      this.lastTimestampField = Buffer.from(scratch.subarray(TIMESTAMP_FIELD_AT, end));
    }
    // The bytes just described are the same either way: the next copy reaches back to them.
    this.lastTimestampAt = here;
  }

  /**
   * Each pair as a copy of where this request last wrote it, when that is within reach, else as
   * literal bytes. Consecutive pairs copied from the same distance are one copy: they were written
   * side by side before (the series share a run of labels).
   */
  private writeLabels(labels: EncodedLabels): void {
    const { pairs, bytes } = labels;
    const pairAt = this.pairAt;
    const block = this.block!;
    // Ids of another generation (a request that started meanwhile renewed the table) are unknown here.
    const known = labels.generation === this.generation;
    let at = block.uncompressed;
    let start = 0;
    let copyDistance = 0;
    let copyLength = 0;
    for (let i = 0; i < pairs.length; i += 2) {
      const id = pairs[i];
      const end = pairs[i + 1];
      const usable = known && id < pairAt.length;
      const distance = usable && pairAt[id] > 0 ? at + 1 - pairAt[id] : 0;
      if (distance > 0 && distance <= MAX_COPY_DISTANCE) {
        if (copyLength > 0 && distance !== copyDistance) {
          block.copy(copyDistance, copyLength);
          copyLength = 0;
        }
        copyDistance = distance;
        copyLength += end - start;
      } else {
        if (copyLength > 0) block.copy(copyDistance, copyLength);
        copyLength = 0;
        block.literal(bytes, start, end);
      }
      if (usable) pairAt[id] = at + 1;
      at += end - start;
      start = end;
    }
    if (copyLength > 0) block.copy(copyDistance, copyLength);
  }
}

function varintBytes(value: number): number {
  let size = 1;
  while (value >= 0x80) { value = Math.floor(value / 0x80); size++; }
  return size;
}

function varintInto(buf: Buffer, at: number, value: number): number {
  while (value >= 0x80) { buf[at++] = (value % 0x80) + 0x80; value = Math.floor(value / 0x80); }
  buf[at++] = value;
  return at;
}

/** The snappy-compressed WriteRequest of `series` in one go (tests, small requests). */
export function encodeWriteRequest(series: readonly WireSeries[]): Buffer {
  return new SnappyRequestEncoder(series).finish();
}
