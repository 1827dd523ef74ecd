/**
 * The collection loop: every `collectIntervalMs` it fetches `/task` and `/task/stats`, types them
 * with the metadata reader, runs the pure transform and keeps the result for the server. What a
 * collection leaves out (series limits, fields of the wrong type, refused timestamps) is counted in
 * the self-metrics and logged once per reason for the life of the process. Listeners (`onCollection`) see each successful
 * collection, which is how Active mode gets the same families without a second request.
 */
import { systemClock, type Clock } from './core/clock';
import { yieldToIo } from './core/yield-to-io';
import type { Logger } from './logger';
import type { MetadataClient } from './metadata/client';
import { readTaskStats, TaskReader } from './metadata/reader';
import type { TaskMetadata, TaskStats } from './metadata/types';
import { LabelSets } from './metrics/label-sets';
import type { TimestampReplaceReason } from './metrics/read-time';
import { DEFAULT_MAX_SERIES, type SeriesDropReason } from './metrics/sample-sink';
import { transformTaskStats, type NetworkLayout, type TransformResult } from './metrics/transform';
import type { MetricFamily } from './model';
import type { SelfMetrics } from './self-metrics';

/** setTimeout/clearTimeout of the runtime's one Clock, injected so tests drive time. */
export type Scheduler = Pick<Clock, 'setTimeout' | 'clearTimeout'>;

export interface Collection {
  readonly families: readonly MetricFamily[];
  /** When the collection ran (ms since epoch): once both documents arrived, before the transform. */
  readonly atMs: number;
  readonly task: TaskMetadata;
  readonly networkLayout: NetworkLayout;
}

export type CollectionListener = (families: readonly MetricFamily[], atMs: number, task: TaskMetadata) => void | Promise<void>;
/** Called after a failed collection, once the self-metrics record the failure (collection_up 0). */
export type CollectionFailureListener = (atMs: number) => void | Promise<void>;

export interface CollectorOptions {
  readonly client: Pick<MetadataClient, 'fetchTask' | 'fetchTaskStats'>;
  readonly selfMetrics: SelfMetrics;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** `maxSeriesPerCollection`. @default 20000 */
  readonly maxSeriesPerCollection?: number;
  readonly now?: () => number;
  readonly scheduler?: Scheduler;
}

export class Collector {
  private latestCollection: Collection | undefined;
  private lastTask: TaskMetadata | undefined;
  private readonly listeners: CollectionListener[] = [];
  private readonly failureListeners: CollectionFailureListener[] = [];
  private timer: unknown;
  private running = false;
  private inFlight: Promise<boolean> | undefined;
  private failing = false;
  /** Reasons already logged: each is logged once, then only counted. */
  private readonly loggedReasons = new Set<string>();
  /** The task's labels objects, the same ones every collection (the exposition encodes each once). */
  private readonly labelSets = new LabelSets();
  private readonly taskReader = new TaskReader();
  private readonly now: () => number;
  private readonly scheduler: Scheduler;

  constructor(private readonly options: CollectorOptions) {
    this.now = options.now ?? Date.now;
    this.scheduler = options.scheduler ?? systemClock;
  }

  /** The last successful collection, or undefined before the first one and after a failed one. */
  get latest(): Collection | undefined {
    return this.latestCollection;
  }

  /** The last task metadata read, kept through failures (Active mode's scrape targets). */
  get latestTask(): TaskMetadata | undefined {
    return this.lastTask;
  }

  onCollection(listener: CollectionListener): void {
    this.listeners.push(listener);
  }

  /** Active mode pushes the self-metrics (collection_up 0) even while the metadata endpoint is down. */
  onCollectionFailure(listener: CollectionFailureListener): void {
    this.failureListeners.push(listener);
  }

  /** Collect now and start the periodic loop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  /** Stop the loop and wait for a collection in progress. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** One collection; resolves to whether it succeeded. Concurrent calls share the one in progress. */
  collectNow(): Promise<boolean> {
    this.inFlight ??= this.collectOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async tick(): Promise<void> {
    await this.collectNow();
    if (this.running) this.timer = this.scheduler.setTimeout(() => void this.tick(), this.options.intervalMs);
  }

  private async collectOnce(): Promise<boolean> {
    let collected: { task: TaskMetadata; result: TransformResult; atMs: number };
    try {
      collected = await this.fetchAndTransform();
    } catch (error) {
      await this.failed(error);
      return false;
    }
    const { task, result, atMs } = collected;
    this.succeeded(task, result, atMs);
    await yieldToIo();
    for (const listener of this.listeners) {
      try {
        await listener(result.families, atMs, task);
      } catch (error) {
        this.options.logger.error('collection listener failed', { err: error });
      }
    }
    return true;
  }

  /**
   * Fetches, reads and transforms. Each stage's input is held only by the function that consumes
   * it, so the parsed documents and the typed stats are garbage once the next stage has them: an
   * async function keeps its locals across every later `await` (the listeners' render included),
   * and with 200 containers that is ~2 MB of objects surviving young-generation GCs into the old
   * generation (runtime/bench/FINDINGS.md).
   */
  private async fetchAndTransform(): Promise<{ task: TaskMetadata; result: TransformResult; atMs: number }> {
    const { task, stats, atMs } = await this.fetchAndRead();
    const maxSeries = this.options.maxSeriesPerCollection ?? DEFAULT_MAX_SERIES;
    await yieldToIo();
    return { task, atMs, result: transformTaskStats(task, stats, { collectedAtMs: atMs, maxSeries, labelSets: this.labelSets }) };
  }

  private async fetchAndRead(): Promise<{ task: TaskMetadata; stats: TaskStats; atMs: number }> {
    const [rawTask, rawStats] = await this.fetchBoth();
    const atMs = this.now();
    // Reading, transforming and (in the listeners) rendering are each a few ms of synchronous work
    // with 50 containers: a scrape arriving meanwhile is served between them (p99 latency).
    await yieldToIo();
    return { ...this.read(rawTask, rawStats), atMs };
  }

  private async fetchBoth(): Promise<[unknown, unknown]> {
    // Both requests finish before the collection is judged: a failure reported while the other
    // request was still retrying went out with that request's attempts half counted.
    const settled = await Promise.allSettled([this.options.client.fetchTask(), this.options.client.fetchTaskStats()]);
    for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
    return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as [unknown, unknown];
  }

  /** Types the two documents; a field of the wrong type is left out and counted. */
  private read(rawTask: unknown, rawStats: unknown): { task: TaskMetadata; stats: TaskStats } {
    let invalid = 0;
    let firstPath: string | undefined;
    const onInvalid = (path: string) => {
      invalid++;
      firstPath ??= path;
    };
    const task = this.taskReader.read(rawTask, onInvalid);
    const stats = readTaskStats(rawStats, onInvalid);
    this.countDropped('invalid_value', invalid, { example: firstPath });
    return { task, stats };
  }

  private succeeded(task: TaskMetadata, result: TransformResult, atMs: number): void {
    const { selfMetrics, logger } = this.options;
    this.lastTask = task;
    this.latestCollection = { families: result.families, atMs, task, networkLayout: result.networkLayout };
    selfMetrics.recordSuccess(atMs, result.runningContainers, result.stoppedContainers);
    for (const [reason, series] of Object.entries(result.seriesDropped)) {
      this.countDropped(reason as SeriesDropReason, series, { limit: reason === 'series_limit' ? this.options.maxSeriesPerCollection ?? DEFAULT_MAX_SERIES : undefined });
    }
    for (const [reason, samples] of Object.entries(result.timestampsReplaced)) {
      selfMetrics.recordTimestampsReplaced(reason as TimestampReplaceReason, samples);
      this.warnOnce(`timestamp:${reason}`, 'stats read time refused by receivers: samples stamped with the collection time instead (logged once)', { reason, samples });
    }
    if (this.failing) logger.info('collection recovered', { containers: result.runningContainers });
    this.failing = false;
    logger.debug('collection done', { running: result.runningContainers, stopped: result.stoppedContainers, families: result.families.length, networkLayout: result.networkLayout });
  }

  private async failed(error: unknown): Promise<void> {
    const { selfMetrics, logger } = this.options;
    // Serving old numbers as current would mislead: drop them, say so with up=0, keep serving.
    this.latestCollection = undefined;
    selfMetrics.recordFailure();
    if (!this.failing) logger.error('collection failed; serving self-metrics only until the metadata endpoint recovers', { err: error });
    else logger.debug('collection still failing', { err: error });
    this.failing = true;
    const atMs = this.now();
    for (const listener of this.failureListeners) {
      try {
        await listener(atMs);
      } catch (err) {
        logger.error('collection failure listener failed', { err });
      }
    }
  }

  private countDropped(reason: SeriesDropReason, series: number, fields: Record<string, unknown>): void {
    if (series <= 0) return;
    this.options.selfMetrics.recordSeriesDropped(reason, series);
    this.warnOnce(`dropped:${reason}`, 'series left out of the collection (logged once; ecs_exporter_series_dropped_total counts them)', { reason, series, ...fields });
  }

  private warnOnce(key: string, message: string, fields: Record<string, unknown>): void {
    if (this.loggedReasons.has(key)) return;
    this.loggedReasons.add(key);
    this.options.logger.warn(message, fields);
  }
}
