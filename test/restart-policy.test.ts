import { CfnParameter, Duration, aws_ecs as ecs } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { containerDefinition, ec2Task, fargateTask, newStack } from './helpers';
import { AssertsSidecar, AssertsSidecarProps } from '../src';

const SIDECAR = 'ecs-dockerstats-exporter';

function renderedSidecar(props: AssertsSidecarProps = {}, onEc2 = false): any {
  const stack = newStack();
  const taskDefinition = onEc2 ? ec2Task(stack, ecs.NetworkMode.BRIDGE) : fargateTask(stack);
  new AssertsSidecar(taskDefinition, 'Metrics', props);
  return containerDefinition(Template.fromStack(stack), SIDECAR);
}

describe('the sidecar container restarts in place', () => {
  test('by default: restart policy on with a 60-second attempt period, on Fargate and on EC2', () => {
    expect(renderedSidecar().RestartPolicy).toEqual({ Enabled: true, RestartAttemptPeriod: 60 });
    expect(renderedSidecar({}, true).RestartPolicy).toEqual({ Enabled: true, RestartAttemptPeriod: 60 });
  });

  test('the application containers keep their own (absent) restart policy', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics');
    expect(containerDefinition(Template.fromStack(stack), 'app').RestartPolicy).toBeUndefined();
  });

  test('restartAttemptPeriod sets the period, in whole seconds', () => {
    expect(renderedSidecar({ restartAttemptPeriod: Duration.minutes(5) }).RestartPolicy).toEqual({ Enabled: true, RestartAttemptPeriod: 300 });
    expect(renderedSidecar({ restartAttemptPeriod: Duration.seconds(1800) }).RestartPolicy).toEqual({ Enabled: true, RestartAttemptPeriod: 1800 });
  });

  test('enableRestartPolicy: false renders the policy disabled, without a period', () => {
    expect(renderedSidecar({ enableRestartPolicy: false }).RestartPolicy).toEqual({ Enabled: false });
  });

  test('a period from a token is rendered as the token (aws-cdk-lib alone refuses it)', () => {
    const stack = newStack();
    const period = new CfnParameter(stack, 'RestartPeriod', { type: 'Number', minValue: 60, maxValue: 1800 });
    new AssertsSidecar(fargateTask(stack), 'Metrics', { restartAttemptPeriod: Duration.seconds(period.valueAsNumber) });
    expect(containerDefinition(Template.fromStack(stack), SIDECAR).RestartPolicy).toEqual({
      Enabled: true,
      RestartAttemptPeriod: { Ref: 'RestartPeriod' },
    });
  });
});

describe('restart-policy props that are refused', () => {
  test.each([
    ['59 seconds', Duration.seconds(59), 'Duration.seconds(60)'],
    ['31 minutes', Duration.minutes(31), 'Duration.seconds(1800)'],
    ['90500 milliseconds', Duration.millis(90_500), 'Duration.seconds(91)'],
  ])('a period of %s (outside ECS\'s limits or not whole seconds)', (shown, restartAttemptPeriod, fix) => {
    expect(() => renderedSidecar({ restartAttemptPeriod })).toThrow(
      `restartAttemptPeriod must be a whole number of seconds between 60 seconds and 30 minutes (ECS's limits), got ${shown}; use for example ${fix}`,
    );
  });

  test('a period with the restart policy turned off', () => {
    expect(() => renderedSidecar({ enableRestartPolicy: false, restartAttemptPeriod: Duration.minutes(2) })).toThrow(
      'restartAttemptPeriod (2 minutes) applies only to the restart policy, but enableRestartPolicy is false; remove restartAttemptPeriod or set enableRestartPolicy to true',
    );
  });

  test('a token period in a unit that cannot be converted at synthesis', () => {
    const stack = newStack();
    const minutes = new CfnParameter(stack, 'Minutes', { type: 'Number' });
    expect(() => new AssertsSidecar(fargateTask(stack), 'Metrics', { restartAttemptPeriod: Duration.minutes(minutes.valueAsNumber) })).toThrow(
      /^restartAttemptPeriod from a token must be given as Duration\.seconds\(token\), got /,
    );
  });
});
