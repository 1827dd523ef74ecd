/**
 * The exporter's whole configuration, parsed ONCE from the environment at start into a frozen,
 * typed object. Nothing else in the runtime reads `process.env`.
 *
 * The variables, their defaults, kinds and rules are the environment contract
 * (environment-contract.generated.ts, shared with the construct): this file only maps the parsed
 * values onto the typed object the exporter uses. A bad value throws a ConfigError whose message is
 * the one line that main.ts prints before exiting with code 1.
 */
import { VARIABLES, parseEnvironment, type LogLevel } from './environment-contract.generated';

export { LOG_LEVELS, parseDuration, redactUrl, type LogLevel } from './environment-contract.generated';

export interface BasicAuthCredentials {
  readonly username: string;
  readonly password: string;
}

export interface RemoteWriteConfig {
  /** `remoteWrite_url`: http or https. */
  readonly url: string;
  /** `remoteWrite_basicAuth_username`: also the `tenant` label value. */
  readonly basicAuthUsername?: string;
  /** `remoteWrite_basicAuth_password`: only together with a username. */
  readonly basicAuthPassword?: string;
  /** `remoteWrite_bearerToken`: never together with basic auth. */
  readonly bearerToken?: string;
  /** `SKIP_TLS_VERIFY` or `remoteWrite_tlsInsecureSkipVerify`: either true disables certificate checks (remote write only). */
  readonly tlsInsecureSkipVerify: boolean;
  /** `remoteWrite_tlsCAFile`: extra CA bundle (PEM) trusted for the remote-write endpoint. */
  readonly tlsCAFile?: string;
  /** `remoteWrite_aws_useSigv4`: sign requests with SigV4 for Amazon Managed Prometheus. */
  readonly awsUseSigv4: boolean;
  /**
   * `remoteWrite_aws_region`, else `AWS_REGION` / `AWS_DEFAULT_REGION`. When all are unset this is
   * undefined and the active mode takes the region from the task ARN.
   */
  readonly awsRegion?: string;
  /** `remoteWrite_flushInterval` in ms (vmagent's default 1s). */
  readonly flushIntervalMs: number;
  /** `remoteWrite_maxPendingSamples`: queue capacity in samples. */
  readonly maxPendingSamples: number;
}

export interface ExporterConfig {
  /** `ECS_CONTAINER_METADATA_URI_V4` without a trailing slash. */
  readonly metadataUri: string;
  readonly httpListenPort: number;
  readonly metricsPath: string;
  /** How often /task/stats is read. */
  readonly collectIntervalMs: number;
  /** Basic auth on the metrics endpoint (never on /health). */
  readonly httpAuth?: BasicAuthCredentials;
  readonly logLevel: LogLevel;
  /** `disableExporterMetrics` inverted: true keeps the exporter's own process_* and nodejs_* series. */
  readonly exporterMetrics: boolean;
  /** `maxSeriesPerCollection`: upper bound of the container series one collection produces. */
  readonly maxSeriesPerCollection: number;
  /** How often labelled task containers are scraped (Active mode). */
  readonly scrapeIntervalMs: number;
  /** Present exactly when `remoteWrite_url` is set: Active mode. */
  readonly remoteWrite?: RemoteWriteConfig;
}

export const DEFAULT_HTTP_LISTEN_PORT = VARIABLES.httpListenPort.default;
export const DEFAULT_METRICS_PATH = VARIABLES.metricsPath.default;
export const DEFAULT_COLLECT_INTERVAL_MS = VARIABLES.collectInterval.default;
export const DEFAULT_SCRAPE_INTERVAL_MS = VARIABLES.scrapeInterval.default;
export const DEFAULT_FLUSH_INTERVAL_MS = VARIABLES.remoteWrite_flushInterval.default;
export const DEFAULT_MAX_PENDING_SAMPLES = VARIABLES.remoteWrite_maxPendingSamples.default;
export const DEFAULT_MAX_SERIES_PER_COLLECTION = VARIABLES.maxSeriesPerCollection.default;

/** A configuration value that cannot be used; the message is one line naming the variable and the fix. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parse the environment into the frozen config, or throw a ConfigError. */
export function parseConfig(env: Env): ExporterConfig {
  const parsed = parseEnvironment(env);
  if ('problem' in parsed) throw new ConfigError(parsed.problem);
  const v = parsed.values;
  // The environment contract accepts https for every URL; the metadata client speaks plain HTTP only,
  // which is all the ECS agent serves on its link-local address.
  if (v.ECS_CONTAINER_METADATA_URI_V4 !== undefined && !v.ECS_CONTAINER_METADATA_URI_V4.startsWith('http://')) {
    throw new ConfigError('ECS_CONTAINER_METADATA_URI_V4 must be an http:// URL: ECS serves the task metadata endpoint over plain HTTP (leave the variable as ECS sets it)');
  }
  const config: ExporterConfig = {
    // findProblem refuses an environment without it, so it is set here.
    metadataUri: (v.ECS_CONTAINER_METADATA_URI_V4 ?? '').replace(/\/+$/, ''),
    httpListenPort: v.httpListenPort,
    metricsPath: v.metricsPath,
    collectIntervalMs: v.collectInterval,
    httpAuth: v.httpAuth_username !== undefined && v.httpAuth_password !== undefined
      ? { username: v.httpAuth_username, password: v.httpAuth_password }
      : undefined,
    logLevel: v.logLevel,
    exporterMetrics: !v.disableExporterMetrics,
    maxSeriesPerCollection: v.maxSeriesPerCollection,
    scrapeIntervalMs: v.scrapeInterval,
    remoteWrite: v.remoteWrite_url === undefined ? undefined : {
      url: v.remoteWrite_url,
      basicAuthUsername: v.remoteWrite_basicAuth_username,
      basicAuthPassword: v.remoteWrite_basicAuth_password,
      bearerToken: v.remoteWrite_bearerToken,
      tlsInsecureSkipVerify: v.SKIP_TLS_VERIFY || v.remoteWrite_tlsInsecureSkipVerify,
      tlsCAFile: v.remoteWrite_tlsCAFile,
      awsUseSigv4: v.remoteWrite_aws_useSigv4,
      awsRegion: v.remoteWrite_aws_region,
      flushIntervalMs: v.remoteWrite_flushInterval,
      maxPendingSamples: v.remoteWrite_maxPendingSamples,
    },
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
