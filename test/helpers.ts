import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, aws_ec2 as ec2, aws_ecs as ecs } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** A fresh app and env-agnostic stack per test, so no test sees another's constructs. */
export function newStack(): Stack {
  const app = new App();
  return new Stack(app, 'TestStack');
}

/** An application container, as a user's task definition would already have. */
export function addAppContainer(taskDefinition: ecs.TaskDefinition, name = 'app'): ecs.ContainerDefinition {
  return taskDefinition.addContainer(name, {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:latest'),
    essential: true,
    memoryReservationMiB: 256,
  });
}

export function fargateTask(stack: Stack, props: ecs.FargateTaskDefinitionProps = {}): ecs.FargateTaskDefinition {
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task', props);
  addAppContainer(taskDefinition);
  return taskDefinition;
}

export function ec2Task(stack: Stack, networkMode: ecs.NetworkMode): ecs.Ec2TaskDefinition {
  const taskDefinition = new ecs.Ec2TaskDefinition(stack, 'Task', { networkMode });
  addAppContainer(taskDefinition);
  return taskDefinition;
}

/** The rendered container definition of the named container. */
export function containerDefinition(template: Template, name: string): any {
  const taskDefinitions = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
  for (const td of taskDefinitions) {
    const found = (td as any).Properties.ContainerDefinitions.find((c: any) => c.Name === name);
    if (found) return found;
  }
  throw new Error(`no container named ${name} in the template`);
}

/** Environment of a rendered container as a plain object. */
export function environmentOf(container: any): Record<string, string> {
  return Object.fromEntries((container.Environment ?? []).map((e: any) => [e.Name, e.Value]));
}

/** Names of the secrets of a rendered container. */
export function secretNamesOf(container: any): string[] {
  return (container.Secrets ?? []).map((s: any) => s.Name).sort();
}

/** All IAM statements of the stack's policies, flattened. */
export function policyStatements(template: Template): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

/** Actions granted by the task role's policy of the task definition with logical id prefix `Task`. */
export function taskRoleActions(template: Template): string[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([logicalId]) => logicalId.startsWith('TaskTaskRole'))
    .flatMap(([, p]: [string, any]) => p.Properties.PolicyDocument.Statement)
    .flatMap((s: any) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .sort();
}

/** The docker image assets of a synthesized stack, read from its asset manifest. */
export function dockerImageAssets(stack: Stack): Array<{ directory: string; platform?: string; stagedPath: string }> {
  const assembly = (stack.node.root as App).synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const manifestFile = artifact.dependencies
    .map(d => (d as any).file as string | undefined)
    .find(f => f?.endsWith('.assets.json'));
  if (!manifestFile) throw new Error('no asset manifest');
  const manifest = JSON.parse(fs.readFileSync(path.resolve(assembly.directory, manifestFile), 'utf8'));
  return Object.values(manifest.dockerImages ?? {}).map((image: any) => ({
    directory: image.source.directory,
    platform: image.source.platform,
    stagedPath: path.join(assembly.directory, image.source.directory),
  }));
}

export function defaultVpc(stack: Stack): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
}
