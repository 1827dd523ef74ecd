/**
 * What was sent, and what vanished: a source (the sidecar's own series, one scrape target) reports
 * the series of each round; a series sent before but absent now ends with a staleness marker, and
 * `endAll` ends every series still live (the target went away, the task is stopping).
 */
import { seriesKey, type LabelPair, type WireSample } from './sender';

/** One sample on its way to the queue; `key` is `seriesKey(labels)`. */
export interface OutgoingSample {
  readonly labels: readonly LabelPair[];
  readonly sample: WireSample;
  readonly key: string;
}

export type SampleSink = (outgoing: OutgoingSample) => void;

export class SeriesTracker {
  private live = new Map<string, readonly LabelPair[]>();
  private round = new Map<string, readonly LabelPair[]>();

  /** Adds a sample to the current round; false when the round already has the series (the first one wins). */
  add(labels: readonly LabelPair[], sample: WireSample, out: SampleSink, key = seriesKey(labels)): boolean {
    if (this.round.has(key)) return false;
    this.round.set(key, labels);
    out({ labels, sample, key });
    return true;
  }

  /** Ends the round: every live series the round did not report gets a staleness marker at `atMs`. */
  endRound(atMs: number, out: SampleSink): void {
    for (const [key, labels] of this.live) {
      if (!this.round.has(key)) out({ labels, sample: stale(atMs), key });
    }
    this.live = this.round;
    this.round = new Map();
  }

  /** Ends the round without ending anything (a failed collection: the next success resumes the series). */
  keepRound(): void {
    for (const [key, labels] of this.round) this.live.set(key, labels);
    this.round = new Map();
  }

  /** Ends every live series at `atMs`. */
  endAll(atMs: number, out: SampleSink): void {
    this.keepRound();
    for (const [key, labels] of this.live) out({ labels, sample: stale(atMs), key });
    this.live = new Map();
  }

  get size(): number {
    return this.live.size;
  }
}

function stale(timestampMs: number): WireSample {
  return { value: NaN, timestampMs, stale: true };
}
