/**
 * The collection loop: every `collectIntervalMs` it reads `/task` and `/task/stats`, runs the pure
 * transform and keeps the result for the server. Listeners (`onCollection`) see each successful
 * collection, which is how Active mode gets the same families without a second request.
 */
import { systemClock, type Clock } from './core/clock';
import type { Logger } from './logger';
import type { MetadataClient } from './metadata/client';
import type { TaskMetadata } from './metadata/types';
import { transformTaskStats, type NetworkLayout } from './metrics/transform';
import type { MetricFamily } from './model';
import type { SelfMetrics } from './self-metrics';

/** setTimeout/clearTimeout of the runtime's one Clock, injected so tests drive time. */
export type Scheduler = Pick<Clock, 'setTimeout' | 'clearTimeout'>;

export interface Collection {
  readonly families: readonly MetricFamily[];
  /** When the collection finished (ms since epoch). */
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
    const { client, selfMetrics, logger } = this.options;
    let task: TaskMetadata;
    let stats: unknown;
    try {
      [task, stats] = await Promise.all([client.fetchTask(), client.fetchTaskStats()]);
    } catch (error) {
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
      return false;
    }
    const result = transformTaskStats(task, stats);
    const atMs = this.now();
    this.lastTask = task;
    this.latestCollection = { families: result.families, atMs, task, networkLayout: result.networkLayout };
    selfMetrics.recordSuccess(atMs, result.runningContainers, result.stoppedContainers);
    if (this.failing) logger.info('collection recovered', { containers: result.runningContainers });
    this.failing = false;
    logger.debug('collection done', { running: result.runningContainers, stopped: result.stoppedContainers, families: result.families.length, networkLayout: result.networkLayout });
    for (const listener of this.listeners) {
      try {
        await listener(result.families, atMs, task);
      } catch (error) {
        logger.error('collection listener failed', { err: error });
      }
    }
    return true;
  }
}
