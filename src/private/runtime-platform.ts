import { Token, aws_ecs as ecs } from 'aws-cdk-lib';

/** The parts of a task definition's runtime platform known at synthesis (tokens read as unknown). */
export interface KnownRuntimePlatform {
  readonly cpuArchitecture?: string;
  readonly operatingSystemFamily?: string;
}

/** The runtime platform as rendered into the CloudFormation resource (the L2 keeps it private). */
export function readRuntimePlatform(taskDefinition: ecs.TaskDefinition): KnownRuntimePlatform {
  const cfn = taskDefinition.node.defaultChild as ecs.CfnTaskDefinition | undefined;
  const platform = cfn?.runtimePlatform;
  if (!platform || Token.isUnresolved(platform)) return {};
  const { cpuArchitecture, operatingSystemFamily } = platform as ecs.CfnTaskDefinition.RuntimePlatformProperty;
  return {
    cpuArchitecture: cpuArchitecture && !Token.isUnresolved(cpuArchitecture) ? cpuArchitecture : undefined,
    operatingSystemFamily: operatingSystemFamily && !Token.isUnresolved(operatingSystemFamily) ? operatingSystemFamily : undefined,
  };
}

/** Whether an operating system family (as rendered, e.g. `WINDOWS_SERVER_2022_CORE`) is Windows. */
export function isWindowsFamily(operatingSystemFamily: string | undefined): boolean {
  return operatingSystemFamily?.startsWith('WINDOWS') ?? false;
}
