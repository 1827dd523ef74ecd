import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Aspects, Stack } from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  INagLogger,
  NagLoggerComplianceData,
  NagLoggerErrorData,
  NagLoggerNonComplianceData,
  NagLoggerNotApplicableData,
  NagLoggerSuppressedData,
  NagLoggerSuppressedErrorData,
  NagSuppressions,
} from 'cdk-nag';
import { EXAMPLE_STACK_NAMES, buildExampleApp } from '../examples/app';

/**
 * cdk-nag's AwsSolutions rules over the example stacks: no finding may be left open, and each
 * suppression below states why the finding is not a weakness, in terms a security reviewer can
 * check against the template. Every suppression must also still be needed (a test below fails on
 * one that no longer matches a finding), so the list cannot quietly grow into a blanket.
 */
interface ExampleSuppression {
  /** Stacks (by name) the suppression applies to. */
  readonly stacks: readonly string[];
  /** Construct path of the resource below the stack. */
  readonly resourcePath: string;
  readonly id: string;
  /** The exact findings of the rule that are suppressed (cdk-nag's `appliesTo`). */
  readonly appliesTo?: readonly string[];
  readonly reason: string;
}

const [FARGATE_ACTIVE, FARGATE_PASSIVE, EC2_BRIDGE] = EXAMPLE_STACK_NAMES;

const SUPPRESSIONS: readonly ExampleSuppression[] = [
  // --- What the sidecar itself adds to any task definition ---
  {
    stacks: EXAMPLE_STACK_NAMES,
    resourcePath: 'Task/Resource',
    id: 'AwsSolutions-ECS2',
    reason:
      'The container environment holds only non-secret configuration: the sidecar\'s listen port, metrics path and, in ' +
      'Active mode, the remote-write URL and signing settings. Every credential (remoteWrite.password, ' +
      'remoteWrite.bearerToken, httpAuthPassword) is an ecs.Secret that ECS injects from Secrets Manager at task start, ' +
      'and the construct refuses credentials passed through `environment`; the example application containers set no environment.',
  },
  {
    stacks: EXAMPLE_STACK_NAMES,
    resourcePath: 'Task/ExecutionRole/DefaultPolicy/Resource',
    id: 'AwsSolutions-IAM5',
    appliesTo: ['Resource::*'],
    reason:
      'ecr:GetAuthorizationToken, which the execution role needs to pull the sidecar image from the CDK asset repository, ' +
      'supports no resource-level permissions (Service Authorization Reference, Amazon ECR): IAM accepts only "*". ' +
      'The image pull actions themselves are scoped to the asset repository ARN.',
  },
  {
    stacks: [FARGATE_ACTIVE],
    resourcePath: 'Task/TaskRole/DefaultPolicy/Resource',
    id: 'AwsSolutions-IAM5',
    appliesTo: ['Resource::*'],
    reason:
      'Active mode reads the subnet and task definition of its own task with ecs:DescribeTaskDefinition and ' +
      'ec2:DescribeSubnets; both are read-only and support no resource-level permissions (Service Authorization ' +
      'Reference, Amazon ECS and Amazon EC2): IAM accepts only "*" for them. The statement grants nothing else.',
  },
  {
    stacks: [FARGATE_ACTIVE],
    resourcePath: 'Task/TaskRole/DefaultPolicy/Resource',
    id: 'AwsSolutions-IAM5',
    appliesTo: ['Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<ClusterEB0386A7>/*'],
    reason:
      'ecs:DescribeTasks (read-only) is scoped to the tasks of the one cluster the example runs in (the sidecar\'s ' +
      '`cluster` property). A task\'s ID exists only once ECS starts it, so no narrower ARN can be written at ' +
      'synthesis; the sidecar only describes its own task.',
  },

  // --- Infrastructure of the example app around the sidecar ---
  {
    stacks: [EC2_BRIDGE],
    resourcePath: 'Instances/InstanceRole/DefaultPolicy/Resource',
    id: 'AwsSolutions-IAM5',
    appliesTo: ['Action::ecs:Submit*', 'Resource::*'],
    reason:
      'The ECS container agent policy that aws-cdk-lib attaches to cluster capacity (the permissions of AWS\'s managed ' +
      'AmazonEC2ContainerServiceforEC2Role): ecs:Submit* is limited to this cluster\'s ARN, ecs:Poll and ' +
      'ecs:StartTelemetrySession to this cluster by an ecs:cluster condition, and ecs:DiscoverPollEndpoint and ' +
      'ecr:GetAuthorizationToken support no resource-level permissions. The agent needs all of them to run tasks.',
  },
  {
    stacks: [EC2_BRIDGE],
    resourcePath: 'Instances/ASG',
    id: 'AwsSolutions-AS3',
    reason:
      'Scaling events of the example capacity are recorded in the Auto Scaling activity history and in CloudTrail. ' +
      'Notifications need an SNS topic and subscribers owned by whoever deploys the example, which a reusable example ' +
      'cannot name; a deployment adds them with autoScalingGroup.addNotification or notifications.',
  },
  {
    stacks: [FARGATE_PASSIVE],
    resourcePath: 'ScrapePassword/Resource',
    id: 'AwsSolutions-SMG4',
    reason:
      'The scrape password is shared by the sidecar (injected at task start) and the central Prometheus\'s scrape ' +
      'configuration. Automatic rotation would change it in Secrets Manager without updating the scraper and break ' +
      'scraping, so its operator rotates it together with the scraper configuration (and restarts the tasks).',
  },
];

/** Records every cdk-nag outcome so the test can assert on open findings and used suppressions. */
class RecordingNagLogger implements INagLogger {
  public readonly open: string[] = [];
  public readonly ruleErrors: string[] = [];
  public readonly suppressed: { path: string; ruleId: string; findingId: string; reason: string }[] = [];

  public onCompliance(_data: NagLoggerComplianceData): void {}
  public onNotApplicable(_data: NagLoggerNotApplicableData): void {}
  public onNonCompliance(data: NagLoggerNonComplianceData): void {
    this.open.push(`${data.resource.node.path} ${data.ruleId}[${data.findingId}] (${data.ruleLevel}): ${data.ruleInfo}`);
  }
  public onSuppressed(data: NagLoggerSuppressedData): void {
    this.suppressed.push({ path: data.resource.node.path, ruleId: data.ruleId, findingId: data.findingId, reason: data.suppressionReason });
  }
  public onError(data: NagLoggerErrorData): void {
    this.ruleErrors.push(`${data.resource.node.path} ${data.ruleId}: ${data.errorMessage}`);
  }
  public onSuppressedError(data: NagLoggerSuppressedErrorData): void {
    this.ruleErrors.push(`${data.resource.node.path} ${data.ruleId} (suppressed): ${data.errorMessage}`);
  }
}

describe('cdk-nag AwsSolutions checks on the example stacks', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-nag-'));
  const logger = new RecordingNagLogger();
  const app = buildExampleApp(outdir);
  for (const suppression of SUPPRESSIONS) {
    for (const stackName of suppression.stacks) {
      const stack = app.node.findChild(stackName) as Stack;
      NagSuppressions.addResourceSuppressionsByPath(stack, `/${stackName}/${suppression.resourcePath}`, [{
        id: suppression.id,
        reason: suppression.reason,
        appliesTo: suppression.appliesTo ? [...suppression.appliesTo] : undefined,
      }]);
    }
  }
  Aspects.of(app).add(new AwsSolutionsChecks({ reports: false, additionalLoggers: [logger] }));
  app.synth();
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('every rule ran on every stack', () => {
    expect(logger.ruleErrors).toEqual([]);
    const stacksWithSuppressedFindings = new Set(logger.suppressed.map(s => s.path.split('/')[0]));
    expect([...stacksWithSuppressedFindings].sort()).toEqual([...EXAMPLE_STACK_NAMES].sort());
  });

  test('no finding is left open: no AwsSolutions error or warning', () => {
    expect(logger.open).toEqual([]);
  });

  test.each(SUPPRESSIONS.flatMap(s => s.stacks.map(stack => ({ stack, s }))).map(({ stack, s }) =>
    [`${stack}/${s.resourcePath} ${s.id} ${s.appliesTo?.join(', ') ?? ''}`.trim(), stack, s] as const,
  ))('suppression still needed: %s', (_title, stackName, suppression) => {
    const used = logger.suppressed.filter(found =>
      found.path === `${stackName}/${suppression.resourcePath}` &&
      found.ruleId === suppression.id &&
      // cdk-nag prefixes the reason of a granular suppression with the finding, `[Resource::*] ...`.
      found.reason.endsWith(suppression.reason) &&
      (suppression.appliesTo === undefined || suppression.appliesTo.includes(found.findingId)));
    expect(used.length).toBeGreaterThan(0);
  });
});
