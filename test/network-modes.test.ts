import { aws_ecs as ecs } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { containerDefinition, ec2Task, environmentOf, fargateTask, newStack, taskRoleActions } from './helpers';
import { AssertsSidecar, SidecarMode } from '../src';

const NAME = 'ecs-dockerstats-exporter';
const ACTIVE = { remoteWrite: { url: 'https://prometheus.example.com/api/v1/write' } };
const ACTIVE_ACTIONS = ['ec2:DescribeSubnets', 'ecs:DescribeTaskDefinition', 'ecs:DescribeTasks'];

type Case = [string, (stack: any) => ecs.TaskDefinition, object];
const cases: Case[] = [
  // [label, task definition factory, expected host port: awsvpc and host leave it to ECS, which uses the container port]
  ['Fargate awsvpc', stack => fargateTask(stack), {}],
  ['EC2 awsvpc', stack => ec2Task(stack, ecs.NetworkMode.AWS_VPC), {}],
  ['EC2 bridge', stack => ec2Task(stack, ecs.NetworkMode.BRIDGE), { HostPort: 0 }],
  ['EC2 host', stack => ec2Task(stack, ecs.NetworkMode.HOST), {}],
];

describe.each(cases)('%s', (_label, makeTask, expectedHostPort) => {
  test.each([
    ['Passive', {}, SidecarMode.PASSIVE, []],
    ['Active', ACTIVE, SidecarMode.ACTIVE, ACTIVE_ACTIONS],
  ])('%s mode: port mapping, labels, environment and IAM', (_mode, props, expectedMode, expectedActions) => {
    const stack = newStack();
    const sidecar = new AssertsSidecar(makeTask(stack), 'Metrics', props);
    const template = Template.fromStack(stack);
    const container = containerDefinition(template, NAME);

    expect(sidecar.mode).toBe(expectedMode);
    expect(container.PortMappings).toEqual([{ ContainerPort: 8014, ...expectedHostPort, Protocol: 'tcp' }]);
    // The label always names the container port: the discovery maps it to the host port itself.
    expect(container.DockerLabels.PROMETHEUS_EXPORTER_PORT).toBe('8014');
    // The default reservation follows each mode's measured RSS (docs/benchmark.md).
    expect(container.MemoryReservation).toBe(expectedMode === SidecarMode.ACTIVE ? 112 : 80);
    expect('remoteWrite_url' in environmentOf(container)).toBe(expectedMode === SidecarMode.ACTIVE);
    expect(taskRoleActions(template)).toEqual(expectedActions);
  });
});

test('bridge mode: two tasks with the sidecar on one instance get distinct dynamic host ports', () => {
  const stack = newStack();
  const first = new ecs.Ec2TaskDefinition(stack, 'First', { networkMode: ecs.NetworkMode.BRIDGE });
  const second = new ecs.Ec2TaskDefinition(stack, 'Second', { networkMode: ecs.NetworkMode.BRIDGE });
  for (const taskDefinition of [first, second]) {
    taskDefinition.addContainer('app', { image: ecs.ContainerImage.fromRegistry('nginx'), memoryReservationMiB: 64 });
    new AssertsSidecar(taskDefinition, 'Metrics');
  }
  const template = Template.fromStack(stack);
  template.resourcePropertiesCountIs('AWS::ECS::TaskDefinition', {
    ContainerDefinitions: Match.arrayWith([Match.objectLike({ Name: NAME, PortMappings: [{ ContainerPort: 8014, HostPort: 0, Protocol: 'tcp' }] })]),
  }, 2);
  expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
});

test('host mode warns that the sidecar port is taken on the instance', () => {
  const stack = newStack();
  new AssertsSidecar(ec2Task(stack, ecs.NetworkMode.HOST), 'Metrics', { port: 9400 });
  const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('Host network mode: the sidecar listens on port 9400 of the instance'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0].id).toBe('/TestStack/Task/Metrics');
});

test('awsvpc mode has no warnings', () => {
  const stack = newStack();
  new AssertsSidecar(fargateTask(stack), 'Metrics', ACTIVE);
  Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
});
