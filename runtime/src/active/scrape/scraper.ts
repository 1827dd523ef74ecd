/**
 * Scrapes the labelled containers of the task the way the central Prometheus would: honor_labels
 * semantics, target labels added, `up` / `scrape_duration_seconds` / `scrape_samples_scraped` per
 * target at the scrape's start time, and staleness markers (SeriesTracker) for series that vanish
 * from a target, for every series of a target whose scrape fails, and for everything of a target
 * that disappears from the task. It has no loop of its own: the collection tick calls `scrape`.
 */
import { Agent } from 'node:http';
import type { ScrapeEndpoint } from './discovery';
import type { Clock } from '../../core/clock';
import { parseExposition } from '../../exposition-parser';
import type { Logger } from '../../logger';
import type { Labels } from '../../model';
import { httpGet } from '../http-get';
import { seriesKey, seriesLabels } from '../sender';
import { SeriesTracker, type SampleSink } from '../series-tracker';
import { honorLabels } from '../target-labels';

export interface ScrapeTarget extends ScrapeEndpoint {
  /** Target labels (with `instance`) attached to every series of the target. */
  readonly labels: Labels;
}

interface TargetState {
  readonly exposed: SeriesTracker;
  /** up / scrape_* series of the target. */
  readonly report: SeriesTracker;
  up: boolean | undefined;
}

export interface TaskScraperOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Per-target timeout, as Prometheus' scrape_timeout. */
  readonly timeoutMs: number;
  /** A target's body larger than this fails its scrape. @default 16 MiB */
  readonly maxBodyBytes?: number;
}

const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';
export const DEFAULT_MAX_SCRAPE_BYTES = 16 * 1024 * 1024;

export class TaskScraper {
  private readonly states = new Map<string, TargetState>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });
  private readonly stopSignal = new AbortController();

  constructor(private readonly options: TaskScraperOptions) {}

  /** One round over `targets`, every sample to `out`; targets gone since the last round end here. */
  async scrape(targets: readonly ScrapeTarget[], out: SampleSink): Promise<void> {
    const current = new Set(targets.map(targetKey));
    const now = this.options.clock.now();
    for (const [key, state] of this.states) {
      if (current.has(key)) continue;
      state.exposed.endAll(now, out);
      state.report.endAll(now, out);
      this.states.delete(key);
      this.options.logger.info('scrape target gone; its series are marked stale', { target: key });
    }
    // Samples of each target are collected apart and handed on in target order, so rounds are stable.
    const results = await Promise.all(targets.map(async (target) => {
      const samples: Parameters<SampleSink>[0][] = [];
      await this.scrapeTarget(target, (s) => samples.push(s));
      return samples;
    }));
    for (const samples of results) for (const s of samples) out(s);
  }

  /** Ends every series sent for every target (the task is stopping). Call after `stop()`. */
  endAll(timestampMs: number, out: SampleSink): void {
    for (const state of this.states.values()) {
      state.exposed.endAll(timestampMs, out);
      state.report.endAll(timestampMs, out);
    }
    this.states.clear();
  }

  /** Aborts scrapes in flight and closes the connections. */
  stop(): void {
    this.stopSignal.abort();
    this.agent.destroy();
  }

  private async scrapeTarget(target: ScrapeTarget, out: SampleSink): Promise<void> {
    const { clock, logger } = this.options;
    const key = targetKey(target);
    const state = this.states.get(key) ?? { exposed: new SeriesTracker(), report: new SeriesTracker(), up: undefined };
    this.states.set(key, state);
    const startMs = clock.now();
    let parsedCount = 0;
    let error: string | undefined;
    try {
      parsedCount = await this.fetchInto(target, state.exposed, startMs, out);
    } catch (err) {
      // A scrape cut short by shutdown says nothing about the target: report nothing.
      if (this.stopSignal.signal.aborted) return;
      error = (err as Error).message;
      state.exposed.keepRound();
    }
    const durationSeconds = (clock.now() - startMs) / 1000;
    // Series exposed last time but not now (or all of them when the scrape failed) end here.
    if (error === undefined) state.exposed.endRound(startMs, out);
    else state.exposed.endAll(startMs, out);
    const up = error === undefined;
    for (const [name, value] of [['up', up ? 1 : 0], ['scrape_duration_seconds', durationSeconds], ['scrape_samples_scraped', up ? parsedCount : 0]] as const) {
      state.report.add(seriesLabels(name, target.labels), { value, timestampMs: startMs }, out);
    }
    state.report.endRound(startMs, out);
    if (!up && state.up !== false) logger.warn('scrape failed', { target: key, url: target.url, reason: error });
    if (up && state.up === false) logger.info('scrape recovered', { target: key });
    state.up = up;
  }

  /** GET and parse one target; its samples go to `tracker`. Resolves to the number of samples parsed. */
  private async fetchInto(target: ScrapeTarget, tracker: SeriesTracker, startMs: number, out: SampleSink): Promise<number> {
    const { timeoutMs } = this.options;
    const response = await httpGet(target.url, {
      agent: this.agent,
      timeoutMs,
      maxBytes: this.options.maxBodyBytes ?? DEFAULT_MAX_SCRAPE_BYTES,
      signal: this.stopSignal.signal,
      headers: { 'accept': ACCEPT, 'user-agent': 'asserts-ecs-exporter', 'x-prometheus-scrape-timeout-seconds': String(timeoutMs / 1000) },
    });
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    const parsed = parseExposition(response.body);
    // Parsed and labelled before anything is sent: a target with an invalid name fails as a whole.
    const labelled = parsed.map((sample) => ({ sample, labels: seriesLabels(sample.name, honorLabels(target.labels, sample.labels)) }));
    for (const { sample, labels } of labelled) {
      // Prometheus keeps the first of duplicate series.
      tracker.add(labels, { value: sample.value, timestampMs: sample.timestampMs ?? startMs }, out, seriesKey(labels));
    }
    return parsed.length;
  }
}

function targetKey(target: ScrapeEndpoint): string {
  return `${target.containerName} ${target.url}`;
}
