import { App, AspectPriority, Aspects, Duration, IAspect, Stack, Tags, aws_ecs as ecs } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { addAppContainer, environmentOf } from './helpers';
import { AssertsSidecar, AssertsSidecarAspect, AssertsSidecarProps } from '../src';

const SIDECAR = 'ecs-dockerstats-exporter';
const REMOTE_WRITE_URL = 'https://prometheus.example.com/api/v1/write';

/** Rendered container definitions of each task definition, by the task definition's construct id. */
function containersByTaskDefinition(stack: Stack): Record<string, any[]> {
  const template = Template.fromStack(stack);
  const result: Record<string, any[]> = {};
  for (const child of stack.node.children) {
    if (!(child instanceof ecs.TaskDefinition)) continue;
    const logicalId = stack.getLogicalId(child.node.defaultChild as ecs.CfnTaskDefinition);
    result[child.node.id] = template.toJSON().Resources[logicalId].Properties.ContainerDefinitions;
  }
  return result;
}

function sidecarCounts(stack: Stack): Record<string, number> {
  return Object.fromEntries(Object.entries(containersByTaskDefinition(stack))
    .map(([id, containers]) => [id, containers.filter(c => c.Name === SIDECAR || c.Name === 'hand-made-exporter').length]));
}

function windowsFargateTask(scope: Stack, id: string): ecs.FargateTaskDefinition {
  const taskDefinition = new ecs.FargateTaskDefinition(scope, id, {
    cpu: 1024,
    memoryLimitMiB: 2048,
    runtimePlatform: { operatingSystemFamily: ecs.OperatingSystemFamily.WINDOWS_SERVER_2022_CORE, cpuArchitecture: ecs.CpuArchitecture.X86_64 },
  });
  addAppContainer(taskDefinition);
  return taskDefinition;
}

/** The stack of the acceptance case: Fargate, EC2 bridge, one with a sidecar already, Windows. */
function appWithFourTaskDefinitions(context: Record<string, unknown> = {}): { app: App; stack: Stack } {
  const app = new App({ context });
  const stack = new Stack(app, 'Services');
  addAppContainer(new ecs.FargateTaskDefinition(stack, 'FargateTask'));
  addAppContainer(new ecs.Ec2TaskDefinition(stack, 'BridgeTask', { networkMode: ecs.NetworkMode.BRIDGE }));
  const instrumented = new ecs.FargateTaskDefinition(stack, 'InstrumentedTask');
  addAppContainer(instrumented);
  new AssertsSidecar(instrumented, 'Metrics', { containerName: 'hand-made-exporter', port: 9000 });
  windowsFargateTask(stack, 'WindowsTask');
  return { app, stack };
}

function warningsOf(stack: Stack): Array<{ path: string; message: string }> {
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue())
    .map(w => ({ path: w.id, message: String(w.entry.data) }));
}

describe.each([
  ['aspect stabilization off (the default of an app without cdk.json)', {}],
  ['aspect stabilization on (the flag `cdk init` sets)', { '@aws-cdk/core:aspectStabilization': true }],
])('AssertsSidecarAspect on an app, %s', (_, context) => {
  const { app, stack } = appWithFourTaskDefinitions(context);
  Aspects.of(app).add(new AssertsSidecarAspect({ remoteWrite: { url: REMOTE_WRITE_URL } }), { priority: AspectPriority.MUTATING });
  const containers = containersByTaskDefinition(stack);

  test('adds one sidecar to the Fargate and the EC2 bridge task, none to the instrumented and the Windows task', () => {
    expect(sidecarCounts(stack)).toEqual({ FargateTask: 1, BridgeTask: 1, InstrumentedTask: 1, WindowsTask: 0 });
    expect(containers.WindowsTask.map(c => c.Name)).toEqual(['app']);
  });

  test('the task definition that had a sidecar keeps exactly the one added by hand', () => {
    expect(containers.InstrumentedTask.map(c => c.Name)).toEqual(['app', 'hand-made-exporter']);
    const handMade = containers.InstrumentedTask[1];
    expect(handMade.PortMappings).toEqual([{ ContainerPort: 9000, Protocol: 'tcp' }]);
    expect(environmentOf(handMade)).not.toHaveProperty('remoteWrite_url');
  });

  test('the added sidecars carry the aspect\'s props and the per-task settings (bridge: dynamic host port)', () => {
    const fargate = containers.FargateTask.find(c => c.Name === SIDECAR);
    const bridge = containers.BridgeTask.find(c => c.Name === SIDECAR);
    expect(environmentOf(fargate)).toMatchObject({ remoteWrite_url: REMOTE_WRITE_URL });
    expect(environmentOf(bridge)).toMatchObject({ remoteWrite_url: REMOTE_WRITE_URL });
    expect(fargate.PortMappings).toEqual([{ ContainerPort: 8014, Protocol: 'tcp' }]);
    expect(bridge.PortMappings).toEqual([{ ContainerPort: 8014, HostPort: 0, Protocol: 'tcp' }]);
    expect(bridge.MemoryReservation).toBe(112); // the Active-mode default
    expect(fargate.RestartPolicy).toEqual({ Enabled: true, RestartAttemptPeriod: 60 });
  });

  test('each added sidecar is an AssertsSidecar with the id AssertsSidecar below its task definition', () => {
    for (const id of ['FargateTask', 'BridgeTask']) {
      expect(AssertsSidecar.isAssertsSidecar(stack.node.findChild(id).node.tryFindChild(AssertsSidecarAspect.SIDECAR_ID))).toBe(true);
    }
  });

  test('the Windows task gets one acknowledgeable warning and nothing else warns (no aspect added by an aspect)', () => {
    expect(warningsOf(stack)).toEqual([{
      path: '/Services/WindowsTask',
      message: 'AssertsSidecarAspect added no sidecar to this task definition: it runs on WINDOWS_SERVER_2022_CORE. ' +
        'The sidecar supports Linux tasks in awsvpc, bridge or host network mode. [ack: @asserts/cdk-ecs-sidecar:aspectSkippedWindows]',
    }]);
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
  });
});

describe('AssertsSidecarAspect and sidecars added by hand', () => {
  test('a sidecar added after the aspect, in ordinary code, is kept and no second one is added', () => {
    const app = new App();
    const stack = new Stack(app, 'Services');
    Aspects.of(app).add(new AssertsSidecarAspect(), { priority: AspectPriority.MUTATING });
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
    addAppContainer(taskDefinition);
    new AssertsSidecar(taskDefinition, 'Metrics', { containerName: 'hand-made-exporter' });
    expect(sidecarCounts(stack)).toEqual({ Task: 1 });
    expect(containersByTaskDefinition(stack).Task.map(c => c.Name)).toEqual(['app', 'hand-made-exporter']);
  });

  test('a container written by hand with the sidecar\'s name is taken for a sidecar, with a warning', () => {
    const app = new App();
    const stack = new Stack(app, 'Services');
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
    addAppContainer(taskDefinition);
    taskDefinition.addContainer(SIDECAR, { image: ecs.ContainerImage.fromRegistry('example/exporter:1') });
    Aspects.of(app).add(new AssertsSidecarAspect());
    expect(containersByTaskDefinition(stack).Task.map(c => c.Name)).toEqual(['app', SIDECAR]);
    expect(warningsOf(stack)).toEqual([{
      path: '/Services/Task',
      message: `AssertsSidecarAspect left this task definition as it is: it already has a container named "${SIDECAR}", taken for a sidecar added by hand. ` +
        'If that container is not the exporter, give the aspect another containerName. [ack: @asserts/cdk-ecs-sidecar:aspectContainerNameTaken]',
    }]);
  });

  test('the same aspect added twice, or two aspects, still add one sidecar per task definition', () => {
    const app = new App();
    const stack = new Stack(app, 'Services');
    addAppContainer(new ecs.FargateTaskDefinition(stack, 'Task'));
    const aspect = new AssertsSidecarAspect();
    Aspects.of(app).add(aspect);
    Aspects.of(stack).add(aspect);
    Aspects.of(stack).add(new AssertsSidecarAspect({ containerName: 'second-exporter', port: 9000 }));
    expect(containersByTaskDefinition(stack).Task.map(c => c.Name)).toEqual(['app', SIDECAR]);
  });
});

describe('AssertsSidecarAspect skips what the sidecar cannot serve, with a warning', () => {
  test.each([
    [ecs.NetworkMode.NAT, 'aspectSkippedWindows', 'it uses network mode "nat", which is for Windows containers'],
    [ecs.NetworkMode.NONE, 'aspectSkippedNetworkModeNone', 'it uses network mode "none", in which the sidecar could neither reach the ECS metadata endpoint nor be scraped'],
  ])('an EC2 task definition in network mode %s', (networkMode, warningId, reason) => {
    const app = new App();
    const stack = new Stack(app, 'Services');
    addAppContainer(new ecs.Ec2TaskDefinition(stack, 'Task', { networkMode }));
    Aspects.of(app).add(new AssertsSidecarAspect());
    expect(sidecarCounts(stack)).toEqual({ Task: 0 });
    expect(warningsOf(stack)).toEqual([{
      path: '/Services/Task',
      message: `AssertsSidecarAspect added no sidecar to this task definition: ${reason}. ` +
        `The sidecar supports Linux tasks in awsvpc, bridge or host network mode. [ack: @asserts/cdk-ecs-sidecar:${warningId}]`,
    }]);
  });
});

describe('AssertsSidecarAspect props', () => {
  test('every prop reaches every sidecar: exporterMetrics, restart policy, port, interval', () => {
    const app = new App();
    const stack = new Stack(app, 'Services');
    addAppContainer(new ecs.FargateTaskDefinition(stack, 'One'));
    addAppContainer(new ecs.FargateTaskDefinition(stack, 'Two'));
    const props: AssertsSidecarProps = {
      exporterMetrics: false,
      restartAttemptPeriod: Duration.minutes(5),
      port: 9100,
      collectInterval: Duration.seconds(30),
    };
    Aspects.of(stack).add(new AssertsSidecarAspect(props), { priority: AspectPriority.MUTATING });
    for (const containers of Object.values(containersByTaskDefinition(stack))) {
      const sidecar = containers.find(c => c.Name === SIDECAR);
      expect(environmentOf(sidecar)).toMatchObject({ disableExporterMetrics: 'true', httpListenPort: '9100', collectInterval: '30s' });
      expect(sidecar.RestartPolicy).toEqual({ Enabled: true, RestartAttemptPeriod: 300 });
    }
  });

  test('Active mode grants each task role its own read-only permissions', () => {
    const app = new App();
    const stack = new Stack(app, 'Services');
    addAppContainer(new ecs.FargateTaskDefinition(stack, 'One'));
    addAppContainer(new ecs.FargateTaskDefinition(stack, 'Two'));
    Aspects.of(app).add(new AssertsSidecarAspect({ remoteWrite: { url: REMOTE_WRITE_URL } }), { priority: AspectPriority.MUTATING });
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    for (const role of ['OneTaskRole', 'TwoTaskRole']) {
      const actions = Object.values(policies)
        .filter((p: any) => JSON.stringify(p.Properties.Roles).includes(role))
        .flatMap((p: any) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => s.Action));
      expect(actions).toEqual(expect.arrayContaining(['ecs:DescribeTasks', 'ecs:DescribeTaskDefinition', 'ec2:DescribeSubnets']));
    }
  });

  test('dependsOn is refused: it names containers of one task definition', () => {
    const stack = new Stack(new App(), 'Services');
    const app = addAppContainer(new ecs.FargateTaskDefinition(stack, 'Task'));
    expect(() => new AssertsSidecarAspect({ dependsOn: [{ container: app }] })).toThrow(
      /^AssertsSidecarAspect cannot take dependsOn: its containers belong to one task definition/,
    );
  });

  test('a bad prop fails the synthesis with the construct\'s own message', () => {
    const app = new App();
    const stack = new Stack(app, 'Services');
    addAppContainer(new ecs.FargateTaskDefinition(stack, 'Task'));
    Aspects.of(app).add(new AssertsSidecarAspect({ port: 70000 }));
    expect(() => app.synth()).toThrow('port must be an integer between 1 and 65535, got "70000"');
  });
});

describe('AssertsSidecarAspect among other aspects', () => {
  /** A read-only aspect, like cdk-nag's checks, that records the sidecars it visits. */
  class SidecarRecorder implements IAspect {
    public readonly seen: string[] = [];
    public visit(node: IConstruct): void {
      if (AssertsSidecar.isAssertsSidecar(node)) this.seen.push(node.node.path);
    }
  }

  test.each([
    ['added before it', true],
    ['added after it', false],
  ])('a read-only aspect at the default priority, %s, visits the added sidecars', (_, recorderFirst) => {
    const app = new App();
    const stack = new Stack(app, 'Services');
    addAppContainer(new ecs.FargateTaskDefinition(stack, 'Task'));
    const recorder = new SidecarRecorder();
    if (recorderFirst) Aspects.of(app).add(recorder);
    Aspects.of(app).add(new AssertsSidecarAspect(), { priority: AspectPriority.MUTATING });
    if (!recorderFirst) Aspects.of(app).add(recorder);
    app.synth();
    expect(recorder.seen).toEqual(['Services/Task/AssertsSidecar']);
    expect(warningsOf(stack)).toEqual([]);
  });

  test.each([
    ['off', false],
    ['on', true],
  ])('tags added to the app reach the added sidecar\'s log group (aspect stabilization %s)', (_, stabilization) => {
    const app = new App({ context: { '@aws-cdk/core:aspectStabilization': stabilization } });
    const stack = new Stack(app, 'Services');
    addAppContainer(new ecs.FargateTaskDefinition(stack, 'Task'));
    Tags.of(app).add('team', 'payments');
    Aspects.of(app).add(new AssertsSidecarAspect(), { priority: AspectPriority.MUTATING });
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { Tags: [{ Key: 'team', Value: 'payments' }] });
  });
});
