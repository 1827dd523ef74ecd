/**
 * Wires the exporter together: config -> logger -> metadata client -> collector loop -> server.
 * `startExporter` is what main.ts runs and what the tests call in-process; it returns a handle
 * whose `stop()` shuts everything down in order.
 */
import { Collector, type Collection, type Scheduler } from './collector';
import type { ExporterConfig } from './config';
import { ExpositionPart, renderFamilies, renderFamiliesToBytes } from './exposition';
import { createLogger, type Logger } from './logger';
import { MetadataClient, type MetadataClientOptions } from './metadata/client';
import type { MetricFamily } from './model';
import { SelfMetrics } from './self-metrics';
import { startMetricsServer } from './server';

export interface ExporterDeps {
  readonly logger?: Logger;
  readonly scheduler?: Scheduler;
  readonly now?: () => number;
  /** Interface to listen on. @default '0.0.0.0' */
  readonly host?: string;
  /** Overrides for the metadata client (timeouts, retries, injected sleep). */
  readonly metadataClient?: Partial<Omit<MetadataClientOptions, 'baseUrl' | 'onAttempt'>>;
  /** The `process_*`/`nodejs_*` series; overrides `config.exporterMetrics` (tests). */
  readonly defaultMetrics?: boolean;
}

export interface ExporterHandle {
  readonly config: ExporterConfig;
  /** The port actually bound (differs from the config when it asked for 0). */
  readonly port: number;
  /** Base URL of the server, e.g. http://127.0.0.1:8014 */
  readonly url: string;
  readonly metricsUrl: string;
  readonly collector: Collector;
  readonly selfMetrics: SelfMetrics;
  readonly logger: Logger;
  /** Adds families to every exposition (e.g. the remote-write pipeline's self-metrics). */
  addFamilySource(source: () => readonly MetricFamily[]): void;
  /** Everything the metrics endpoint serves, as text. */
  exposition(): Promise<string>;
  /** Registers work to run first on stop (e.g. flushing remote write). */
  onStop(hook: () => Promise<void>): void;
  stop(): Promise<void>;
}

export async function startExporter(config: ExporterConfig, deps: ExporterDeps = {}): Promise<ExporterHandle> {
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  const selfMetrics = new SelfMetrics({ defaultMetrics: deps.defaultMetrics ?? config.exporterMetrics });
  const client = new MetadataClient({
    ...deps.metadataClient,
    baseUrl: config.metadataUri,
    onAttempt: (observation) => selfMetrics.recordAttempt(observation),
  });
  const collector = new Collector({ client, selfMetrics, logger: logger.child({ component: 'collector' }), intervalMs: config.collectIntervalMs, maxSeriesPerCollection: config.maxSeriesPerCollection, now: deps.now, scheduler: deps.scheduler });
  const familySources: (() => readonly MetricFamily[])[] = [];
  const stopHooks: (() => Promise<void>)[] = [];

  // The container families change only once per collection, so they are rendered to bytes once
  // per collection (eagerly, so that cost counts as collection work; gzip on the first scrape that
  // asks for it) and every scrape reuses them: with 50 containers that is ~200 KB of text, the
  // largest part of a scrape's CPU (runtime/bench). A scrape reads `rendered` once, so it serves
  // one collection's container part even when a collection finishes while it is being answered.
  const EMPTY = ExpositionPart.of('');
  let rendered: { readonly collection: Collection | undefined; readonly part: ExpositionPart } = { collection: undefined, part: EMPTY };
  const containerPart = (): ExpositionPart => {
    const latest = collector.latest;
    if (rendered.collection !== latest) {
      rendered = { collection: latest, part: latest ? new ExpositionPart(renderFamiliesToBytes(latest.families)) : EMPTY };
    }
    return rendered.part;
  };
  collector.onCollection(() => {
    containerPart();
  });

  /** prom-client's registry (self + process metrics), the extra sources, then the container families: disjoint names. */
  const expositionParts = async (): Promise<readonly ExpositionPart[]> => {
    const own = await selfMetrics.registry.metrics();
    // Taken after the await, together with the self-metrics it belongs to (nothing runs in between).
    const containers = containerPart();
    const extra = familySources.length === 0 ? '' : renderFamilies(familySources.flatMap((source) => source()));
    return [ExpositionPart.of(`${own.endsWith('\n') || own === '' ? own : own + '\n'}${extra}`), containers];
  };
  const exposition = async (): Promise<string> => (await expositionParts()).map((part) => part.plain.toString('utf8')).join('');

  const server = await startMetricsServer({
    port: config.httpListenPort,
    host: deps.host,
    metricsPath: config.metricsPath,
    auth: config.httpAuth,
    logger: logger.child({ component: 'server' }),
    exposition: async () => ({ contentType: selfMetrics.registry.contentType, parts: await expositionParts() }),
  });
  collector.start();
  logger.info('exporter started', {
    port: server.port,
    metricsPath: config.metricsPath,
    collectIntervalMs: config.collectIntervalMs,
    basicAuth: config.httpAuth !== undefined,
    mode: config.remoteWrite ? 'active' : 'passive',
  });

  let stopping: Promise<void> | undefined;
  return {
    config,
    port: server.port,
    url: server.url,
    metricsUrl: server.url + config.metricsPath,
    collector,
    selfMetrics,
    logger,
    addFamilySource: (source) => familySources.push(source),
    exposition,
    onStop: (hook) => stopHooks.push(hook),
    stop: () => {
      stopping ??= (async () => {
        for (const hook of stopHooks) {
          try {
            await hook();
          } catch (error) {
            logger.error('stop hook failed', { err: error });
          }
        }
        await collector.stop();
        await server.close();
        await client.close();
        logger.info('exporter stopped');
      })();
      return stopping;
    },
  };
}
