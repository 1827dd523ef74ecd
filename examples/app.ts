/**
 * Example CDK app: three stacks that show the sidecar in the shapes users run.
 *
 * - `AssertsSidecarFargateActive`: Fargate on ARM64 (Graviton), Active mode remote-writing to an
 *   Amazon Managed Service for Prometheus workspace with SigV4.
 * - `AssertsSidecarFargatePassive`: Fargate, Passive mode, scraped by a central Prometheus with basic auth.
 * - `AssertsSidecarEc2Bridge`: EC2 with bridge networking (dynamic host ports), Passive mode, the sidecar
 *   added by `AssertsSidecarAspect` to every task definition of the stack.
 *
 * Env-agnostic (no account or region) and synthesizable without Docker: the sidecar image is an
 * asset built at deploy time. `npx projen example` writes the templates to `examples/cdk.out/`.
 */
import * as path from 'path';
import {
  App, AspectPriority, Aspects, Stack, StackProps,
  aws_aps as aps, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_ecs as ecs, aws_secretsmanager as secretsmanager,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AssertsSidecar, AssertsSidecarAspect } from '../src';

/** Where `npx projen example` writes the cloud assembly; other tooling lints the templates there. */
export const EXAMPLE_OUTDIR = path.join(__dirname, 'cdk.out');

/** Names of the example stacks (their templates are `<name>.template.json` in the outdir). */
export const EXAMPLE_STACK_NAMES = ['AssertsSidecarFargateActive', 'AssertsSidecarFargatePassive', 'AssertsSidecarEc2Bridge'];

const APP_IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable');

/** A VPC without NAT gateways: the example tasks run in public subnets with public IPs. */
function exampleVpc(scope: Construct): ec2.Vpc {
  return new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
    // Rejected traffic to CloudWatch Logs: the audit trail security reviews ask of any VPC (cdk-nag VPC7).
    flowLogs: { rejected: { destination: ec2.FlowLogDestination.toCloudWatchLogs(), trafficType: ec2.FlowLogTrafficType.REJECT } },
  });
}

/** Fargate ARM64 task in Active mode: remote write to AMP, signed with SigV4. */
export function fargateActiveStack(scope: Construct, id: string, props?: StackProps): Stack {
  const stack = new Stack(scope, id, props);
  const workspace = new aps.CfnWorkspace(stack, 'Workspace', { alias: 'asserts-sidecar-example' });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: exampleVpc(stack), containerInsightsV2: ecs.ContainerInsights.ENABLED });

  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task', {
    cpu: 256,
    memoryLimitMiB: 512,
    runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
  });
  taskDefinition.addContainer('web', {
    image: APP_IMAGE,
    essential: true,
    portMappings: [{ containerPort: 80 }],
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'web' }),
  });

  // The one line this library is about (the URL is a token here, so the workspace ARN is given).
  new AssertsSidecar(taskDefinition, 'Metrics', {
    cluster, // scopes ecs:DescribeTasks to this cluster's tasks
    remoteWrite: {
      url: `${workspace.attrPrometheusEndpoint}api/v1/remote_write`,
      sigV4: { workspaceArn: workspace.attrArn },
    },
  });

  new ecs.FargateService(stack, 'Service', {
    cluster,
    taskDefinition,
    desiredCount: 1,
    minHealthyPercent: 100, // start the new task before stopping the old one
    circuitBreaker: { rollback: true }, // a task that cannot start fails the deployment in minutes
    assignPublicIp: true,
    vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
  });
  return stack;
}

/** Fargate X86_64 task in Passive mode; the metrics endpoint requires basic auth. */
export function fargatePassiveStack(scope: Construct, id: string, props?: StackProps): Stack {
  const stack = new Stack(scope, id, props);
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: exampleVpc(stack), containerInsightsV2: ecs.ContainerInsights.ENABLED });
  const scrapePassword = new secretsmanager.Secret(stack, 'ScrapePassword', {
    description: 'Password the central Prometheus uses to scrape the sidecar',
    generateSecretString: { excludePunctuation: true, passwordLength: 32 },
  });

  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 256, memoryLimitMiB: 512 });
  taskDefinition.addContainer('web', {
    image: APP_IMAGE,
    essential: true,
    portMappings: [{ containerPort: 80 }],
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'web' }),
  });

  new AssertsSidecar(taskDefinition, 'Metrics', {
    httpAuthUsername: 'prometheus',
    httpAuthPassword: ecs.Secret.fromSecretsManager(scrapePassword),
  });

  new ecs.FargateService(stack, 'Service', {
    cluster,
    taskDefinition,
    desiredCount: 1,
    minHealthyPercent: 100, // start the new task before stopping the old one
    circuitBreaker: { rollback: true }, // a task that cannot start fails the deployment in minutes
    assignPublicIp: true,
    vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
  });
  return stack;
}

/**
 * EC2 task in bridge mode: the sidecar gets a dynamic host port, so tasks share instances safely.
 * The task definition is left as it is: the aspect adds the sidecar to every task definition of the
 * stack (and to any added later).
 */
export function ec2BridgeStack(scope: Construct, id: string, props?: StackProps): Stack {
  const stack = new Stack(scope, id, props);
  const vpc = exampleVpc(stack);
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
  const autoScalingGroup = new autoscaling.AutoScalingGroup(stack, 'Instances', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    associatePublicIpAddress: true,
    instanceType: new ec2.InstanceType('t3.small'),
    machineImage: ecs.EcsOptimizedImage.amazonLinux2023(),
    minCapacity: 1,
    maxCapacity: 2,
    // IMDSv2 with the default hop limit of 1 keeps bridge-mode containers away from the instance role.
    requireImdsv2: true,
    // The ECS-optimized AMI's root volume (/dev/xvda, 30 GiB), encrypted at rest (cdk-nag EC26).
    blockDevices: [{ deviceName: '/dev/xvda', volume: autoscaling.BlockDeviceVolume.ebs(30, { encrypted: true }) }],
  });
  cluster.addAsgCapacityProvider(new ecs.AsgCapacityProvider(stack, 'CapacityProvider', { autoScalingGroup }));

  const taskDefinition = new ecs.Ec2TaskDefinition(stack, 'Task', { networkMode: ecs.NetworkMode.BRIDGE });
  taskDefinition.addContainer('web', {
    image: APP_IMAGE,
    essential: true,
    memoryReservationMiB: 128,
    portMappings: [{ containerPort: 80, hostPort: 0 }],
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'web' }),
  });

  // Runs before aspects that only read the tree (such as cdk-nag's checks), so they see the sidecar.
  Aspects.of(stack).add(new AssertsSidecarAspect(), { priority: AspectPriority.MUTATING });

  new ecs.Ec2Service(stack, 'Service', { cluster, taskDefinition, desiredCount: 2, minHealthyPercent: 50, circuitBreaker: { rollback: true } });
  return stack;
}

/**
 * The example app with all three stacks. Under the CDK CLI (`cdk deploy --app ...`) the CLI's
 * output directory wins, so the CLI finds the assembly it asked for.
 */
export function buildExampleApp(outdir: string = process.env.CDK_OUTDIR ?? EXAMPLE_OUTDIR): App {
  const app = new App({
    outdir,
    // Feature flags that `cdk init` writes into a new app's cdk.json: launch templates instead of
    // the retired launch configurations, and no iptables-based IMDS blocking in the ECS user data
    // (deprecated; the EC2 example requires IMDSv2 with hop limit 1 instead).
    context: {
      '@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig': true,
      '@aws-cdk/aws-ecs:disableEcsImdsBlocking': true,
    },
  });
  const [active, passive, bridge] = EXAMPLE_STACK_NAMES;
  fargateActiveStack(app, active);
  fargatePassiveStack(app, passive);
  ec2BridgeStack(app, bridge);
  return app;
}

if (require.main === module) {
  const assembly = buildExampleApp().synth();
  for (const stack of assembly.stacks) {
    process.stdout.write(`synthesized ${path.relative(process.cwd(), path.join(assembly.directory, stack.templateFile))}\n`);
  }
}
