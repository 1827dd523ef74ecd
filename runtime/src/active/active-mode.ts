/**
 * Active mode: everything the sidecar exposes, plus the other labelled containers of its task, goes
 * to the remote-write receiver with the target labels the central discovery would have attached.
 *
 *   collector ──(each collection)──┐
 *                                  ├─> target labels (AWS-enriched, cached) ─> SampleQueue ─> RemoteWriter ─> receiver
 *   TaskScraper ──(each interval)──┘
 *
 * `startActiveMode` is loaded lazily by main.ts (`await import('./active')`), so Passive mode never
 * loads this code or the remote-write client. The AWS API calls of the enrichment run in a
 * short-lived child process (aws-enrichment.ts), so no AWS SDK client stays in memory here either.
 */
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { ConfigError, type ExporterConfig, type RemoteWriteConfig } from '../config';
import type { ExporterHandle } from '../exporter';
import type { TaskMetadata } from '../metadata/types';
import type { MetricFamily } from '../model';
import { AwsEnrichment, type AwsTaskInfo } from './aws-enrichment';
import { parseExposition } from './exposition-parser';
import { systemClock, type ActiveLogger, type Clock } from './ports';
import { SampleQueue } from './remote-write/queue';
import { LabelPair, WireSample, seriesKey, seriesLabels } from './remote-write/series';
import { createSigV4Signer, type CredentialProvider, type RequestSigner } from './remote-write/sigv4';
import { RemoteWriteStats } from './remote-write/stats';
import { HttpTransport, type RemoteWriteTransport } from './remote-write/transport';
import { RemoteWriter } from './remote-write/writer';
import { honorLabels, targetLabels } from './target-labels';
import { parseTaskIdentity } from './task-identity';
import { discoverEndpoints, PATH_LABEL, PORT_LABEL, TaskScraper, type ScrapeTarget } from './task-scraper';
import type { BackoffPolicy } from '../core/backoff';
import { redactUrl } from '../core/redact';

/**
 * Time the SIGTERM flush may take. ECS kills the container 30 s after SIGTERM by default (stopTimeout),
 * and main.ts exits on its own after 10 s, so the flush gives up first, leaving time to log what it lost.
 */
export const SHUTDOWN_FLUSH_DEADLINE_MS = 8_000;
/** The first collection waits this long for the AWS calls before using metadata-only labels. */
const ENRICHMENT_WAIT_MS = 20_000;
/** A full queue is logged at most this often (every drop is counted). */
const DROP_LOG_INTERVAL_MS = 60_000;

export const USER_AGENT = 'asserts-ecs-exporter/1.0 (remote-write 0.1.0)';

export interface ActiveModeDeps {
  readonly clock?: Clock;
  /** AWS API endpoint override (tests point it at moto). */
  readonly awsEndpoint?: string;
  /** Static credentials (tests): SigV4 uses them directly, the enrichment child gets them in its env. */
  readonly awsCredentials?: CredentialProvider;
  /** The enrichment child's script (tests build it from the TypeScript source); defaults to lib/active's. */
  readonly awsWorkerPath?: string;
  readonly backoff?: BackoffPolicy;
  readonly flushDeadlineMs?: number;
  /** Replaces the HTTP transport (tests). */
  readonly transport?: RemoteWriteTransport;
}

export type ActiveExporter = Pick<ExporterHandle, 'config' | 'collector' | 'logger' | 'selfMetrics' | 'addFamilySource' | 'onStop'>;

export interface ActiveMode {
  readonly queue: SampleQueue;
  readonly stats: RemoteWriteStats;
  readonly writer: RemoteWriter;
  readonly scraper: TaskScraper;
  /** Stops scraping and flushes the queue within the deadline; resolves to the samples lost. */
  stop(): Promise<number>;
}

export async function startActiveMode(exporter: ActiveExporter, deps: ActiveModeDeps = {}): Promise<ActiveMode> {
  const { config } = exporter;
  const rw = config.remoteWrite;
  if (!rw) throw new Error('startActiveMode needs remoteWrite_url');
  const logger: ActiveLogger = exporter.logger.child({ component: 'remote-write' });
  const clock = deps.clock ?? systemClock;

  const stats = new RemoteWriteStats(() => queue.length, rw.maxPendingSamples);
  let droppedSinceLog = 0;
  let lastDropLogMs = -Infinity;
  const queue = new SampleQueue(rw.maxPendingSamples, (count) => {
    stats.samplesDropped += count;
    droppedSinceLog += count;
    if (clock.now() - lastDropLogMs >= DROP_LOG_INTERVAL_MS) {
      logger.warn('remote-write queue full: dropping the oldest samples', { dropped: droppedSinceLog, capacity: rw.maxPendingSamples });
      lastDropLogMs = clock.now();
      droppedSinceLog = 0;
    }
  });
  const enqueue = (labels: readonly LabelPair[], sample: WireSample, key?: string) => {
    if (queue.push(labels, sample, key) === 'out_of_order') stats.samplesOutOfOrder++;
  };

  const transport = deps.transport ?? new HttpTransport({
    url: rw.url,
    userAgent: USER_AGENT,
    basicAuth: rw.basicAuthUsername !== undefined ? { username: rw.basicAuthUsername, password: rw.basicAuthPassword ?? '' } : undefined,
    bearerToken: rw.bearerToken,
    signer: rw.awsUseSigv4 ? lazySigner(rw, () => exporter.collector.latestTask, deps.awsCredentials) : undefined,
    insecureSkipVerify: rw.tlsInsecureSkipVerify,
    caPem: rw.tlsCAFile !== undefined ? readCaFile(rw.tlsCAFile) : undefined,
    now: () => clock.now(),
  });
  const writer = new RemoteWriter({ queue, transport, stats, logger, clock, flushIntervalMs: rw.flushIntervalMs, backoff: deps.backoff });

  const enrichment = new AwsEnrichment({ endpoint: deps.awsEndpoint, credentials: deps.awsCredentials, workerPath: deps.awsWorkerPath, logger });
  let awsInfo: AwsTaskInfo | undefined;
  const awsInfoFor = async (task: TaskMetadata): Promise<AwsTaskInfo> => {
    if (awsInfo) return awsInfo;
    const timeout = new Promise<AwsTaskInfo>((resolve) => setTimeout(() => resolve({ tags: {} }), ENRICHMENT_WAIT_MS).unref());
    const info = await Promise.race([enrichment.taskInfo(task).catch(() => ({ tags: {} })), timeout]);
    awsInfo = info;
    return info;
  };
  // Not awaited here: the collection listener must be registered before this function yields.
  const selfPromise = ownContainer(config, logger);
  let self: { name?: string; dockerId?: string } = {};
  const labelsFor = (task: TaskMetadata, aws: AwsTaskInfo, containerName: string | undefined) =>
    containerName ? targetLabels({ task, aws, containerName, tenant: rw.basicAuthUsername, region: rw.awsRegion }) : {};

  // The sidecar's own families (container stats + self-metrics), after each collection.
  let previousOwnSeries = new Map<string, readonly LabelPair[]>();
  // Wire label sets of the sidecar's own series, kept from one collection to the next. The same
  // series come back every collection, and building a label set (merge, validate, sort, key) was
  // most of Active mode's CPU per collection (runtime/bench). Valid while the target labels stay the
  // same; only the series of the last collection are kept.
  let wireLabels = new Map<string, { readonly labels: readonly LabelPair[]; readonly id: string }>();
  let wireLabelsTarget = '';
  // `containers` is false after a failed collection: only the self-metrics (collection_up 0) go out,
  // and the container series are not ended, since the next successful collection resumes them.
  const pushOwn = async (families: readonly MetricFamily[], atMs: number, task: TaskMetadata, containers: boolean) => {
    self = await selfPromise;
    const aws = await awsInfoFor(task);
    const sidecar = labelsFor(task, aws, self.name ?? sidecarNameFromLabels(task, config));
    const selfFamilies = parseExposition(await exporter.selfMetrics.registry.metrics());
    const current = new Map<string, readonly LabelPair[]>();
    const target = JSON.stringify(sidecar);
    if (target !== wireLabelsTarget) {
      wireLabels = new Map();
      wireLabelsTarget = target;
    }
    const nextWireLabels = new Map<string, { readonly labels: readonly LabelPair[]; readonly id: string }>();
    const push = (name: string, sampleLabels: Readonly<Record<string, string>>, value: number, timestampMs: number) => {
      // Metric names cannot contain NUL, so the name/labels boundary is unambiguous.
      const inputKey = `${name}\u0000${JSON.stringify(sampleLabels)}`;
      let wire = wireLabels.get(inputKey) ?? nextWireLabels.get(inputKey);
      if (wire === undefined) {
        const labels = seriesLabels(name, honorLabels(sidecar, sampleLabels));
        wire = { labels, id: seriesKey(labels) };
      }
      nextWireLabels.set(inputKey, wire);
      if (current.has(wire.id)) return;
      current.set(wire.id, wire.labels);
      enqueue(wire.labels, { value, timestampMs }, wire.id);
    };
    for (const family of [...families, ...stats.families()] as readonly MetricFamily[]) {
      for (const sample of family.samples) push(family.name, sample.labels, sample.value, sample.timestampMs ?? atMs);
    }
    for (const sample of selfFamilies) push(sample.name, sample.labels, sample.value, sample.timestampMs ?? atMs);
    if (!containers) {
      // Keep every series known (and its cached labels) for the next success or the shutdown markers.
      for (const [id, labels] of current) previousOwnSeries.set(id, labels);
      for (const [inputKey, wire] of nextWireLabels) wireLabels.set(inputKey, wire);
      return;
    }
    // A container that stopped (or any series that vanished) ends with a staleness marker.
    for (const [id, labels] of previousOwnSeries) {
      if (!current.has(id)) enqueue(labels, { value: NaN, timestampMs: atMs, stale: true }, id);
    }
    previousOwnSeries = current;
    wireLabels = nextWireLabels;
  };
  const onCollection = (families: readonly MetricFamily[], atMs: number, task: TaskMetadata) => pushOwn(families, atMs, task, true);
  exporter.collector.onCollection(onCollection);
  exporter.collector.onCollectionFailure(async (atMs) => {
    // Before the first task metadata there are no target labels to attach: nothing can be sent yet.
    const task = exporter.collector.latestTask;
    if (task) await pushOwn([], atMs, task, false);
  });
  // startExporter began collecting before Active mode existed: forward a collection already done.
  const first = exporter.collector.latest;
  if (first) await onCollection(first.families, first.atMs, first.task);

  const scraper = new TaskScraper({
    targets: () => {
      const task = exporter.collector.latestTask;
      if (!task || !awsInfo) return [];
      return discoverEndpoints(task, { selfDockerId: self.dockerId ?? sidecarDockerIdFromLabels(task, config), logger })
        .map((endpoint): ScrapeTarget => ({
          ...endpoint,
          labels: { ...labelsFor(task, awsInfo!, endpoint.containerName), instance: endpoint.instance },
        }));
    },
    sink: enqueue,
    logger,
    clock,
    intervalMs: config.scrapeIntervalMs,
  });

  exporter.addFamilySource(() => stats.families());
  writer.start();
  scraper.start();
  logger.info('active mode started', {
    url: redactUrl(rw.url),
    auth: rw.awsUseSigv4 ? 'sigv4' : rw.bearerToken ? 'bearer' : rw.basicAuthUsername ? 'basic' : 'none',
    tlsInsecureSkipVerify: rw.tlsInsecureSkipVerify,
    queueCapacitySamples: rw.maxPendingSamples,
    flushIntervalMs: rw.flushIntervalMs,
    scrapeIntervalMs: config.scrapeIntervalMs,
  });

  let stopping: Promise<number> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // Collection first: a collection in flight would otherwise queue its samples after the flush.
      await exporter.collector.stop();
      enrichment.stop();
      await scraper.stop();
      // The task stops with the sidecar: every series sent ends here, so queries stop showing its last
      // value for the 5-minute lookback. The queue puts each marker after the series' last sample.
      const endMs = clock.now();
      for (const [id, labels] of previousOwnSeries) enqueue(labels, { value: NaN, timestampMs: endMs, stale: true }, id);
      previousOwnSeries = new Map();
      scraper.markAllStale(endMs);
      const lost = await writer.stop(deps.flushDeadlineMs ?? SHUTDOWN_FLUSH_DEADLINE_MS);
      logger.info('remote write stopped', { samplesSent: stats.samplesSent, samplesLost: lost });
      return lost;
    })();
    return stopping;
  };
  exporter.onStop(async () => { await stop(); });
  return { queue, stats, writer, scraper, stop };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`remoteWrite_tlsCAFile cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): mount the PEM file at ${JSON.stringify(path)} or unset the variable`);
  }
}

/** SigV4 needs a region: the configured one, else the one in the task ARN (known after the first collection). */
function lazySigner(rw: RemoteWriteConfig, task: () => TaskMetadata | undefined, credentials?: CredentialProvider): RequestSigner {
  let signer: Promise<RequestSigner> | undefined;
  return async (url, headers, body) => {
    if (!signer) {
      const region = rw.awsRegion ?? parseTaskIdentity(task()?.TaskARN, undefined).region;
      if (!region) throw new Error('SigV4 region unknown yet: set remoteWrite_aws_region, or wait for the first task metadata');
      signer = createSigV4Signer({ region, credentials });
    }
    return (await signer)(url, headers, body);
  };
}

/** The sidecar's own container, from `GET $ECS_CONTAINER_METADATA_URI_V4` (its Name and DockerId). */
async function ownContainer(config: ExporterConfig, logger: ActiveLogger): Promise<{ name?: string; dockerId?: string }> {
  try {
    const response = await request(config.metadataUri, { headersTimeout: 2000, bodyTimeout: 2000 });
    const body = await response.body.json() as { Name?: string; DockerId?: string };
    if (response.statusCode === 200 && body && typeof body === 'object') return { name: body.Name, dockerId: body.DockerId };
  } catch (err) {
    logger.debug('own container metadata unavailable; identifying the sidecar by its docker labels', { reason: (err as Error).message });
  }
  return {};
}

/** Fallback identification: the container whose docker labels point at this exporter's own port and path. */
function sidecarContainer(task: TaskMetadata, config: ExporterConfig) {
  return task.Containers?.find((c) => c.Labels?.[PORT_LABEL] === String(config.httpListenPort) && c.Labels?.[PATH_LABEL] === config.metricsPath);
}
function sidecarNameFromLabels(task: TaskMetadata, config: ExporterConfig): string | undefined {
  return sidecarContainer(task, config)?.Name;
}
function sidecarDockerIdFromLabels(task: TaskMetadata, config: ExporterConfig): string | undefined {
  return sidecarContainer(task, config)?.DockerId;
}
