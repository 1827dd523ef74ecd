/**
 * Active mode: everything the sidecar exposes, plus the other labelled containers of its task, goes
 * to the remote-write receiver with the target labels the central discovery would have attached.
 * This file only wires the parts (runtime/ARCHITECTURE.md draws the pipeline):
 *
 *   collector tick ─> CollectionSender ─┬─ OwnSeriesSource (container families + self-metrics)
 *                                       ├─ TaskScraper (labelled containers, when due)
 *                                       └─ target labels (TaskEnrichment, SelfIdentity)
 *                    ─> one batch ─> SampleQueue ─> RemoteWriter ─> receiver
 *
 * `startActiveMode` is loaded lazily by main.ts (`await import('./active')`), so Passive mode never
 * loads this code; the AWS SDK runs only in the enrichment child process.
 */
import { EnrichmentProcess } from './aws/enrichment-process';
import { TaskEnrichment } from './aws/task-enrichment';
import { CollectionSender } from './collection-sender';
import { OwnSeriesSource } from './own-series-source';
import { TaskScraper } from './scrape/scraper';
import { SelfIdentity } from './self-identity';
import { createSender } from './sender';
import type { CredentialProvider, RemoteWriteStats, RemoteWriteTransport, RemoteWriter, SampleQueue } from './sender';
import type { OutgoingSample } from './series-tracker';
import type { ExporterConfig } from '../config';
import type { BackoffPolicy } from '../core/backoff';
import { systemClock, type Clock } from '../core/clock';
import { redactUrl } from '../core/redact';
import type { ExporterHandle } from '../exporter';
import { FailureLog, type Logger } from '../logger';

/**
 * Time the SIGTERM flush may take. ECS kills the container 30 s after SIGTERM by default (stopTimeout),
 * and main.ts exits on its own after 10 s, so the flush gives up first, leaving time to log what it lost.
 */
export const SHUTDOWN_FLUSH_DEADLINE_MS = 8_000;
export { USER_AGENT } from './sender';

export interface ActiveModeDeps {
  readonly clock?: Clock;
  /** AWS API endpoint override (tests point it at moto). */
  readonly awsEndpoint?: string;
  /** Static credentials (tests): SigV4 uses them directly, the enrichment child gets them in its env. */
  readonly awsCredentials?: CredentialProvider;
  /** The enrichment child's script (tests build it from the TypeScript source); defaults to lib/active/aws's. */
  readonly awsWorkerPath?: string;
  /** Retry policy of a failed enrichment (tests shorten it). */
  readonly enrichmentRetry?: BackoffPolicy;
  readonly backoff?: BackoffPolicy;
  readonly flushDeadlineMs?: number;
  /** Replaces the HTTP transport (tests). */
  readonly transport?: RemoteWriteTransport;
}

export type ActiveExporter = Pick<ExporterHandle, 'config' | 'port' | 'collector' | 'logger' | 'selfMetrics' | 'addFamilySource' | 'onStop'>;

export interface ActiveMode {
  readonly queue: SampleQueue;
  readonly stats: RemoteWriteStats;
  readonly writer: RemoteWriter;
  readonly scraper: TaskScraper;
  /** Stops collecting and scraping and flushes the queue within the deadline; resolves to the samples lost. */
  stop(): Promise<number>;
}

export async function startActiveMode(exporter: ActiveExporter, deps: ActiveModeDeps = {}): Promise<ActiveMode> {
  const { config, collector } = exporter;
  const rw = config.remoteWrite;
  if (!rw) throw new Error('startActiveMode needs remoteWrite_url');
  const logger = exporter.logger.child({ component: 'remote-write' });
  const clock = deps.clock ?? systemClock;
  const failures = new FailureLog(logger);
  const latestTask = () => collector.latestTask;
  const { awsCredentials: credentials, transport, backoff } = deps;
  const { queue, stats, writer } = createSender({ rw, clock, logger, latestTask, credentials, transport, backoff });
  const child = new EnrichmentProcess({ endpoint: deps.awsEndpoint, credentials: deps.awsCredentials, workerPath: deps.awsWorkerPath });
  const enrichment = new TaskEnrichment({ process: child, clock, logger, failures, latestTask, retry: deps.enrichmentRetry });
  const identity = new SelfIdentity({ metadataUri: config.metadataUri, port: exporter.port, metricsPath: config.metricsPath, logger });
  const scraper = new TaskScraper({ logger, clock, timeoutMs: Math.min(10_000, config.scrapeIntervalMs) });
  const own = new OwnSeriesSource({ registry: exporter.selfMetrics.registry, extraFamilies: () => stats.families(), failures });
  const enqueue = (samples: readonly OutgoingSample[]) => {
    for (const s of samples) if (queue.push(s.labels, s.sample, s.key) === 'out_of_order') stats.samplesOutOfOrder++;
  };
  const sender = new CollectionSender({
    own,
    scraper,
    identity,
    enrichment,
    enqueue,
    clock,
    logger,
    failures,
    tenant: rw.basicAuthUsername,
    region: rw.awsRegion,
    scrapeIntervalMs: config.scrapeIntervalMs,
    collectIntervalMs: config.collectIntervalMs,
  });
  // Registered before the first await: startExporter is already collecting.
  const identified = identity.resolve();
  collector.onCollection(async (families, atMs, task) => identified.then(() => sender.onCollection(families, atMs, task)));
  collector.onCollectionFailure(async (atMs) => identified.then(() => sender.onFailure(atMs, collector.latestTask)));
  // A collection done before Active mode existed is forwarded.
  const first = collector.latest;
  if (first) await identified.then(() => sender.onCollection(first.families, first.atMs, first.task));
  exporter.addFamilySource(() => stats.families());
  writer.start();
  logStart(logger, config);
  let stopping: Promise<number> | undefined;
  const stop = () => stopping ??= (async () => {
    // Scrapes in flight are cut short, then the collection in flight ends: nothing is queued after the markers.
    scraper.stop();
    enrichment.stop();
    await collector.stop();
    // The task stops with the sidecar: every series sent ends here (the queue puts each marker last).
    sender.end(clock.now());
    const lost = await writer.stop(deps.flushDeadlineMs ?? SHUTDOWN_FLUSH_DEADLINE_MS);
    logger.info('remote write stopped', { samplesSent: stats.samplesSent, samplesLost: lost });
    return lost;
  })();
  exporter.onStop(async () => { await stop(); });
  return { queue, stats, writer, scraper, stop };
}

function logStart(logger: Logger, config: ExporterConfig): void {
  const rw = config.remoteWrite!;
  logger.info('active mode started', {
    url: redactUrl(rw.url),
    auth: rw.awsUseSigv4 ? 'sigv4' : rw.bearerToken ? 'bearer' : rw.basicAuthUsername ? 'basic' : 'none',
    tlsInsecureSkipVerify: rw.tlsInsecureSkipVerify,
    queueCapacitySamples: rw.maxPendingSamples,
    flushIntervalMs: rw.flushIntervalMs,
    scrapeIntervalMs: config.scrapeIntervalMs,
  });
}
