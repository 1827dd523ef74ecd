/**
 * One collection, one batch: on each collection tick (successful or not) the sidecar's own series and,
 * when a scrape is due, the scraped targets' series are gathered under their target labels and handed
 * to the queue together, so the first request after a collection holds all of it. Every failure is
 * caught and logged here, once per kind: a tick never rejects into the collector.
 */
import type { TaskEnrichment } from './aws/task-enrichment';
import type { OwnSeriesSource } from './own-series-source';
import { discoverEndpoints } from './scrape/discovery';
import type { ScrapeTarget, TaskScraper } from './scrape/scraper';
import type { SelfIdentity } from './self-identity';
import type { OutgoingSample } from './series-tracker';
import { targetLabels } from './target-labels';
import type { Clock } from '../core/clock';
import { yieldToIo } from '../core/yield-to-io';
import type { FailureLog, Logger } from '../logger';
import type { TaskMetadata } from '../metadata/types';
import type { Labels, MetricFamily } from '../model';

export interface CollectionSenderOptions {
  readonly own: OwnSeriesSource;
  readonly scraper: TaskScraper;
  readonly identity: SelfIdentity;
  readonly enrichment: TaskEnrichment;
  readonly enqueue: (samples: readonly OutgoingSample[]) => void;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly failures: FailureLog;
  /** Remote-write basic-auth user (`tenant`) and configured region. */
  readonly tenant?: string;
  readonly region?: string;
  readonly scrapeIntervalMs: number;
  readonly collectIntervalMs: number;
}

export class CollectionSender {
  private lastScrapeMs = -Infinity;

  constructor(private readonly options: CollectionSenderOptions) {}

  onCollection(families: readonly MetricFamily[], atMs: number, task: TaskMetadata): Promise<void> {
    return this.send(families, atMs, task, true);
  }

  /** A failed collection: the self-metrics (collection_up 0) still go out, with the last task's labels. */
  async onFailure(atMs: number, task: TaskMetadata | undefined): Promise<void> {
    // Before the first task metadata there are no target labels to attach: nothing can be sent yet.
    if (task) await this.send([], atMs, task, false);
  }

  /** Ends every series sent, own and scraped (the task is stopping). */
  end(atMs: number): void {
    const batch: OutgoingSample[] = [];
    this.options.own.endAll(atMs, (s) => batch.push(s));
    this.options.scraper.endAll(atMs, (s) => batch.push(s));
    this.options.enqueue(batch);
  }

  private async send(families: readonly MetricFamily[], atMs: number, task: TaskMetadata, containers: boolean): Promise<void> {
    try {
      // The collector's own work (documents, transform, exposition) ends here: a scrape waiting for
      // it is served before the Active work of the collection starts.
      await yieldToIo();
      await this.options.enrichment.ready(task);
      const self = this.options.identity.in(task);
      const own: OutgoingSample[] = [];
      const scraped: OutgoingSample[] = [];
      const sidecar = { ...this.labelsFor(task, self.name), ...(self.instance ? { instance: self.instance } : {}) };
      await Promise.all([
        this.options.own.collect(families, atMs, sidecar, containers, (s) => own.push(s)),
        this.scrapeIfDue(task, self.dockerId, (s) => scraped.push(s)),
      ]);
      // Queued in one go, so the writer never sends part of a collection.
      this.options.enqueue(own.concat(scraped));
    } catch (err) {
      this.options.failures.failed('sending a collection', err);
    }
  }

  private async scrapeIfDue(task: TaskMetadata, selfDockerId: string | undefined, out: (s: OutgoingSample) => void): Promise<void> {
    const now = this.options.clock.now();
    // Scrapes ride on the collection ticks: every tick unless the scrape interval is longer.
    if (now - this.lastScrapeMs < this.options.scrapeIntervalMs - this.options.collectIntervalMs / 2) return;
    this.lastScrapeMs = now;
    const targets = discoverEndpoints(task, { selfDockerId, logger: this.options.logger })
      .map((endpoint): ScrapeTarget => ({ ...endpoint, labels: { ...this.labelsFor(task, endpoint.containerName), instance: endpoint.instance } }));
    try {
      await this.options.scraper.scrape(targets, out);
    } catch (err) {
      // The own series of the tick still go out.
      this.options.failures.failed('scraping the task\'s targets', err);
    }
  }

  private labelsFor(task: TaskMetadata, containerName: string | undefined): Labels {
    const { tenant, region } = this.options;
    return targetLabels({ task, aws: this.options.enrichment.info, containerName, tenant, region });
  }
}
