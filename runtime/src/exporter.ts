/**
 * Wires the exporter together: config -> logger -> metadata client -> collector loop -> server.
 * `startExporter` is what main.ts runs and what the tests call in-process; it returns a handle
 * whose `stop()` shuts everything down in order.
 */
import { Collector, type Scheduler } from './collector';
import type { ExporterConfig } from './config';
import { createLogger, type Logger } from './logger';
import { MetadataClient, type MetadataClientOptions } from './metadata/client';
import type { MetricFamily } from './model';
import { maglevForLargeCollections } from './optimizing-compiler';
import { SelfMetrics } from './self-metrics';
import { ServedExposition } from './served-exposition';
import { startMetricsServer } from './server';

export interface ExporterDeps {
  readonly logger?: Logger;
  readonly scheduler?: Scheduler;
  readonly now?: () => number;
  /** An address to listen on. @default every address, IPv4 and IPv6 (see MetricsServerOptions.host) */
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
  const served = new ServedExposition(collector, selfMetrics);
  // After the exposition's listener: turning the compiler on never delays a collection's render.
  collector.onCollection(maglevForLargeCollections(logger));
  const stopHooks: (() => Promise<void>)[] = [];

  const server = await startMetricsServer({
    port: config.httpListenPort,
    host: deps.host,
    metricsPath: config.metricsPath,
    auth: config.httpAuth,
    logger: logger.child({ component: 'server' }),
    exposition: async () => ({ contentType: served.contentType, parts: await served.parts() }),
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
    addFamilySource: (source) => served.addFamilySource(source),
    exposition: () => served.text(),
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
