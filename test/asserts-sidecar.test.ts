import * as fs from 'fs';
import * as path from 'path';
import { Duration, aws_ecs as ecs, aws_logs as logs, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  addAppContainer, containerDefinition, dockerImageAssets, environmentOf, fargateTask, newStack, secretNamesOf, taskRoleActions,
} from './helpers';
import { AssertsSidecar, SidecarImage, SidecarMode } from '../src';

// The module object itself (not an ES namespace copy), so that a spy sees CDK's calls too.
const nodeFs: typeof fs = jest.requireActual('fs');

const DEFAULT_NAME = 'ecs-dockerstats-exporter';
const DEFAULT_PATH = '/container-stats/actuator/prometheus';

describe('Fargate task definition, Passive mode (defaults)', () => {
  const stack = newStack();
  const taskDefinition = fargateTask(stack);
  const sidecar = new AssertsSidecar(taskDefinition, 'Metrics');
  const template = Template.fromStack(stack);
  const container = containerDefinition(template, DEFAULT_NAME);

  test('exposes what it added: container, mode, port, path and its log group', () => {
    expect(sidecar.mode).toBe(SidecarMode.PASSIVE);
    expect(sidecar.port).toBe(8014);
    expect(sidecar.metricsPath).toBe(DEFAULT_PATH);
    expect(sidecar.container.containerName).toBe(DEFAULT_NAME);
    expect(sidecar.logGroup).toBeDefined();
    expect(AssertsSidecar.isAssertsSidecar(sidecar)).toBe(true);
    expect(AssertsSidecar.isAssertsSidecar(taskDefinition)).toBe(false);
  });

  test('the discovery docker labels name the real port and path', () => {
    expect(container.DockerLabels).toEqual({
      PROMETHEUS_EXPORTER_PATH: DEFAULT_PATH,
      PROMETHEUS_EXPORTER_PORT: '8014',
    });
  });

  test('awsvpc maps host port = container port', () => {
    expect(container.PortMappings).toEqual([{ ContainerPort: 8014, Protocol: 'tcp' }]);
  });

  test('the environment carries only the listen port and path', () => {
    expect(environmentOf(container)).toEqual({ httpListenPort: '8014', metricsPath: DEFAULT_PATH });
    expect(container.Secrets).toBeUndefined();
  });

  test('non-essential, non-root, read-only root filesystem, soft memory reservation of the Passive exporter\'s RSS with headroom', () => {
    expect(container.Essential).toBe(false);
    expect(container.User).toBe('1000');
    expect(container.ReadonlyRootFilesystem).toBe(true);
    expect(container.MemoryReservation).toBe(80);
    expect(container.Memory).toBeUndefined();
    expect(container.Cpu).toBeUndefined();
  });

  test('health check runs the image\'s health-check program against /health', () => {
    expect(container.HealthCheck).toEqual({
      Command: ['CMD', 'node', '/app/lib/healthcheck.js'],
      Interval: 30,
      Timeout: 5,
      Retries: 3,
      StartPeriod: 15,
    });
  });

  test('logs go to a log group the construct creates with a finite retention, stream prefix = container name', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    expect(container.LogConfiguration).toEqual({
      LogDriver: 'awslogs',
      Options: {
        'awslogs-group': { Ref: expect.stringMatching(/^TaskMetricsLogGroup/) },
        'awslogs-stream-prefix': DEFAULT_NAME,
        'awslogs-region': { Ref: 'AWS::Region' },
      },
    });
  });

  test('Passive mode adds no IAM statements to the task role', () => {
    expect(taskRoleActions(template)).toEqual([]);
  });

  test('the application container stays the default container', () => {
    expect(taskDefinition.defaultContainer?.containerName).toBe('app');
  });
});

describe('the bundled image', () => {
  test('an X86_64 task gets a linux/amd64 image built from runtime/ without node_modules, build output or tests', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics');
    const [image, ...others] = dockerImageAssets(stack);
    expect(others).toEqual([]);
    expect(image.platform).toBe('linux/amd64');
    const staged = fs.readdirSync(image.stagedPath);
    for (const copied of buildContextSourcesOfDockerfile(path.join(image.stagedPath, 'Dockerfile'))) {
      expect(fs.existsSync(path.join(image.stagedPath, copied))).toBe(true);
    }
    expect(fs.readdirSync(path.join(image.stagedPath, 'src')).length).toBeGreaterThan(0);
    for (const excluded of ['node_modules', 'lib', 'test', 'coverage', 'bench']) {
      expect(staged).not.toContain(excluded);
    }
  });

  test('hashing and staging the image never walk runtime/node_modules', () => {
    const listed: string[] = [];
    const realReaddir = nodeFs.readdirSync;
    const spy = jest.spyOn(nodeFs, 'readdirSync').mockImplementation(((dir: fs.PathLike, ...rest: any[]) => {
      listed.push(String(dir));
      return (realReaddir as any)(dir, ...rest);
    }) as any);
    try {
      const stack = newStack();
      new AssertsSidecar(fargateTask(stack), 'Metrics');
      dockerImageAssets(stack);
    } finally {
      spy.mockRestore();
    }
    const runtimeDir = path.join(__dirname, '..', 'runtime');
    expect(listed).toContain(runtimeDir);
    expect(listed.filter(dir => dir.startsWith(path.join(runtimeDir, 'node_modules')))).toEqual([]);
  });

  test('an ARM64 task gets a linux/arm64 image', () => {
    const stack = newStack();
    const taskDefinition = fargateTask(stack, {
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    new AssertsSidecar(taskDefinition, 'Metrics');
    expect(dockerImageAssets(stack).map(i => i.platform)).toEqual(['linux/arm64']);
  });

  test('cpuArchitecture picks the image architecture of an EC2 task on Graviton instances', () => {
    const stack = newStack();
    const taskDefinition = new ecs.Ec2TaskDefinition(stack, 'Task');
    addAppContainer(taskDefinition);
    new AssertsSidecar(taskDefinition, 'Metrics', { cpuArchitecture: ecs.CpuArchitecture.ARM64 });
    expect(dockerImageAssets(stack).map(i => i.platform)).toEqual(['linux/arm64']);
  });

  test('SidecarImage.fromBundledRuntime defaults to linux/amd64', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics', { image: SidecarImage.fromBundledRuntime() });
    expect(dockerImageAssets(stack).map(i => i.platform)).toEqual(['linux/amd64']);
  });

  test('an architecture without a Linux image is refused with the ones that exist', () => {
    expect(() => SidecarImage.fromBundledRuntime({ cpuArchitecture: ecs.CpuArchitecture.of('RISCV64') })).toThrow(
      'cpuArchitecture must be ecs.CpuArchitecture.X86_64 or ecs.CpuArchitecture.ARM64, got "RISCV64"',
    );
  });

  test('a custom image replaces the asset', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/example/exporter:1.2.3'),
    });
    const template = Template.fromStack(stack);
    expect(containerDefinition(template, DEFAULT_NAME).Image).toBe('public.ecr.aws/example/exporter:1.2.3');
    expect(dockerImageAssets(stack)).toEqual([]);
  });
});

describe('customised sidecar', () => {
  test('port, path, name, essential, cpu, memory, intervals, extra environment and dependsOn are rendered', () => {
    const stack = newStack();
    const taskDefinition = fargateTask(stack);
    const appContainer = taskDefinition.defaultContainer!;
    const sidecar = new AssertsSidecar(taskDefinition, 'Metrics', {
      containerName: 'metrics',
      port: 9100,
      metricsPath: '/metrics',
      essential: true,
      cpu: 128,
      memoryReservationMiB: 96,
      memoryLimitMiB: 256,
      collectInterval: Duration.seconds(30),
      environment: { logLevel: 'debug', maxSeriesPerCollection: '5000' },
      dependsOn: [{ container: appContainer, condition: ecs.ContainerDependencyCondition.START }],
    });
    const container = containerDefinition(Template.fromStack(stack), 'metrics');
    expect(sidecar.port).toBe(9100);
    expect(sidecar.metricsPath).toBe('/metrics');
    expect(container.DockerLabels).toEqual({ PROMETHEUS_EXPORTER_PATH: '/metrics', PROMETHEUS_EXPORTER_PORT: '9100' });
    expect(container.PortMappings).toEqual([{ ContainerPort: 9100, Protocol: 'tcp' }]);
    expect(environmentOf(container)).toEqual({
      httpListenPort: '9100',
      metricsPath: '/metrics',
      collectInterval: '30s',
      logLevel: 'debug',
      maxSeriesPerCollection: '5000',
    });
    expect(container.Essential).toBe(true);
    expect(container.Cpu).toBe(128);
    expect(container.MemoryReservation).toBe(96);
    expect(container.Memory).toBe(256);
    expect(container.DependsOn).toEqual([{ ContainerName: 'app', Condition: 'START' }]);
    expect(container.LogConfiguration.Options['awslogs-stream-prefix']).toBe('metrics');
  });

  test('a sub-second collect interval is rendered in milliseconds', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics', { collectInterval: Duration.millis(2500) });
    expect(environmentOf(containerDefinition(Template.fromStack(stack), DEFAULT_NAME)).collectInterval).toBe('2500ms');
  });

  test('a hard memory limit alone replaces the default reservation', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics', { memoryLimitMiB: 48 });
    const container = containerDefinition(Template.fromStack(stack), DEFAULT_NAME);
    expect(container.Memory).toBe(48);
    expect(container.MemoryReservation).toBeUndefined();
  });

  test('basic auth on the metrics endpoint: user in the environment, password only as a secret', () => {
    const stack = newStack();
    const secret = new secretsmanager.Secret(stack, 'ScrapePassword');
    new AssertsSidecar(fargateTask(stack), 'Metrics', {
      httpAuthUsername: 'scraper',
      httpAuthPassword: ecs.Secret.fromSecretsManager(secret),
    });
    const template = Template.fromStack(stack);
    const container = containerDefinition(template, DEFAULT_NAME);
    expect(environmentOf(container).httpAuth_username).toBe('scraper');
    expect(environmentOf(container)).not.toHaveProperty('httpAuth_password');
    expect(container.Secrets).toEqual([{ Name: 'httpAuth_password', ValueFrom: { Ref: expect.stringMatching(/^ScrapePassword/) } }]);
    // ECS reads the secret with the execution role when the task starts.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] })]) },
      Roles: [{ Ref: Match.stringLikeRegexp('^TaskExecutionRole') }],
    });
    expect(secretNamesOf(container)).toEqual(['httpAuth_password']);
  });

  test('custom logging replaces the default log group', () => {
    const stack = newStack();
    const sidecar = new AssertsSidecar(fargateTask(stack), 'Metrics', {
      logging: new ecs.GenericLogDriver({ logDriver: 'splunk', options: { 'splunk-url': 'https://splunk.example.com:8088' } }),
    });
    const template = Template.fromStack(stack);
    expect(sidecar.logGroup).toBeUndefined();
    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    expect(containerDefinition(template, DEFAULT_NAME).LogConfiguration).toEqual({
      LogDriver: 'splunk', Options: { 'splunk-url': 'https://splunk.example.com:8088' },
    });
  });

  test('logRetention sets the retention of the created log group', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics', { logRetention: logs.RetentionDays.ONE_WEEK });
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  test('a custom health check replaces the default one', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics', {
      healthCheck: { command: ['CMD-SHELL', 'true'], interval: Duration.seconds(60) },
    });
    expect(containerDefinition(Template.fromStack(stack), DEFAULT_NAME).HealthCheck).toEqual(
      expect.objectContaining({ Command: ['CMD-SHELL', 'true'], Interval: 60 }),
    );
  });
});

/** The build-context paths a Dockerfile COPYs (COPY without --from), e.g. `package.json`, `src`. */
function buildContextSourcesOfDockerfile(dockerfile: string): string[] {
  return fs.readFileSync(dockerfile, 'utf8').split('\n')
    .map(line => line.trim())
    .filter(line => /^COPY\s/i.test(line) && !/--from=/i.test(line))
    .flatMap(line => line.split(/\s+/).slice(1).filter(arg => !arg.startsWith('--')).slice(0, -1))
    .map(source => source.replace(/\/$/, ''));
}
