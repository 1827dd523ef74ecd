/**
 * Scrapes the other containers of the task that carry the docker labels PROMETHEUS_EXPORTER_PATH and
 * PROMETHEUS_EXPORTER_PORT, the way the central Prometheus would: honor_labels semantics, target
 * labels added, `up` / `scrape_duration_seconds` / `scrape_samples_scraped` per target at the scrape's
 * start time, and staleness markers for series that vanish from a target, for every series of a
 * target whose scrape fails, and for everything of a target that disappears from the task.
 */
import { Agent, request } from 'undici';
import type { ContainerMetadata, TaskMetadata } from '../metadata/types';
import type { Labels } from '../model';
import { parseExposition } from './exposition-parser';
import type { ActiveLogger, Clock } from './ports';
import { LabelPair, WireSample, seriesKey, seriesLabels } from './remote-write/series';
import { honorLabels } from './target-labels';

export const PATH_LABEL = 'PROMETHEUS_EXPORTER_PATH';
export const PORT_LABEL = 'PROMETHEUS_EXPORTER_PORT';

/** Where and how to scrape one container. */
export interface ScrapeEndpoint {
  readonly containerName: string;
  readonly url: string;
  /** `instance` label: the address the central discovery would use (task/container IP and port). */
  readonly instance: string;
}

export interface ScrapeTarget extends ScrapeEndpoint {
  /** Target labels (with `instance`) attached to every series of the target. */
  readonly labels: Labels;
}

/** Receives every sample the scraper produces (the remote-write queue in production). */
export type SampleSink = (labels: readonly LabelPair[], sample: WireSample) => void;

export interface DiscoveryOptions {
  /** DockerId of the sidecar itself, which is never scraped (its metrics are collected directly). */
  readonly selfDockerId?: string;
  readonly logger?: ActiveLogger;
}

/**
 * The scrape endpoints of a task: running containers with both labels, except the sidecar. awsvpc and
 * host containers share the sidecar's network namespace or host, so they are reached on 127.0.0.1;
 * bridge containers on their own address from the metadata `Networks`.
 */
export function discoverEndpoints(task: TaskMetadata, options: DiscoveryOptions = {}): ScrapeEndpoint[] {
  const endpoints: ScrapeEndpoint[] = [];
  for (const container of task.Containers ?? []) {
    const endpoint = endpointOf(container, options);
    if (endpoint) endpoints.push(endpoint);
  }
  return endpoints;
}

function endpointOf(container: ContainerMetadata, options: DiscoveryOptions): ScrapeEndpoint | undefined {
  const path = container.Labels?.[PATH_LABEL];
  const portText = container.Labels?.[PORT_LABEL];
  if (path === undefined || portText === undefined || !container.Name) return undefined;
  if (options.selfDockerId !== undefined && container.DockerId === options.selfDockerId) return undefined;
  if (container.KnownStatus !== undefined && container.KnownStatus !== 'RUNNING') return undefined;
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535) || !path.startsWith('/')) {
    options.logger?.debug('scrape target skipped: invalid docker labels', { container: container.Name, [PORT_LABEL]: portText, [PATH_LABEL]: path });
    return undefined;
  }
  const network = container.Networks?.[0];
  const ip = network?.IPv4Addresses?.[0];
  const sharesNamespace = network === undefined || network.NetworkMode === 'awsvpc' || network.NetworkMode === 'host';
  const host = sharesNamespace ? '127.0.0.1' : ip;
  if (!host) {
    options.logger?.debug('scrape target skipped: bridge container without an IPv4 address', { container: container.Name });
    return undefined;
  }
  return { containerName: container.Name, url: `http://${host}:${port}${path}`, instance: `${ip ?? host}:${port}` };
}

interface TargetState {
  /** Series the target exposed at its last successful scrape. */
  exposed: Map<string, readonly LabelPair[]>;
  /** up / scrape_* series of the target. */
  report: Map<string, readonly LabelPair[]>;
  up: boolean | undefined;
}

export interface TaskScraperOptions {
  /** The current targets (recomputed every round from the latest task metadata). */
  readonly targets: () => readonly ScrapeTarget[];
  readonly sink: SampleSink;
  readonly logger: ActiveLogger;
  readonly clock: Clock;
  readonly intervalMs: number;
  /** @default min(10 s, interval), as Prometheus' scrape_timeout default */
  readonly timeoutMs?: number;
}

const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';

export class TaskScraper {
  private readonly states = new Map<string, TargetState>();
  private readonly dispatcher = new Agent({ keepAliveTimeout: 60_000 });
  private readonly timeoutMs: number;
  private readonly stopSignal = new AbortController();
  private loop?: Promise<void>;

  constructor(private readonly options: TaskScraperOptions) {
    this.timeoutMs = options.timeoutMs ?? Math.min(10_000, options.intervalMs);
  }

  start(): void {
    this.loop ??= (async () => {
      while (!this.stopSignal.signal.aborted) {
        await this.scrapeOnce();
        await this.options.clock.sleep(this.options.intervalMs, this.stopSignal.signal).catch(() => {});
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopSignal.abort();
    await this.loop;
    await this.dispatcher.close();
  }

  /**
   * Ends every series sent for every target (the task is stopping, so all targets go with it).
   * Call after `stop()`, so that no scrape in flight sends a sample after its marker.
   */
  markAllStale(timestampMs: number): void {
    for (const state of this.states.values()) {
      this.markStale(state.exposed, timestampMs);
      this.markStale(state.report, timestampMs);
    }
    this.states.clear();
  }

  /** One round over every current target; targets gone since the last round get their markers. */
  async scrapeOnce(): Promise<void> {
    const targets = this.options.targets();
    const current = new Set(targets.map(targetKey));
    const now = this.options.clock.now();
    for (const [key, state] of this.states) {
      if (current.has(key)) continue;
      this.markStale(state.exposed, now);
      this.markStale(state.report, now);
      this.states.delete(key);
      this.options.logger.info('scrape target gone; its series are marked stale', { target: key });
    }
    await Promise.all(targets.map((target) => this.scrapeTarget(target)));
  }

  private async scrapeTarget(target: ScrapeTarget): Promise<void> {
    const { clock, sink, logger } = this.options;
    const key = targetKey(target);
    let state = this.states.get(key);
    if (!state) {
      state = { exposed: new Map(), report: new Map(), up: undefined };
      this.states.set(key, state);
    }
    const startMs = clock.now();
    let parsedCount = 0;
    let error: string | undefined;
    const exposedNow = new Map<string, readonly LabelPair[]>();
    try {
      const response = await request(target.url, {
        dispatcher: this.dispatcher,
        headers: { 'accept': ACCEPT, 'user-agent': 'asserts-ecs-exporter', 'x-prometheus-scrape-timeout-seconds': String(this.timeoutMs / 1000) },
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopSignal.signal]),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
      const parsed = parseExposition(text);
      parsedCount = parsed.length;
      for (const sample of parsed) {
        const labels = seriesLabels(sample.name, honorLabels(target.labels, sample.labels));
        const seriesId = seriesKey(labels);
        if (exposedNow.has(seriesId)) continue; // Prometheus keeps the first of duplicate series.
        exposedNow.set(seriesId, labels);
        sink(labels, { value: sample.value, timestampMs: sample.timestampMs ?? startMs });
      }
    } catch (err) {
      // A scrape cut short by shutdown says nothing about the target: report nothing.
      if (this.stopSignal.signal.aborted) return;
      error = (err as Error).message;
    }
    const durationSeconds = (clock.now() - startMs) / 1000;
    // Series exposed last time but not now (or all of them when the scrape failed) end here.
    for (const [seriesId, labels] of state.exposed) {
      if (!exposedNow.has(seriesId)) sink(labels, { value: NaN, timestampMs: startMs, stale: true });
    }
    state.exposed = error === undefined ? exposedNow : new Map();
    const up = error === undefined;
    this.report(state, target, startMs, [
      ['up', up ? 1 : 0],
      ['scrape_duration_seconds', durationSeconds],
      ['scrape_samples_scraped', up ? parsedCount : 0],
    ]);
    if (!up && state.up !== false) logger.warn('scrape failed', { target: key, url: target.url, reason: error });
    if (up && state.up === false) logger.info('scrape recovered', { target: key });
    state.up = up;
  }

  private report(state: TargetState, target: ScrapeTarget, timestampMs: number, values: Array<[string, number]>): void {
    for (const [name, value] of values) {
      const labels = seriesLabels(name, target.labels);
      state.report.set(seriesKey(labels), labels);
      this.options.sink(labels, { value, timestampMs });
    }
  }

  private markStale(series: Map<string, readonly LabelPair[]>, timestampMs: number): void {
    for (const labels of series.values()) this.options.sink(labels, { value: NaN, timestampMs, stale: true });
  }
}

function targetKey(target: ScrapeEndpoint): string {
  return `${target.containerName} ${target.url}`;
}
