/**
 * The exporter's whole configuration, parsed ONCE from the environment at start into a frozen,
 * typed object. Nothing else in the runtime reads `process.env`.
 *
 * Contract (see README "The exporter runtime"): booleans accept only `true`/`false`
 * (case-insensitive); durations accept Go style (`500ms`, `15s`, `1m`, `1m30s`) or plain seconds
 * (`15`). An empty variable counts as unset. A bad value throws a ConfigError whose message is the
 * one line that main.ts prints before exiting with code 1.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

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
  /** false when `disableExporterMetrics=true`: the exporter's `process_*`/`nodejs_*` series are left out (its `ecs_exporter_*` stay). */
  readonly exporterMetrics: boolean;
  /** How often labelled task containers are scraped (Active mode). */
  readonly scrapeIntervalMs: number;
  /** Present exactly when `remoteWrite_url` is set: Active mode. */
  readonly remoteWrite?: RemoteWriteConfig;
}

export const DEFAULT_HTTP_LISTEN_PORT = 8014;
export const DEFAULT_METRICS_PATH = '/container-stats/actuator/prometheus';
export const DEFAULT_COLLECT_INTERVAL_MS = 15_000;
export const DEFAULT_SCRAPE_INTERVAL_MS = 15_000;
export const DEFAULT_FLUSH_INTERVAL_MS = 1_000;
/**
 * Queue capacity for remote write. Sized for at least one hour of a 10-container task at default
 * settings: the transform gives 110-200 series for 10 containers (host to bridge), plus ~100 self and
 * process series, every 15 s (240 collections/h): at most ~72,000 samples/h. 500,000 leaves room for
 * the scraped application metrics (~1,700 more series for an hour). test/queue-capacity.test.ts
 * checks this against the transform's real series count.
 */
export const DEFAULT_MAX_PENDING_SAMPLES = 500_000;

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
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const metadataUri = read('ECS_CONTAINER_METADATA_URI_V4');
  if (metadataUri === undefined) {
    throw new ConfigError(
      'ECS_CONTAINER_METADATA_URI_V4 is not set: run the exporter as a container of an ECS task (ECS sets it), or point it at a simulated task',
    );
  }
  parseHttpUrl('ECS_CONTAINER_METADATA_URI_V4', metadataUri);

  const metricsPath = read('metricsPath') ?? DEFAULT_METRICS_PATH;
  if (!metricsPath.startsWith('/') || /\s|\?|#/.test(metricsPath) || metricsPath === '/health') {
    throw new ConfigError(`metricsPath must be a path starting with "/" without spaces, "?" or "#" and other than /health, got ${quote(metricsPath)}`);
  }

  const httpAuthUser = read('httpAuth_username');
  const httpAuthPassword = read('httpAuth_password');
  if ((httpAuthUser === undefined) !== (httpAuthPassword === undefined)) {
    const missing = httpAuthUser === undefined ? 'httpAuth_username' : 'httpAuth_password';
    throw new ConfigError(`${missing} must be set together with ${missing === 'httpAuth_username' ? 'httpAuth_password' : 'httpAuth_username'}: set both to require basic auth, or neither`);
  }

  const logLevelRaw = (read('logLevel') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevelRaw)) {
    throw new ConfigError(`logLevel must be one of ${LOG_LEVELS.join('|')}, got ${quote(read('logLevel') ?? '')}`);
  }

  const config: ExporterConfig = {
    metadataUri: metadataUri.replace(/\/+$/, ''),
    httpListenPort: parsePort('httpListenPort', read('httpListenPort'), DEFAULT_HTTP_LISTEN_PORT),
    metricsPath,
    exporterMetrics: !parseBool('disableExporterMetrics', read('disableExporterMetrics'), false),
    collectIntervalMs: parseDurationVar('collectInterval', read('collectInterval'), DEFAULT_COLLECT_INTERVAL_MS),
    httpAuth: httpAuthUser !== undefined && httpAuthPassword !== undefined ? { username: httpAuthUser, password: httpAuthPassword } : undefined,
    logLevel: logLevelRaw as LogLevel,
    scrapeIntervalMs: parseDurationVar('scrapeInterval', read('scrapeInterval'), DEFAULT_SCRAPE_INTERVAL_MS),
    remoteWrite: parseRemoteWrite(read),
  };
  return deepFreeze(config);
}

/** Variables that configure remote write and mean nothing without `remoteWrite_url`. */
const REMOTE_WRITE_ONLY_VARIABLES = [
  'remoteWrite_basicAuth_username',
  'remoteWrite_basicAuth_password',
  'remoteWrite_bearerToken',
  'remoteWrite_tlsInsecureSkipVerify',
  'remoteWrite_tlsCAFile',
  'remoteWrite_aws_useSigv4',
  'remoteWrite_aws_region',
  'remoteWrite_flushInterval',
  'remoteWrite_maxPendingSamples',
] as const;

function parseRemoteWrite(read: (name: string) => string | undefined): RemoteWriteConfig | undefined {
  const url = read('remoteWrite_url');
  if (url === undefined) {
    // Passive mode; settings that only make sense with a URL are a mistake worth stopping for.
    // SKIP_TLS_VERIFY is the exception: the published task-definition example sets it in both modes,
    // so it is only checked for being a boolean.
    for (const name of REMOTE_WRITE_ONLY_VARIABLES) {
      if (read(name) !== undefined) {
        throw new ConfigError(`${name} is set but remoteWrite_url is not: set remoteWrite_url to enable remote write, or remove ${name}`);
      }
    }
    parseBool('SKIP_TLS_VERIFY', read('SKIP_TLS_VERIFY'), false);
    return undefined;
  }
  parseHttpUrl('remoteWrite_url', url);

  const username = read('remoteWrite_basicAuth_username');
  const password = read('remoteWrite_basicAuth_password');
  const bearerToken = read('remoteWrite_bearerToken');
  if (password !== undefined && username === undefined) {
    throw new ConfigError('remoteWrite_basicAuth_password is set without remoteWrite_basicAuth_username: set the username too, or remove the password');
  }
  if (bearerToken !== undefined && password !== undefined) {
    throw new ConfigError('remoteWrite_bearerToken cannot be combined with remoteWrite_basicAuth_password: choose one way to authenticate');
  }
  const awsUseSigv4 = parseBool('remoteWrite_aws_useSigv4', read('remoteWrite_aws_useSigv4'), false);
  if (awsUseSigv4 && (bearerToken !== undefined || password !== undefined)) {
    throw new ConfigError('remoteWrite_aws_useSigv4=true cannot be combined with remoteWrite_bearerToken or remoteWrite_basicAuth_password: SigV4 signs the request itself');
  }
  const skipTlsVerify = parseBool('SKIP_TLS_VERIFY', read('SKIP_TLS_VERIFY'), false);
  const tlsInsecureSkipVerify = parseBool('remoteWrite_tlsInsecureSkipVerify', read('remoteWrite_tlsInsecureSkipVerify'), false);

  const maxPendingRaw = read('remoteWrite_maxPendingSamples');
  let maxPendingSamples = DEFAULT_MAX_PENDING_SAMPLES;
  if (maxPendingRaw !== undefined) {
    if (!/^\d+$/.test(maxPendingRaw) || Number(maxPendingRaw) < 1 || !Number.isSafeInteger(Number(maxPendingRaw))) {
      throw new ConfigError(`remoteWrite_maxPendingSamples must be a positive integer (samples), got ${quote(maxPendingRaw)}`);
    }
    maxPendingSamples = Number(maxPendingRaw);
  }

  // The error names whichever variable supplied the region (ECS sets AWS_REGION in every task).
  const regionVariable = ['remoteWrite_aws_region', 'AWS_REGION', 'AWS_DEFAULT_REGION'].find((name) => read(name) !== undefined);
  const awsRegion = regionVariable === undefined ? undefined : read(regionVariable);
  if (regionVariable !== undefined && awsRegion !== undefined && !/^[a-z]{2,}(-[a-z]+)+-\d+$/.test(awsRegion)) {
    throw new ConfigError(`${regionVariable} must be an AWS region such as "us-east-1", got ${quote(awsRegion)}`);
  }

  return {
    url,
    basicAuthUsername: username,
    basicAuthPassword: password,
    bearerToken,
    tlsInsecureSkipVerify: skipTlsVerify || tlsInsecureSkipVerify,
    tlsCAFile: read('remoteWrite_tlsCAFile'),
    awsUseSigv4,
    awsRegion,
    flushIntervalMs: parseDurationVar('remoteWrite_flushInterval', read('remoteWrite_flushInterval'), DEFAULT_FLUSH_INTERVAL_MS),
    maxPendingSamples,
  };
}

function parsePort(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`${name} must be an integer between 1 and 65535, got ${quote(raw)}`);
  }
  return port;
}

function parseBool(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new ConfigError(`${name} must be true or false, got ${quote(raw)}`);
}

function parseHttpUrl(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute http:// or https:// URL, got ${quote(redactUrl(raw))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must use http:// or https://, got ${quote(redactUrl(raw))}`);
  }
  return url;
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parse a Go-style duration (`500ms`, `15s`, `1m30s`, `1.5s`) or plain seconds (`15`, `0.5`) to
 * milliseconds; undefined when the text is neither.
 */
export function parseDuration(raw: string): number | undefined {
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(match[1]) * DURATION_UNITS_MS[match[2]];
  }
  return Math.round(total);
}

function parseDurationVar(name: string, raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined) return fallbackMs;
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0) {
    throw new ConfigError(`${name} must be a positive duration such as "15s", "500ms", "1m" or plain seconds "15", got ${quote(raw)}`);
  }
  return ms;
}

/** Strip user:password from a URL before it goes into an error message or a log. */
export function redactUrl(raw: string): string {
  return raw.replace(/\/\/[^/@\s]*@/, '//***@');
}

function quote(value: string): string {
  return JSON.stringify(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
