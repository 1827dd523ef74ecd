/**
 * The bounded in-memory buffer between collection/scraping and the remote-write sender.
 *
 * Samples live in a ring of typed arrays, 16 bytes a sample, so the documented capacity costs a
 * predictable amount of memory: the series id with the staleness flag in its top bit (4 bytes), the
 * value (8) and the timestamp as milliseconds from a base (4: ±24 days around it). A timestamp out
 * of that range is kept exactly beside the ring, so no sample is ever changed to fit. Label sets are
 * interned once per series. When the ring is full the OLDEST sample is dropped to make room (newest data is worth more to
 * dashboards and alerts), and every drop is counted by the caller's `onDrop`.
 *
 * The queue also keeps per-series order: a sample whose timestamp is not newer than the last one queued
 * for its series is refused (Prometheus answers 400 to the whole request for an out-of-order or
 * duplicate sample, which would lose the good samples beside it).
 */
import { LabelPair, WireSample, WireSeries, seriesKey } from './series';

interface SeriesEntry {
  readonly id: number;
  readonly key: string;
  readonly labels: readonly LabelPair[];
  /** Samples of this series currently in the ring. */
  refs: number;
  /** Timestamp of the newest sample ever queued for the series. */
  lastTimestampMs: number;
  /** A staleness marker was queued last: the entry is forgotten once its samples have left the ring. */
  ended: boolean;
}

/** A contiguous run of the oldest queued samples, grouped per series in timestamp order. */
export interface QueueBatch {
  readonly series: readonly WireSeries[];
  readonly sampleCount: number;
  /** Sequence number just past the batch's last sample; `commit` removes everything before it. */
  readonly endSeq: number;
}

export type EnqueueResult = 'queued' | 'out_of_order';

/** Added to a slot's series id when the sample is a staleness marker (ids stay below it). */
const STALE_BIT = 2 ** 31;
/** Slot timestamps are stored as `timestamp - base + TIMESTAMP_BIAS` in a Uint32. */
const TIMESTAMP_BIAS = 2 ** 31;
/** A slot timestamp with this value is out of range: the exact one is in `farTimestamps`. */
const FAR_TIMESTAMP = 2 ** 32 - 1;

export class SampleQueue {
  private readonly seriesIds: Uint32Array;
  private readonly values: Float64Array;
  private readonly timestamps: Uint32Array;
  /** Timestamps that do not fit a slot, by slot. */
  private readonly farTimestamps = new Map<number, number>();
  /** Timestamps are stored relative to this; chosen by the first sample into an empty queue. */
  private timestampBase = 0;
  private readonly seriesByKey = new Map<string, SeriesEntry>();
  private readonly seriesById = new Map<number, SeriesEntry>();
  private readonly freeIds: number[] = [];
  private nextId = 0;
  /** Sequence number of the oldest queued sample and one past the newest. */
  private headSeq = 0;
  private tailSeq = 0;

  constructor(readonly capacity: number, private readonly onDrop: (count: number) => void = () => {}) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`queue capacity must be a positive integer, got ${capacity}`);
    }
    this.seriesIds = new Uint32Array(capacity);
    this.values = new Float64Array(capacity);
    this.timestamps = new Uint32Array(capacity);
  }

  get length(): number {
    return this.tailSeq - this.headSeq;
  }

  /** Number of distinct series the queue currently remembers (queued or still live). */
  get seriesCount(): number {
    return this.seriesByKey.size;
  }

  /**
   * Queues one sample. `labels` must come from `seriesLabels` (sorted, with `__name__`).
   * A staleness marker must use `stale: true`; it is placed after the series' last sample.
   * `key` is `seriesKey(labels)` when the caller already has it (it is the costly part of a push).
   */
  push(labels: readonly LabelPair[], sample: WireSample, key: string = seriesKey(labels)): EnqueueResult {
    let entry = this.seriesByKey.get(key);
    let timestampMs = Math.trunc(sample.timestampMs);
    if (entry && timestampMs <= entry.lastTimestampMs) {
      if (!sample.stale) return 'out_of_order';
      // A marker must still end the series: put it one millisecond after the last sample.
      timestampMs = entry.lastTimestampMs + 1;
    }
    if (!entry) {
      if (sample.stale) return 'queued'; // Never sent, nothing to end.
      entry = this.intern(key, labels);
    }
    if (this.length === this.capacity) {
      this.dropOldest();
    }
    if (this.length === 0) this.timestampBase = timestampMs;
    const slot = this.tailSeq % this.capacity;
    this.seriesIds[slot] = sample.stale ? entry.id + STALE_BIT : entry.id;
    this.values[slot] = sample.stale ? 0 : sample.value;
    this.storeTimestamp(slot, timestampMs);
    this.tailSeq++;
    entry.refs++;
    entry.lastTimestampMs = timestampMs;
    entry.ended = sample.stale === true;
    return 'queued';
  }

  /** The oldest `maxSamples` samples, without removing them (they stay until `commit`). */
  peekBatch(maxSamples: number): QueueBatch {
    const count = Math.min(maxSamples, this.length);
    const bySeries = new Map<number, { labels: readonly LabelPair[]; samples: WireSample[] }>();
    for (let seq = this.headSeq; seq < this.headSeq + count; seq++) {
      const slot = seq % this.capacity;
      const stale = this.seriesIds[slot] >= STALE_BIT;
      const id = stale ? this.seriesIds[slot] - STALE_BIT : this.seriesIds[slot];
      let group = bySeries.get(id);
      if (!group) {
        group = { labels: this.seriesById.get(id)!.labels, samples: [] };
        bySeries.set(id, group);
      }
      const timestampMs = this.timestampAt(slot);
      group.samples.push(stale ? { value: NaN, timestampMs, stale: true } : { value: this.values[slot], timestampMs });
    }
    return { series: [...bySeries.values()], sampleCount: count, endSeq: this.headSeq + count };
  }

  /**
   * Removes a batch returned by `peekBatch` after it was delivered or permanently refused. Samples of
   * the batch that were already dropped while it was in flight are not removed twice.
   */
  commit(batch: QueueBatch): void {
    while (this.headSeq < batch.endSeq && this.headSeq < this.tailSeq) {
      this.removeHead();
    }
    if (this.length === 0) {
      // Start again at the first slot: while deliveries keep up, the queue then only ever touches
      // its first pages, instead of walking the whole ring and making all of it resident memory
      // (the default capacity is about 10 MiB of arrays). No batch is in flight here.
      this.headSeq = 0;
      this.tailSeq = 0;
    }
  }

  private dropOldest(): void {
    this.removeHead();
    this.onDrop(1);
  }

  private storeTimestamp(slot: number, timestampMs: number): void {
    const stored = timestampMs - this.timestampBase + TIMESTAMP_BIAS;
    if (stored >= 0 && stored < FAR_TIMESTAMP) {
      this.timestamps[slot] = stored;
    } else {
      this.timestamps[slot] = FAR_TIMESTAMP;
      this.farTimestamps.set(slot, timestampMs);
    }
  }

  private timestampAt(slot: number): number {
    const stored = this.timestamps[slot];
    return stored === FAR_TIMESTAMP ? this.farTimestamps.get(slot)! : stored + this.timestampBase - TIMESTAMP_BIAS;
  }

  private removeHead(): void {
    const slot = this.headSeq % this.capacity;
    const id = this.seriesIds[slot] >= STALE_BIT ? this.seriesIds[slot] - STALE_BIT : this.seriesIds[slot];
    const entry = this.seriesById.get(id)!;
    if (this.timestamps[slot] === FAR_TIMESTAMP) this.farTimestamps.delete(slot);
    this.headSeq++;
    entry.refs--;
    if (entry.refs === 0 && entry.ended) {
      this.seriesByKey.delete(entry.key);
      this.seriesById.delete(entry.id);
      this.freeIds.push(entry.id);
    }
  }

  private intern(key: string, labels: readonly LabelPair[]): SeriesEntry {
    const id = this.freeIds.pop() ?? this.nextId++;
    // Never reached in practice (ids are reused; live series are far fewer), but the top bit is the flag.
    if (id >= STALE_BIT) throw new Error('remote-write queue: more than 2^31 series');
    const entry: SeriesEntry = { id, key, labels, refs: 0, lastTimestampMs: -Infinity, ended: false };
    this.seriesByKey.set(key, entry);
    this.seriesById.set(id, entry);
    return entry;
  }
}
