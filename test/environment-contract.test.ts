/**
 * The construct and the runtime read one environment contract (projenrc/environment-contract.ts).
 * These tests feed every environment the construct synthesizes through the runtime's own parser
 * (runtime/src/config.ts, compiled separately; ts-jest reads its TypeScript source), and check that
 * what one side refuses the other refuses too, for the same reason. A name, default or rule changed
 * on one side alone fails here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CfnParameter, Duration, Token, aws_ecs as ecs, aws_iam as iam } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { containerDefinition, ec2Task, environmentOf, fargateTask, newStack, secretNamesOf } from './helpers';
import { CONSTRUCT_CONTRACT_FILE, RUNTIME_CONTRACT_FILE, renderEnvironmentContract } from '../projenrc/environment-contract-files';
import { ConfigError, ExporterConfig, parseConfig } from '../runtime/src/config';
import { AssertsSidecar, AssertsSidecarProps } from '../src';
import { VARIABLES, VariableName, VariableSpec } from '../src/private/environment-contract.generated';

const ROOT = path.join(__dirname, '..');
const NAME = 'ecs-dockerstats-exporter';
const METADATA = { ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/0123456789abcdef' };
const AMP_URL = 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-12345678-abcd/api/v1/remote_write';
const WORKSPACE_ARN = 'arn:aws:aps:eu-west-1:123456789012:workspace/ws-12345678-abcd';
/** What ECS injects for a secret: the test's stand-in value. */
const SECRET_VALUE = 'dummy-secret-value';

/** A value of the right kind for a variable whose rendered value is a deploy-time token. */
const DEPLOY_TIME_VALUES: Record<VariableSpec['kind'], string> = {
  httpUrl: 'https://prometheus.example.com/api/v1/write',
  text: 'from-a-token',
  boolean: 'true',
  port: '9100',
  path: '/metrics-from-a-token',
  duration: '30s',
  count: '1000',
  logLevel: 'info',
  awsRegion: 'us-east-1',
};

/** A secret that belongs to no stack, so any test stack can use it. */
function secret(): ecs.Secret {
  return {
    arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sidecar-AbCdEf',
    hasField: false,
    grantRead: grantee => iam.Grant.drop(grantee, 'secretsmanager:GetSecretValue'),
  };
}

/** The sidecar container's environment as ECS would start it: template values, secrets injected, tokens resolved. */
function synthesizedEnvironment(props: AssertsSidecarProps, makeTask = fargateTask): Record<string, string> {
  const stack = newStack();
  new AssertsSidecar(makeTask(stack), 'Metrics', props);
  const container = containerDefinition(Template.fromStack(stack), NAME);
  const env: Record<string, string> = { ...METADATA };
  for (const [name, value] of Object.entries(environmentOf(container))) {
    const contract: VariableSpec | undefined = (VARIABLES as Record<string, VariableSpec>)[name];
    // A name the runtime does not read would be ignored silently: the construct renders contract names only.
    if (!contract) throw new Error(`the construct rendered ${name}, which is not in the environment contract`);
    if (contract.secret) throw new Error(`secret variable ${name} was rendered as a plain environment value`);
    if (typeof value === 'string') {
      env[name] = value;
    } else {
      env[name] = DEPLOY_TIME_VALUES[contract.kind];
    }
  }
  for (const name of secretNamesOf(container)) {
    if (!(name in VARIABLES)) throw new Error(`the construct rendered the secret ${name}, which is not in the environment contract`);
    env[name] = SECRET_VALUE;
  }
  return env;
}

/** A runtime message with each variable named as the construct names it (property, else `environment.<name>`). */
function namedAsProps(runtimeMessage: string): string {
  const names = (Object.keys(VARIABLES) as VariableName[]).sort((a, b) => b.length - a.length);
  let message = runtimeMessage;
  for (const name of names) {
    const spec: VariableSpec = VARIABLES[name];
    const prop = spec.prop ?? `environment.${name}`;
    message = message.replace(new RegExp(`(?<![\\w.])${name}(=true)?(?![\\w])`, 'g'), prop);
  }
  return message;
}

function runtimeError(env: Record<string, string>): string | undefined {
  try {
    parseConfig({ ...METADATA, ...env });
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
}

function constructError(props: AssertsSidecarProps): string | undefined {
  try {
    new AssertsSidecar(fargateTask(newStack()), 'Metrics', props);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('one definition, two copies', () => {
  test.each([
    ['the construct', CONSTRUCT_CONTRACT_FILE],
    ['the runtime', path.join('runtime', RUNTIME_CONTRACT_FILE)],
  ])('the copy in %s is the projenrc definition unchanged (run `npx projen` after editing it)', (_side, file) => {
    const copy = fs.readFileSync(path.join(ROOT, file), 'utf8');
    expect(copy.trimEnd()).toBe(renderEnvironmentContract(ROOT).join('\n'));
  });
});

describe('every documented prop combination synthesizes an environment the runtime starts with', () => {
  const cases: Array<[string, AssertsSidecarProps, (config: ExporterConfig) => void]> = [
    ['Passive mode with defaults', {}, config => {
      expect(config.remoteWrite).toBeUndefined();
      expect(config.httpListenPort).toBe(8014);
      expect(config.metricsPath).toBe('/container-stats/actuator/prometheus');
      expect(config.exporterMetrics).toBe(true);
    }],
    ['custom port, path and collect interval', { port: 9100, metricsPath: '/metrics', collectInterval: Duration.seconds(30) }, config => {
      expect(config).toMatchObject({ httpListenPort: 9100, metricsPath: '/metrics', collectIntervalMs: 30_000 });
    }],
    ['a collect interval below one second (warned, not refused)', { collectInterval: Duration.millis(500) }, config => {
      expect(config.collectIntervalMs).toBe(500);
    }],
    ['basic auth on the metrics endpoint', { httpAuthUsername: 'scraper', httpAuthPassword: secret() }, config => {
      expect(config.httpAuth).toEqual({ username: 'scraper', password: SECRET_VALUE });
    }],
    ['exporter metrics off', { exporterMetrics: false }, config => expect(config.exporterMetrics).toBe(false)],
    ['exporter metrics on', { exporterMetrics: true }, config => expect(config.exporterMetrics).toBe(true)],
    ['extra runtime variables through environment', { environment: { logLevel: 'debug', maxSeriesPerCollection: '5000' } }, config => {
      expect(config).toMatchObject({ logLevel: 'debug', maxSeriesPerCollection: 5000 });
    }],
    ['Active mode without credentials', { remoteWrite: { url: 'https://prometheus.example.com/api/v1/write' } }, config => {
      expect(config.remoteWrite).toMatchObject({ url: 'https://prometheus.example.com/api/v1/write', tlsInsecureSkipVerify: false, awsUseSigv4: false });
    }],
    ['Active mode with basic auth, the password as a secret', {
      remoteWrite: { url: 'https://prometheus.example.com/api/v1/write', username: 'tenant-a', password: secret() },
    }, config => expect(config.remoteWrite).toMatchObject({ basicAuthUsername: 'tenant-a', basicAuthPassword: SECRET_VALUE })],
    ['Active mode with a user only (the tenant label)', { remoteWrite: { url: 'https://prometheus.example.com/api/v1/write', username: 'tenant-a' } }, config => {
      expect(config.remoteWrite?.basicAuthUsername).toBe('tenant-a');
    }],
    ['Active mode with a bearer token', { remoteWrite: { url: 'https://prometheus.example.com/api/v1/write', bearerToken: secret() } }, config => {
      expect(config.remoteWrite).toMatchObject({ bearerToken: SECRET_VALUE, basicAuthUsername: undefined });
    }],
    ['Active mode with SigV4 to an AMP workspace URL', { remoteWrite: { url: AMP_URL, sigV4: {} } }, config => {
      expect(config.remoteWrite).toMatchObject({ awsUseSigv4: true, awsRegion: 'eu-west-1' });
    }],
    ['Active mode with SigV4, a token URL and the workspace ARN', {
      remoteWrite: { url: Token.asString({ Ref: 'Endpoint' }), sigV4: { workspaceArn: WORKSPACE_ARN } },
    }, config => expect(config.remoteWrite).toMatchObject({ awsUseSigv4: true, awsRegion: 'eu-west-1' })],
    ['Active mode with SigV4 through a proxy URL and an explicit region', {
      remoteWrite: { url: 'https://proxy.example.com/write', sigV4: { workspaceArn: WORKSPACE_ARN, region: 'eu-west-1' } },
    }, config => expect(config.remoteWrite?.awsRegion).toBe('eu-west-1')],
    ['Active mode skipping TLS verification', { remoteWrite: { url: 'https://self-signed.example.com/write', skipTlsVerify: true } }, config => {
      expect(config.remoteWrite?.tlsInsecureSkipVerify).toBe(true);
    }],
    ['Active mode with an extra CA file, flush interval and queue size through environment', {
      remoteWrite: { url: 'https://internal.example.com/write' },
      environment: { remoteWrite_tlsCAFile: '/etc/ssl/private-ca.pem', remoteWrite_flushInterval: '5s', remoteWrite_maxPendingSamples: '100000' },
    }, config => {
      expect(config.remoteWrite).toMatchObject({ tlsCAFile: '/etc/ssl/private-ca.pem', flushIntervalMs: 5000, maxPendingSamples: 100_000 });
    }],
    ['Active mode with a custom scrape interval', { remoteWrite: { url: 'https://prometheus.example.com/api/v1/write', scrapeInterval: Duration.seconds(60) } }, config => {
      expect(config.scrapeIntervalMs).toBe(60_000);
    }],
    ['everything customised at once', {
      port: 9200,
      metricsPath: '/custom/metrics',
      collectInterval: Duration.millis(2500),
      httpAuthUsername: 'scraper',
      httpAuthPassword: secret(),
      exporterMetrics: false,
      environment: { logLevel: 'warn' },
      remoteWrite: { url: 'https://prometheus.example.com/api/v1/write', username: 'u', password: secret(), skipTlsVerify: true, scrapeInterval: Duration.seconds(20) },
    }, config => {
      expect(config).toMatchObject({ httpListenPort: 9200, metricsPath: '/custom/metrics', collectIntervalMs: 2500, exporterMetrics: false, logLevel: 'warn', scrapeIntervalMs: 20_000 });
    }],
  ];

  test.each(cases)('%s', (_label, props, check) => {
    const env = synthesizedEnvironment(props);
    const config = parseConfig(env);
    check(config);
  });

  test('deploy-time tokens for port, path and intervals render to values the runtime parses', () => {
    const stack = newStack();
    const port = new CfnParameter(stack, 'Port', { type: 'Number' });
    const seconds = new CfnParameter(stack, 'Seconds', { type: 'Number' });
    new AssertsSidecar(fargateTask(stack), 'Metrics', { port: port.valueAsNumber, collectInterval: Duration.seconds(seconds.valueAsNumber) });
    const environment = environmentOf(containerDefinition(Template.fromStack(stack), NAME));
    // The token's value is only known at deploy time; the unit the construct appends must be one the runtime reads.
    expect(environment.collectInterval).toEqual({ 'Fn::Join': ['', [{ Ref: 'Seconds' }, 's']] });
    expect(parseConfig({ ...METADATA, collectInterval: '42s' }).collectIntervalMs).toBe(42_000);
  });

  test.each([
    ['Fargate awsvpc', fargateTask],
    ['EC2 bridge', (stack: any) => ec2Task(stack, ecs.NetworkMode.BRIDGE)],
    ['EC2 host', (stack: any) => ec2Task(stack, ecs.NetworkMode.HOST)],
  ])('%s: the environment and the discovery labels agree with the runtime\'s defaults', (_label, makeTask) => {
    const stack = newStack();
    new AssertsSidecar(makeTask(stack), 'Metrics');
    const container = containerDefinition(Template.fromStack(stack), NAME);
    const config = parseConfig({ ...METADATA, ...environmentOf(container) });
    const defaults = parseConfig(METADATA);
    expect(config.httpListenPort).toBe(defaults.httpListenPort);
    expect(config.metricsPath).toBe(defaults.metricsPath);
    expect(container.DockerLabels).toEqual({
      PROMETHEUS_EXPORTER_PATH: defaults.metricsPath,
      PROMETHEUS_EXPORTER_PORT: String(defaults.httpListenPort),
    });
    expect(container.PortMappings[0].ContainerPort).toBe(defaults.httpListenPort);
  });
});

describe('what one side refuses, the other refuses for the same reason', () => {
  const url = 'https://prometheus.example.com/api/v1/write';
  // [label, construct props, the environment those props stand for]
  const refused: Array<[string, () => AssertsSidecarProps, Record<string, string>]> = [
    ['a remote-write password without a user', () => ({ remoteWrite: { url, password: secret() } }),
      { remoteWrite_url: url, remoteWrite_basicAuth_password: 'p' }],
    ['a bearer token with a basic-auth user', () => ({ remoteWrite: { url, username: 'u', bearerToken: secret() } }),
      { remoteWrite_url: url, remoteWrite_basicAuth_username: 'u', remoteWrite_bearerToken: 't' }],
    ['a bearer token with basic auth', () => ({ remoteWrite: { url, username: 'u', password: secret(), bearerToken: secret() } }),
      { remoteWrite_url: url, remoteWrite_basicAuth_username: 'u', remoteWrite_basicAuth_password: 'p', remoteWrite_bearerToken: 't' }],
    ['SigV4 with a basic-auth user', () => ({ remoteWrite: { url: AMP_URL, username: 'u', sigV4: {} } }),
      { remoteWrite_url: AMP_URL, remoteWrite_aws_useSigv4: 'true', remoteWrite_aws_region: 'eu-west-1', remoteWrite_basicAuth_username: 'u' }],
    ['SigV4 with a bearer token', () => ({ remoteWrite: { url: AMP_URL, bearerToken: secret(), sigV4: {} } }),
      { remoteWrite_url: AMP_URL, remoteWrite_aws_useSigv4: 'true', remoteWrite_aws_region: 'eu-west-1', remoteWrite_bearerToken: 't' }],
    ['a metrics-endpoint user without password', () => ({ httpAuthUsername: 'scraper' }), { httpAuth_username: 'scraper' }],
    ['a metrics-endpoint password without user', () => ({ httpAuthPassword: secret() }), { httpAuth_password: 'p' }],
    ['a port out of range', () => ({ port: 70000 }), { httpListenPort: '70000' }],
    ['port 0', () => ({ port: 0 }), { httpListenPort: '0' }],
    ['a metrics path without a leading slash', () => ({ metricsPath: 'metrics' }), { metricsPath: 'metrics' }],
    ['the health path as metrics path', () => ({ metricsPath: '/health' }), { metricsPath: '/health' }],
    ['a metrics path with a query', () => ({ metricsPath: '/metrics?x=1' }), { metricsPath: '/metrics?x=1' }],
    ['a collect interval of zero', () => ({ collectInterval: Duration.seconds(0) }), { collectInterval: '0s' }],
    ['a remote-write URL that is not http', () => ({ remoteWrite: { url: 'ftp://example.com/write' } }), { remoteWrite_url: 'ftp://example.com/write' }],
    ['a relative remote-write URL', () => ({ remoteWrite: { url: 'example.com/write' } }), { remoteWrite_url: 'example.com/write' }],
    ['a remote-write URL with credentials', () => ({ remoteWrite: { url: 'https://u:pw@example.com/write' } }), { remoteWrite_url: 'https://u:pw@example.com/write' }],
    ['a SigV4 region that is not a region', () => ({ remoteWrite: { url: 'https://proxy.example.com/write', sigV4: { workspaceArn: WORKSPACE_ARN, region: 'Ireland' } } }),
      { remoteWrite_url: 'https://proxy.example.com/write', remoteWrite_aws_useSigv4: 'true', remoteWrite_aws_region: 'Ireland' }],
    ['an unknown log level', () => ({ environment: { logLevel: 'verbose' } }), { logLevel: 'verbose' }],
    ['a series limit of zero', () => ({ environment: { maxSeriesPerCollection: '0' } }), { maxSeriesPerCollection: '0' }],
    ['a remote-write setting in Passive mode', () => ({ environment: { remoteWrite_flushInterval: '5s' } }), { remoteWrite_flushInterval: '5s' }],
    ['a bad queue size in Active mode', () => ({ remoteWrite: { url }, environment: { remoteWrite_maxPendingSamples: 'many' } }),
      { remoteWrite_url: url, remoteWrite_maxPendingSamples: 'many' }],
  ];

  test.each(refused)('%s', (_label, props, env) => {
    const fromRuntime = runtimeError(env);
    expect(fromRuntime).toBeDefined();
    expect(constructError(props())).toBe(namedAsProps(fromRuntime!));
  });

  // Every combination of remote-write credentials and metrics-endpoint auth: both sides accept, or
  // both refuse with the same message.
  const credentials: Array<[string, (s: () => ecs.Secret) => Partial<AssertsSidecarProps['remoteWrite']>, Record<string, string>]> = [
    ['no credentials', () => ({}), {}],
    ['user', () => ({ username: 'u' }), { remoteWrite_basicAuth_username: 'u' }],
    ['user+password', s => ({ username: 'u', password: s() }), { remoteWrite_basicAuth_username: 'u', remoteWrite_basicAuth_password: 'p' }],
    ['password', s => ({ password: s() }), { remoteWrite_basicAuth_password: 'p' }],
    ['bearer', s => ({ bearerToken: s() }), { remoteWrite_bearerToken: 't' }],
    ['user+bearer', s => ({ username: 'u', bearerToken: s() }), { remoteWrite_basicAuth_username: 'u', remoteWrite_bearerToken: 't' }],
    ['password+bearer', s => ({ password: s(), bearerToken: s() }), { remoteWrite_basicAuth_password: 'p', remoteWrite_bearerToken: 't' }],
    ['sigV4', () => ({ sigV4: {} }), { remoteWrite_aws_useSigv4: 'true' }],
    ['sigV4+user', () => ({ sigV4: {}, username: 'u' }), { remoteWrite_aws_useSigv4: 'true', remoteWrite_basicAuth_username: 'u' }],
    ['sigV4+user+password', s => ({ sigV4: {}, username: 'u', password: s() }),
      { remoteWrite_aws_useSigv4: 'true', remoteWrite_basicAuth_username: 'u', remoteWrite_basicAuth_password: 'p' }],
    ['sigV4+bearer', s => ({ sigV4: {}, bearerToken: s() }), { remoteWrite_aws_useSigv4: 'true', remoteWrite_bearerToken: 't' }],
  ];
  const httpAuth: Array<[string, (s: () => ecs.Secret) => Partial<AssertsSidecarProps>, Record<string, string>]> = [
    ['open metrics endpoint', () => ({}), {}],
    ['endpoint user', () => ({ httpAuthUsername: 'a' }), { httpAuth_username: 'a' }],
    ['endpoint password', s => ({ httpAuthPassword: s() }), { httpAuth_password: 'b' }],
    ['endpoint user+password', s => ({ httpAuthUsername: 'a', httpAuthPassword: s() }), { httpAuth_username: 'a', httpAuth_password: 'b' }],
  ];
  const combinations = credentials.flatMap(([c, cProps, cEnv]) => httpAuth.map(([h, hProps, hEnv]) => [`${c}, ${h}`, cProps, cEnv, hProps, hEnv] as const));

  test.each(combinations)('%s: both sides agree', (_label, cProps, cEnv, hProps, hEnv) => {
    const props: AssertsSidecarProps = { ...hProps(secret), remoteWrite: { url: AMP_URL, ...cProps(secret) } };
    const env = { remoteWrite_url: AMP_URL, ...(cEnv.remoteWrite_aws_useSigv4 ? { remoteWrite_aws_region: 'eu-west-1' } : {}), ...cEnv, ...hEnv };
    const fromRuntime = runtimeError(env);
    const fromConstruct = constructError(props);
    expect(fromConstruct).toBe(fromRuntime === undefined ? undefined : namedAsProps(fromRuntime));
    if (fromConstruct === undefined) expect(() => parseConfig(synthesizedEnvironment(props))).not.toThrow();
  });
});

describe('the construct documents the contract\'s defaults', () => {
  const sources = ['asserts-sidecar.ts', 'remote-write.ts'].map(file => fs.readFileSync(path.join(ROOT, 'src', file), 'utf8')).join('\n');

  function documentedDefault(prop: string): string {
    const match = new RegExp(`@default ([^\\n]*)\\n(?:\\s*\\*[^\\n]*\\n)*?\\s*\\*/\\n\\s*readonly ${prop}\\?`).exec(sources);
    if (!match) throw new Error(`no @default documented for ${prop}`);
    return match[1];
  }

  test.each([
    ['port', String(VARIABLES.httpListenPort.default)],
    ['metricsPath', `'${VARIABLES.metricsPath.default}'`],
    ['exporterMetrics', String(!VARIABLES.disableExporterMetrics.default)],
    ['collectInterval', `- the runtime's default, ${VARIABLES.collectInterval.default / 1000} seconds`],
    ['scrapeInterval', `- the runtime's default, ${VARIABLES.scrapeInterval.default / 1000} seconds`],
  ])('%s', (prop, expected) => {
    expect(documentedDefault(prop)).toBe(expected);
  });
});

describe('the contract\'s property names', () => {
  const sources = ['asserts-sidecar.ts', 'remote-write.ts'].map(file => fs.readFileSync(path.join(ROOT, 'src', file), 'utf8')).join('\n');
  const managed = (Object.keys(VARIABLES) as VariableName[]).filter(name => (VARIABLES[name] as VariableSpec).prop !== undefined);

  test.each(managed)('%s is set by a property that exists', name => {
    const prop = (VARIABLES[name] as VariableSpec).prop!;
    for (const segment of prop.split('.')) expect(sources).toMatch(new RegExp(`readonly ${segment}\\??: `));
  });

  test('every secret variable is set from a property (an ecs.Secret), never from plain environment', () => {
    for (const name of Object.keys(VARIABLES) as VariableName[]) {
      const spec: VariableSpec = VARIABLES[name];
      if (spec.secret) expect([name, spec.prop]).toEqual([name, expect.any(String)]);
    }
  });
});

describe('variables added to the sidecar container after construction', () => {
  function sidecar(props: AssertsSidecarProps = {}) {
    const stack = newStack();
    return { stack, sidecar: new AssertsSidecar(fargateTask(stack), 'Metrics', props) };
  }

  test('a managed variable set through addEnvironment stops synthesis with the property to use', () => {
    const { stack, sidecar: s } = sidecar();
    s.container.addEnvironment('remoteWrite_url', 'https://prometheus.example.com/api/v1/write');
    expect(() => Template.fromStack(stack)).toThrow(
      'The sidecar\'s environment variable "remoteWrite_url" was changed after the AssertsSidecar was created: it is managed for you; use remoteWrite.url instead',
    );
  });

  test('overwriting a value the construct rendered stops synthesis', () => {
    const { stack, sidecar: s } = sidecar({ port: 9100 });
    s.container.addEnvironment('httpListenPort', '9200');
    expect(() => Template.fromStack(stack)).toThrow(/"httpListenPort" was changed after the AssertsSidecar was created: it is managed for you; use port instead/);
  });

  test('a managed secret added through addSecret stops synthesis', () => {
    const { stack, sidecar: s } = sidecar({ remoteWrite: { url: 'https://prometheus.example.com/api/v1/write' } });
    s.container.addSecret('remoteWrite_bearerToken', secret());
    expect(() => Template.fromStack(stack)).toThrow(
      'The sidecar\'s secret "remoteWrite_bearerToken" was added after the AssertsSidecar was created: it is managed for you; use remoteWrite.bearerToken (an ecs.Secret) instead',
    );
  });

  test('an unmanaged variable with a value the runtime refuses stops synthesis', () => {
    const { stack, sidecar: s } = sidecar();
    s.container.addEnvironment('logLevel', 'verbose');
    expect(() => Template.fromStack(stack)).toThrow(/environment would stop the exporter at start: environment.logLevel must be one of debug\|info\|warn\|error, got "verbose"/);
  });

  test('a remote-write-only variable added in Passive mode stops synthesis', () => {
    const { stack, sidecar: s } = sidecar();
    s.container.addEnvironment('remoteWrite_flushInterval', '5s');
    expect(() => Template.fromStack(stack)).toThrow(/environment.remoteWrite_flushInterval is set but remoteWrite.url is not/);
  });

  test('unmanaged variables the runtime accepts synthesize', () => {
    const { stack, sidecar: s } = sidecar();
    s.container.addEnvironment('logLevel', 'debug');
    s.container.addEnvironment('maxSeriesPerCollection', '1000');
    expect(parseConfig(synthesizedEnvironmentOf(stack)).logLevel).toBe('debug');
  });
});

function synthesizedEnvironmentOf(stack: any): Record<string, string> {
  return { ...METADATA, ...environmentOf(containerDefinition(Template.fromStack(stack), NAME)) };
}
