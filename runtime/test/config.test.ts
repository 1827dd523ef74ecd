import * as fc from 'fast-check';
import { ConfigError, DEFAULT_MAX_PENDING_SAMPLES, parseConfig, parseDuration } from '../src/config';

const BASE = { ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/abc' };

function errorOf(env: Record<string, string>): string {
  try {
    parseConfig({ ...BASE, ...env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration from the environment', () => {
  test('defaults give Passive mode on port 8014 at the actuator path', () => {
    const config = parseConfig(BASE);
    expect(config).toEqual({
      metadataUri: 'http://169.254.170.2/v4/abc',
      httpListenPort: 8014,
      metricsPath: '/container-stats/actuator/prometheus',
      collectIntervalMs: 15_000,
      httpAuth: undefined,
      logLevel: 'info',
      exporterMetrics: true,
      maxSeriesPerCollection: 20_000,
      scrapeIntervalMs: 15_000,
      remoteWrite: undefined,
    });
  });

  test('maxSeriesPerCollection takes a positive integer and names itself when it is not one', () => {
    expect(parseConfig({ ...BASE, maxSeriesPerCollection: '500' }).maxSeriesPerCollection).toBe(500);
    expect(() => parseConfig({ ...BASE, maxSeriesPerCollection: '0' })).toThrow('maxSeriesPerCollection must be a positive integer, got "0"');
    expect(() => parseConfig({ ...BASE, maxSeriesPerCollection: '1e4' })).toThrow(/maxSeriesPerCollection must be a positive integer/);
  });

  test('the config object is frozen, nested objects too', () => {
    const config = parseConfig({ ...BASE, httpAuth_username: 'u', httpAuth_password: 'p', remoteWrite_url: 'https://x/api/v1/write' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.httpAuth)).toBe(true);
    expect(Object.isFrozen(config.remoteWrite)).toBe(true);
  });

  test('missing metadata URI is an error that says ECS sets it', () => {
    expect(() => parseConfig({})).toThrow(/ECS_CONTAINER_METADATA_URI_V4 is not set/);
    expect(() => parseConfig({ ECS_CONTAINER_METADATA_URI_V4: 'https://169.254.170.2/v4/abc' })).toThrow('ECS_CONTAINER_METADATA_URI_V4 must be an http:// URL: ECS serves the task metadata endpoint over plain HTTP (leave the variable as ECS sets it)');
  });

  test('port out of range names the variable and quotes the value', () => {
    expect(errorOf({ httpListenPort: '70000' })).toBe('httpListenPort must be an integer between 1 and 65535, got "70000"');
    expect(errorOf({ httpListenPort: '80a' })).toMatch(/^httpListenPort must be an integer/);
    expect(errorOf({ httpListenPort: '0' })).toMatch(/^httpListenPort/);
  });

  test('durations accept Go style and plain seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('1m')).toBe(60_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('15')).toBe(15_000);
    expect(parseDuration('0.5')).toBe(500);
    expect(parseDuration('15 s')).toBeUndefined();
    expect(parseDuration('abc')).toBeUndefined();
    expect(parseConfig({ ...BASE, collectInterval: '5s', scrapeInterval: '30' }).collectIntervalMs).toBe(5000);
    expect(parseConfig({ ...BASE, scrapeInterval: '30' }).scrapeIntervalMs).toBe(30_000);
    expect(errorOf({ collectInterval: 'soon' })).toMatch(/^collectInterval must be a positive duration .* got "soon"$/);
    expect(errorOf({ collectInterval: '0s' })).toMatch(/^collectInterval/);
  });

  test('metrics path must start with a slash, be a plain path and leave /health alone', () => {
    expect(parseConfig({ ...BASE, metricsPath: '/metrics' }).metricsPath).toBe('/metrics');
    expect(errorOf({ metricsPath: 'metrics' })).toBe('metricsPath must start with "/", got "metrics"; use "/metrics"');
    expect(errorOf({ metricsPath: '/m?x=1' })).toBe('metricsPath must be a plain URL path without whitespace, "?" or "#", got "/m?x=1"');
    expect(errorOf({ metricsPath: '/health' })).toBe('metricsPath must not be "/health": the sidecar serves its health check there; choose another path');
  });

  test('exporter metrics can be turned off; the series limit is a positive integer', () => {
    expect(parseConfig({ ...BASE, disableExporterMetrics: 'true' }).exporterMetrics).toBe(false);
    expect(parseConfig({ ...BASE, disableExporterMetrics: 'false' }).exporterMetrics).toBe(true);
    expect(errorOf({ disableExporterMetrics: 'yes' })).toBe('disableExporterMetrics must be true or false, got "yes"');
    expect(parseConfig({ ...BASE, maxSeriesPerCollection: '500' }).maxSeriesPerCollection).toBe(500);
    expect(errorOf({ maxSeriesPerCollection: '0' })).toBe('maxSeriesPerCollection must be a positive integer, got "0"');
  });

  test('http auth needs both user and password', () => {
    expect(parseConfig({ ...BASE, httpAuth_username: 'a', httpAuth_password: 'b' }).httpAuth).toEqual({ username: 'a', password: 'b' });
    expect(errorOf({ httpAuth_username: 'a' })).toBe(
      'httpAuth_username requires httpAuth_password: basic auth needs both; set httpAuth_password or remove httpAuth_username',
    );
    expect(errorOf({ httpAuth_password: 'b' })).toMatch(/^httpAuth_password requires httpAuth_username/);
  });

  test('log level is one of four, case-insensitive', () => {
    expect(parseConfig({ ...BASE, logLevel: 'DEBUG' }).logLevel).toBe('debug');
    expect(errorOf({ logLevel: 'verbose' })).toBe('logLevel must be one of debug|info|warn|error, got "verbose"');
  });

  test('remote write URL selects Active mode with vmagent defaults', () => {
    const config = parseConfig({ ...BASE, remoteWrite_url: 'https://prom.example/api/v1/write', remoteWrite_basicAuth_username: 'tenant-a', remoteWrite_basicAuth_password: 's3cret' });
    expect(config.remoteWrite).toEqual({
      url: 'https://prom.example/api/v1/write',
      basicAuthUsername: 'tenant-a',
      basicAuthPassword: 's3cret',
      bearerToken: undefined,
      tlsInsecureSkipVerify: false,
      tlsCAFile: undefined,
      awsUseSigv4: false,
      awsRegion: undefined,
      flushIntervalMs: 1000,
      maxPendingSamples: DEFAULT_MAX_PENDING_SAMPLES,
    });
  });

  test('remote write URL must be http or https and parse', () => {
    expect(errorOf({ remoteWrite_url: 'ftp://x/y' })).toBe('remoteWrite_url must use http:// or https://, got "ftp://x/y"');
    expect(errorOf({ remoteWrite_url: 'not a url' })).toMatch(/^remoteWrite_url must be an absolute http/);
  });

  test('a URL with embedded credentials is redacted in the error', () => {
    expect(errorOf({ remoteWrite_url: 'ftp://user:hunter2@x/y' })).not.toContain('hunter2');
  });

  test('password without user, bearer token with basic auth, and remote-write settings without a URL are errors', () => {
    const url = { remoteWrite_url: 'http://127.0.0.1:9090/api/v1/write' };
    expect(errorOf({ ...url, remoteWrite_basicAuth_password: 'p' })).toBe(
      'remoteWrite_basicAuth_password requires remoteWrite_basicAuth_username: basic auth sends both; ' +
      'set remoteWrite_basicAuth_username or remove remoteWrite_basicAuth_password',
    );
    expect(errorOf({ ...url, remoteWrite_basicAuth_username: 'u', remoteWrite_basicAuth_password: 'p', remoteWrite_bearerToken: 't' })).toBe(
      'remoteWrite_bearerToken cannot be combined with remoteWrite_basicAuth_username and remoteWrite_basicAuth_password: ' +
      'both set the Authorization header; keep one of them',
    );
    expect(errorOf({ remoteWrite_basicAuth_username: 'u' })).toMatch(/^remoteWrite_basicAuth_username is set but remoteWrite_url is not/);
    expect(errorOf({ ...url, remoteWrite_aws_useSigv4: 'true', remoteWrite_bearerToken: 't' })).toBe(
      'remoteWrite_aws_useSigv4=true cannot be combined with remoteWrite_bearerToken: SigV4 signs the Authorization header itself; remove the other credentials',
    );
  });

  test('a bearer token with only a basic-auth user stops the start instead of sending "Basic user:"', () => {
    const url = { remoteWrite_url: 'https://x/api/v1/write' };
    expect(errorOf({ ...url, remoteWrite_basicAuth_username: 'u', remoteWrite_bearerToken: 't' })).toMatch(
      /^remoteWrite_bearerToken cannot be combined with remoteWrite_basicAuth_username: /,
    );
    expect(errorOf({ ...url, remoteWrite_basicAuth_username: 'u', remoteWrite_aws_useSigv4: 'true' })).toMatch(
      /^remoteWrite_aws_useSigv4=true cannot be combined with remoteWrite_basicAuth_username: /,
    );
  });

  test('a remote-write URL with credentials is refused without echoing them', () => {
    const message = errorOf({ remoteWrite_url: 'https://user:hunter2@x/api/v1/write' });
    expect(message).toBe(
      'remoteWrite_url must not contain credentials; pass remoteWrite_basicAuth_username and remoteWrite_basicAuth_password instead',
    );
  });

  test('durations are positive whole milliseconds', () => {
    expect(parseConfig({ ...BASE, collectInterval: '1.1s' }).collectIntervalMs).toBe(1100);
    expect(errorOf({ collectInterval: '1.5ms' })).toMatch(/^collectInterval must be a positive duration in whole milliseconds/);
  });

  test('either TLS skip variable disables certificate checks; booleans are strict', () => {
    const url = { remoteWrite_url: 'https://x/api/v1/write' };
    expect(parseConfig({ ...BASE, ...url, SKIP_TLS_VERIFY: 'TRUE' }).remoteWrite?.tlsInsecureSkipVerify).toBe(true);
    expect(parseConfig({ ...BASE, ...url, remoteWrite_tlsInsecureSkipVerify: 'true' }).remoteWrite?.tlsInsecureSkipVerify).toBe(true);
    expect(parseConfig({ ...BASE, ...url, SKIP_TLS_VERIFY: 'false' }).remoteWrite?.tlsInsecureSkipVerify).toBe(false);
    expect(errorOf({ ...url, SKIP_TLS_VERIFY: 'yes' })).toBe('SKIP_TLS_VERIFY must be true or false, got "yes"');
    expect(errorOf({ ...url, remoteWrite_aws_useSigv4: '1' })).toBe('remoteWrite_aws_useSigv4 must be true or false, got "1"');
  });

  test('SigV4 region comes from remoteWrite_aws_region, else AWS_REGION, else is left to the task ARN', () => {
    const url = { remoteWrite_url: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write', remoteWrite_aws_useSigv4: 'true' };
    expect(parseConfig({ ...BASE, ...url, remoteWrite_aws_region: 'eu-west-1', AWS_REGION: 'us-east-1' }).remoteWrite?.awsRegion).toBe('eu-west-1');
    expect(parseConfig({ ...BASE, ...url, AWS_REGION: 'us-east-1' }).remoteWrite?.awsRegion).toBe('us-east-1');
    expect(parseConfig({ ...BASE, ...url }).remoteWrite?.awsRegion).toBeUndefined();
    expect(errorOf({ ...url, remoteWrite_aws_region: 'Ireland' })).toMatch(/^remoteWrite_aws_region must be an AWS region/);
  });

  test('a bad region is reported under the variable that supplied it; partitions with longer prefixes are regions too', () => {
    const url = { remoteWrite_url: 'https://x/api/v1/write' };
    expect(errorOf({ ...url, AWS_REGION: 'local' })).toBe('AWS_REGION must be an AWS region such as "us-east-1", got "local"');
    expect(errorOf({ ...url, AWS_DEFAULT_REGION: 'local' })).toMatch(/^AWS_DEFAULT_REGION must be an AWS region/);
    for (const region of ['us-gov-west-1', 'cn-north-1', 'eusc-de-east-1', 'ap-southeast-5']) {
      expect(parseConfig({ ...BASE, ...url, AWS_REGION: region }).remoteWrite?.awsRegion).toBe(region);
    }
  });

  test('every remote-write setting without remoteWrite_url stops the start; SKIP_TLS_VERIFY is allowed but must be a boolean', () => {
    for (const [name, value] of Object.entries({
      remoteWrite_tlsInsecureSkipVerify: 'true',
      remoteWrite_tlsCAFile: '/etc/ca.pem',
      remoteWrite_aws_region: 'eu-west-1',
      remoteWrite_flushInterval: '1s',
      remoteWrite_maxPendingSamples: '1000',
    })) {
      expect(errorOf({ [name]: value })).toBe(`${name} is set but remoteWrite_url is not: set remoteWrite_url to enable remote write, or remove ${name}`);
    }
    expect(parseConfig({ ...BASE, SKIP_TLS_VERIFY: 'false' }).remoteWrite).toBeUndefined();
    expect(errorOf({ SKIP_TLS_VERIFY: 'yes' })).toBe('SKIP_TLS_VERIFY must be true or false, got "yes"');
  });

  test('flush interval and queue capacity are validated', () => {
    const url = { remoteWrite_url: 'https://x/api/v1/write' };
    const config = parseConfig({ ...BASE, ...url, remoteWrite_flushInterval: '250ms', remoteWrite_maxPendingSamples: '1000' });
    expect(config.remoteWrite?.flushIntervalMs).toBe(250);
    expect(config.remoteWrite?.maxPendingSamples).toBe(1000);
    expect(errorOf({ ...url, remoteWrite_maxPendingSamples: '-5' })).toMatch(/^remoteWrite_maxPendingSamples must be a positive integer/);
    expect(errorOf({ ...url, remoteWrite_flushInterval: 'fast' })).toMatch(/^remoteWrite_flushInterval must be a positive duration/);
  });

  test('empty variables count as unset', () => {
    expect(parseConfig({ ...BASE, remoteWrite_url: '', httpListenPort: '' })).toMatchObject({ remoteWrite: undefined, httpListenPort: 8014 });
  });

  test('secrets never appear in an error message', () => {
    const message = errorOf({ remoteWrite_url: 'https://x/w', remoteWrite_basicAuth_password: 'hunter2' });
    expect(message).not.toContain('hunter2');
  });
});

describe('configuration on arbitrary input (property-based)', () => {
  const VARIABLES = [
    'httpListenPort', 'metricsPath', 'collectInterval', 'httpAuth_username', 'httpAuth_password', 'logLevel', 'remoteWrite_url',
    'remoteWrite_basicAuth_username', 'remoteWrite_basicAuth_password', 'remoteWrite_bearerToken', 'SKIP_TLS_VERIFY',
    'remoteWrite_tlsInsecureSkipVerify', 'remoteWrite_tlsCAFile', 'remoteWrite_aws_useSigv4', 'remoteWrite_aws_region',
    'remoteWrite_flushInterval', 'remoteWrite_maxPendingSamples', 'scrapeInterval', 'disableExporterMetrics', 'maxSeriesPerCollection',
  ];
  const value = fc.oneof(fc.string(), fc.constantFrom('true', 'FALSE', '15s', '0', '70000', 'https://x/w', 'ftp://x', '/p', 'debug', '-1', '1m30s'));

  test('either a frozen config or ONE ConfigError line that starts with a variable name, never a secret', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...VARIABLES), value), (env) => {
        const secret = 'S3CR3T-value';
        const withSecret = { ...env, ...(env.remoteWrite_basicAuth_password !== undefined ? { remoteWrite_basicAuth_password: secret } : {}) };
        try {
          const config = parseConfig({ ...BASE, ...withSecret });
          expect(Object.isFrozen(config)).toBe(true);
          expect(config.httpListenPort).toBeGreaterThanOrEqual(1);
          expect(config.collectIntervalMs).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          const message = (error as Error).message;
          expect(message).not.toMatch(/[\r\n]/);
          expect(VARIABLES.some((name) => message.startsWith(name))).toBe(true);
          expect(message).not.toContain(secret);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
