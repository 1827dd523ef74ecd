import { CfnParameter, Duration, Token, aws_ecs as ecs, aws_logs as logs, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { addAppContainer, containerDefinition, ec2Task, environmentOf, fargateTask, newStack } from './helpers';
import { AssertsSidecar, AssertsSidecarProps, RemoteWriteOptions } from '../src';

function sidecarOnFargate(props: AssertsSidecarProps): () => void {
  return () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics', props);
  };
}

function remoteWrite(options: RemoteWriteOptions): () => void {
  return sidecarOnFargate({ remoteWrite: options });
}

function passwordSecret(): ecs.Secret {
  const stack = newStack();
  return ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'Password'));
}

describe('task definitions the sidecar cannot run in', () => {
  test('a Windows Fargate task definition', () => {
    const stack = newStack();
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task', {
      cpu: 1024,
      memoryLimitMiB: 2048,
      runtimePlatform: { operatingSystemFamily: ecs.OperatingSystemFamily.WINDOWS_SERVER_2022_CORE, cpuArchitecture: ecs.CpuArchitecture.X86_64 },
    });
    expect(() => new AssertsSidecar(taskDefinition, 'Metrics')).toThrow(
      'The task definition runs on WINDOWS_SERVER_2022_CORE: the sidecar supports Linux tasks only; add it to a Linux task definition',
    );
  });

  test('an EC2 task definition in nat network mode (Windows)', () => {
    const stack = newStack();
    expect(() => new AssertsSidecar(ec2Task(stack, ecs.NetworkMode.NAT), 'Metrics')).toThrow(
      'The task definition uses network mode "nat", which is for Windows containers; the sidecar supports Linux tasks only (awsvpc, bridge or host)',
    );
  });

  test('an EC2 task definition without network', () => {
    const stack = newStack();
    expect(() => new AssertsSidecar(ec2Task(stack, ecs.NetworkMode.NONE), 'Metrics')).toThrow(
      'The task definition uses network mode "none": the sidecar could neither reach the ECS metadata endpoint nor be scraped; use awsvpc, bridge or host',
    );
  });

  test('a second sidecar on the same task definition', () => {
    const stack = newStack();
    const taskDefinition = fargateTask(stack);
    new AssertsSidecar(taskDefinition, 'Metrics');
    expect(() => new AssertsSidecar(taskDefinition, 'MoreMetrics', { containerName: 'other-exporter', port: 9000 })).toThrow(
      'The task definition already has an AssertsSidecar ("Metrics"); one sidecar reports every container of its task, so remove the second one',
    );
  });

  test('one sidecar each on two task definitions is fine', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics');
    const other = new ecs.FargateTaskDefinition(stack, 'Other');
    addAppContainer(other);
    expect(() => new AssertsSidecar(other, 'Metrics')).not.toThrow();
  });
});

describe('container name', () => {
  test('taken by a container added before the sidecar', () => {
    const stack = newStack();
    const taskDefinition = fargateTask(stack);
    addAppContainer(taskDefinition, 'ecs-dockerstats-exporter');
    expect(() => new AssertsSidecar(taskDefinition, 'Metrics')).toThrow(
      'The task definition already has a container named "ecs-dockerstats-exporter"; set containerName to a name not used in the task',
    );
  });

  test('taken by a container added after the sidecar: synthesis fails', () => {
    const stack = newStack();
    const taskDefinition = fargateTask(stack);
    new AssertsSidecar(taskDefinition, 'Metrics', { containerName: 'metrics' });
    addAppContainer(taskDefinition, 'metrics');
    expect(() => Template.fromStack(stack)).toThrow(
      'Container "TestStack/Task/metrics" has the same name as the AssertsSidecar container, "metrics"; set the sidecar\'s containerName to another name',
    );
  });

  test('with characters ECS does not allow', () => {
    expect(sidecarOnFargate({ containerName: 'metrics exporter' })).toThrow(
      'containerName must be 1 to 255 letters, digits, hyphens or underscores, got "metrics exporter"',
    );
  });
});

describe('port and path', () => {
  test.each([0, 70000, 80.5, -1])('port %p out of range', port => {
    expect(sidecarOnFargate({ port })).toThrow(`port must be an integer between 1 and 65535, got "${port}"`);
  });

  test('path without a leading slash', () => {
    expect(sidecarOnFargate({ metricsPath: 'metrics' })).toThrow('metricsPath must start with "/", got "metrics"; use "/metrics"');
  });

  test('path with a query string', () => {
    expect(sidecarOnFargate({ metricsPath: '/metrics?x=1' })).toThrow(
      'metricsPath must be a plain URL path without whitespace, "?" or "#", got "/metrics?x=1"',
    );
  });

  test('path that would hide the health endpoint', () => {
    expect(sidecarOnFargate({ metricsPath: '/health' })).toThrow(
      'metricsPath must not be "/health": the sidecar serves its health check there; choose another path',
    );
  });

  test('tokens are not validated at synthesis and are rendered into labels and environment', () => {
    const stack = newStack();
    const port = new CfnParameter(stack, 'Port', { type: 'Number' });
    const path = new CfnParameter(stack, 'Path', { type: 'String' });
    new AssertsSidecar(fargateTask(stack), 'Metrics', { port: port.valueAsNumber, metricsPath: path.valueAsString });
    const container = containerDefinition(Template.fromStack(stack), 'ecs-dockerstats-exporter');
    expect(container.DockerLabels).toEqual({ PROMETHEUS_EXPORTER_PATH: { Ref: 'Path' }, PROMETHEUS_EXPORTER_PORT: { Ref: 'Port' } });
    expect(environmentOf(container).httpListenPort).toEqual({ Ref: 'Port' });
    expect(container.PortMappings).toEqual([{ ContainerPort: { Ref: 'Port' }, Protocol: 'tcp' }]);
  });
});

describe('resources, intervals, logging and environment', () => {
  test('negative cpu', () => {
    expect(sidecarOnFargate({ cpu: -1 })).toThrow('cpu must be a non-negative integer, got -1');
  });

  test('fractional memory reservation', () => {
    expect(sidecarOnFargate({ memoryReservationMiB: 12.5 })).toThrow('memoryReservationMiB must be a non-negative integer, got 12.5');
  });

  test('hard memory limit below the reservation', () => {
    // ecs.ContainerDefinition enforces this rule itself.
    expect(sidecarOnFargate({ memoryReservationMiB: 128, memoryLimitMiB: 64 })).toThrow(/MemoryLimitMiB should not be less than MemoryReservationMiB/);
  });

  test('a hard memory limit below what the mode is measured to need is synthesized with a warning', () => {
    const warnings = (props: AssertsSidecarProps) => {
      const stack = newStack();
      new AssertsSidecar(fargateTask(stack), 'Metrics', props);
      return Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));
    };
    const active = { url: 'https://example.com/write' };
    expect(warnings({ memoryLimitMiB: 48 })).toEqual([
      expect.stringMatching(/^memoryLimitMiB is 48: the exporter holds up to 64 MiB .* Set memoryLimitMiB to at least 80, or set memoryReservationMiB \(a soft limit\) instead\. \[ack: @asserts\/cdk-ecs-sidecar:memoryLimitBelowNeed\]$/),
    ]);
    expect(warnings({ memoryLimitMiB: 128, remoteWrite: active })).toEqual([
      expect.stringMatching(/^memoryLimitMiB is 128: in Active mode .* the child process that makes the AWS calls .* Set memoryLimitMiB to at least 224/),
    ]);
    expect(warnings({ memoryLimitMiB: 80 })).toEqual([]);
    expect(warnings({ memoryLimitMiB: 224, remoteWrite: active })).toEqual([]);
    expect(warnings({ memoryReservationMiB: 32 })).toEqual([]);
    const stack = newStack();
    const limit = new CfnParameter(stack, 'Limit', { type: 'Number' });
    new AssertsSidecar(fargateTask(stack), 'Metrics', { memoryLimitMiB: limit.valueAsNumber });
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('a collect interval below one second is rendered with a warning', () => {
    const stack = newStack();
    const sidecar = new AssertsSidecar(fargateTask(stack), 'Metrics', { collectInterval: Duration.millis(500) });
    expect(environmentOf(containerDefinition(Template.fromStack(stack), 'ecs-dockerstats-exporter')).collectInterval).toBe('500ms');
    Annotations.fromStack(stack).hasWarning(`/${sidecar.node.path}`, Match.stringLikeRegexp('^collectInterval is 500 millis: ECS refreshes'));
  });

  test('a collect interval of zero stops synthesis as it would stop the runtime', () => {
    expect(sidecarOnFargate({ collectInterval: Duration.millis(0) })).toThrow(/^collectInterval must be a positive duration in whole milliseconds .* got "0s"$/);
  });

  test('an interval from a token is rendered in the unit it was given in', () => {
    const stack = newStack();
    const seconds = new CfnParameter(stack, 'Seconds', { type: 'Number' });
    const millis = new CfnParameter(stack, 'Millis', { type: 'Number' });
    new AssertsSidecar(fargateTask(stack), 'Metrics', {
      collectInterval: Duration.seconds(seconds.valueAsNumber),
      remoteWrite: { url: 'https://example.com/write', scrapeInterval: Duration.millis(millis.valueAsNumber) },
    });
    const environment = environmentOf(containerDefinition(Template.fromStack(stack), 'ecs-dockerstats-exporter'));
    expect(environment.collectInterval).toEqual({ 'Fn::Join': ['', [{ Ref: 'Seconds' }, 's']] });
    expect(environment.scrapeInterval).toEqual({ 'Fn::Join': ['', [{ Ref: 'Millis' }, 'ms']] });
  });

  test('an interval from a token in a unit the runtime cannot take', () => {
    const stack = newStack();
    const minutes = new CfnParameter(stack, 'Minutes', { type: 'Number' });
    expect(() => new AssertsSidecar(fargateTask(stack), 'Metrics', { collectInterval: Duration.minutes(minutes.valueAsNumber) })).toThrow(
      /^collectInterval from a token must be given as Duration.seconds\(token\) or Duration.millis\(token\), got /,
    );
  });

  test('empty user names', () => {
    expect(sidecarOnFargate({ httpAuthUsername: '', httpAuthPassword: passwordSecret() })).toThrow(
      'httpAuthUsername must not be empty, got ""; set the user name, or remove httpAuthUsername and its password',
    );
    expect(remoteWrite({ url: 'https://example.com/write', username: ' ', password: passwordSecret() })).toThrow(
      'remoteWrite.username must not be empty, got " "; set the user name, or remove remoteWrite.username and its password',
    );
  });

  test('a scrape interval below one second is rendered with a warning', () => {
    const stack = newStack();
    const sidecar = new AssertsSidecar(fargateTask(stack), 'Metrics', { remoteWrite: { url: 'https://example.com/write', scrapeInterval: Duration.millis(10) } });
    Annotations.fromStack(stack).hasWarning(`/${sidecar.node.path}`, Match.stringLikeRegexp('^remoteWrite.scrapeInterval is 10 millis: '));
  });

  test('logRetention together with a custom log driver', () => {
    expect(sidecarOnFargate({
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'x' }),
      logRetention: logs.RetentionDays.ONE_DAY,
    })).toThrow(
      'logRetention applies only to the log group the construct creates, but logging was given; remove logRetention or set the retention where your log driver\'s group is defined',
    );
  });

  test('scrape-endpoint user without password', () => {
    expect(sidecarOnFargate({ httpAuthUsername: 'scraper' })).toThrow(
      'httpAuthUsername requires httpAuthPassword: basic auth needs both; set httpAuthPassword or remove httpAuthUsername',
    );
  });

  test('scrape-endpoint password without user', () => {
    expect(sidecarOnFargate({ httpAuthPassword: passwordSecret() })).toThrow(
      'httpAuthPassword requires httpAuthUsername: basic auth needs both; set httpAuthUsername or remove httpAuthPassword',
    );
  });

  test.each([
    ['httpListenPort', 'use port instead'],
    ['remoteWrite_url', 'use remoteWrite.url instead'],
    ['remoteWrite_basicAuth_password', 'use remoteWrite.password (an ecs.Secret) instead'],
    ['httpAuth_password', 'use httpAuthPassword (an ecs.Secret) instead'],
    ['SKIP_TLS_VERIFY', 'use remoteWrite.skipTlsVerify instead'],
    ['ECS_CONTAINER_METADATA_URI_V4', 'ECS sets it in every container; remove it'],
  ])('environment may not set %s', (name, hint) => {
    expect(sidecarOnFargate({ environment: { [name]: 'x' } })).toThrow(`environment must not set "${name}": it is managed for you; ${hint}`);
  });
});

describe('remote write', () => {
  test.each([
    ['ftp://example.com/write', 'remoteWrite.url must use http:// or https://, got "ftp://example.com/write"'],
    ['example.com/api/v1/write', 'remoteWrite.url must be an absolute http:// or https:// URL, got "example.com/api/v1/write"'],
  ])('URL %p is refused', (url, message) => {
    expect(remoteWrite({ url })).toThrow(message);
  });

  test('URL with embedded credentials', () => {
    expect(remoteWrite({ url: 'https://user:secret@example.com/write' })).toThrow(
      'remoteWrite.url must not contain credentials; pass remoteWrite.username and remoteWrite.password instead',
    );
  });

  test('the error for embedded credentials does not echo the password', () => {
    expect(remoteWrite({ url: 'https://user:s3cr3t@example.com/write' })).toThrow(/^(?!.*s3cr3t)/s);
  });

  test('password without username', () => {
    expect(remoteWrite({ url: 'https://example.com/write', password: passwordSecret() })).toThrow(
      'remoteWrite.password requires remoteWrite.username: basic auth sends both; set remoteWrite.username or remove remoteWrite.password',
    );
  });

  test('bearer token together with basic auth', () => {
    expect(remoteWrite({ url: 'https://example.com/write', username: 'u', bearerToken: passwordSecret() })).toThrow(
      'remoteWrite.bearerToken cannot be combined with remoteWrite.username: both set the Authorization header; keep one of them',
    );
  });

  test('SigV4 together with basic auth', () => {
    expect(remoteWrite({
      url: 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write', username: 'u', sigV4: {},
    })).toThrow(
      'remoteWrite.sigV4 cannot be combined with remoteWrite.username: SigV4 signs the Authorization header itself; remove the other credentials',
    );
  });

  test('SigV4 with a URL that is not an AMP workspace and no workspaceArn', () => {
    expect(remoteWrite({ url: 'https://prometheus.example.com/api/v1/write', sigV4: {} })).toThrow(
      'remoteWrite.sigV4 needs the AMP workspace to grant aps:RemoteWrite on, but remoteWrite.url is "https://prometheus.example.com/api/v1/write", not ' +
      '"https://aps-workspaces.<region>.amazonaws.com/workspaces/<workspace-id>/api/v1/remote_write"; set remoteWrite.sigV4.workspaceArn',
    );
  });

  test('SigV4 with a token URL and no workspaceArn', () => {
    expect(remoteWrite({ url: Token.asString({ Ref: 'Url' }), sigV4: {} })).toThrow(
      'remoteWrite.sigV4 needs the AMP workspace to grant aps:RemoteWrite on, but remoteWrite.url is a token',
    );
  });

  test('SigV4 region that differs from the AMP URL', () => {
    expect(remoteWrite({
      url: 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write', sigV4: { region: 'eu-west-1' },
    })).toThrow(
      'remoteWrite.sigV4.region is "eu-west-1" but the AMP URL is in "us-east-1"; requests must be signed for the workspace\'s region, so remove sigV4.region or fix it',
    );
  });

  test('SigV4 workspaceArn that is not an AMP workspace ARN', () => {
    expect(remoteWrite({ url: 'https://proxy.example.com/write', sigV4: { workspaceArn: 'arn:aws:s3:::bucket' } })).toThrow(
      'remoteWrite.sigV4.workspaceArn must be an AMP workspace ARN like "arn:aws:aps:us-east-1:123456789012:workspace/ws-1234", got "arn:aws:s3:::bucket"',
    );
  });

  test('a token URL without SigV4 is accepted and rendered', () => {
    const stack = newStack();
    const url = new CfnParameter(stack, 'Url', { type: 'String' });
    new AssertsSidecar(fargateTask(stack), 'Metrics', { remoteWrite: { url: url.valueAsString } });
    expect(environmentOf(containerDefinition(Template.fromStack(stack), 'ecs-dockerstats-exporter')).remoteWrite_url).toEqual({ Ref: 'Url' });
  });
});
