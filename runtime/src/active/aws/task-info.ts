/**
 * Asks the AWS APIs, once per task, for what the metadata endpoint does not say: the service name
 * (DescribeTasks `group` = `service:<name>`), the subnet of the task ENI (DescribeTasks attachments),
 * task tags (DescribeTasks include=TAGS), the VPC (DescribeSubnets) and, only when the metadata lacks
 * family/revision, the task definition (DescribeTaskDefinition).
 *
 * Every call may fail (no IAM permission, throttling, no network path): the result then simply lacks
 * those fields, ONE warning names the calls that failed, and the labels fall back to what the metadata
 * gives.
 *
 * This module runs in the short-lived enrichment child process (aws-enrichment-worker.ts), never in
 * the long-lived exporter: the SDK clients it loads (~60 MiB RSS, ~0.5 s of start-up CPU, most of it
 * @aws-sdk/client-ec2 for one DescribeSubnets) are then freed with the child when it exits.
 */
import { text } from '../../core/fields';
import { parseTaskIdentity } from '../../core/task-identity';
import type { Logger } from '../../logger';
import type { TaskMetadata } from '../../metadata/types';
import type { CredentialProvider } from '../sender';

export interface AwsTaskInfo {
  readonly serviceName?: string;
  readonly subnetId?: string;
  readonly vpcId?: string;
  readonly taskDefinitionFamily?: string;
  readonly taskDefinitionRevision?: string;
  /** Task tags by their AWS key. */
  readonly tags: Readonly<Record<string, string>>;
  /** False when a call failed or was skipped (the answer is worth asking for again later). */
  readonly complete?: boolean;
}

export interface FetchAwsTaskInfoOptions {
  /** Region of the ECS/EC2 API calls; defaults to the region in the task ARN. */
  readonly region?: string;
  /** Endpoint override (tests point it at moto); production uses the SDK's own resolution. */
  readonly endpoint?: string;
  readonly credentials?: CredentialProvider;
  readonly logger: Logger;
}

function errorName(err: unknown): string {
  const e = err as { name?: string; Code?: string; message?: string };
  return e.name ?? e.Code ?? 'Error';
}

type ClientConfig = { readonly region: string; readonly maxAttempts: number; readonly endpoint?: string; readonly credentials?: CredentialProvider };
/** What the calls found so far (filled in call by call). */
type Found = { -readonly [K in keyof AwsTaskInfo]: AwsTaskInfo[K] } & { tags: Record<string, string> };

export async function fetchAwsTaskInfo(task: TaskMetadata, options: FetchAwsTaskInfoOptions): Promise<AwsTaskInfo> {
  const region = options.region ?? parseTaskIdentity(task.TaskARN, task.Cluster).region;
  if (typeof task.TaskARN !== 'string' || !task.TaskARN || typeof task.Cluster !== 'string' || !task.Cluster || !region) {
    options.logger.warn('aws enrichment skipped: the task metadata lacks TaskARN, Cluster or a region; labels come from the metadata only', {});
    return { tags: {}, complete: false };
  }
  const config: ClientConfig = {
    region,
    maxAttempts: 3,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const failures: string[] = [];
  const found: Found = {
    serviceName: text(task.ServiceName),
    vpcId: text(task.VPCID),
    tags: {},
  };
  await describeTask(task, config, found, failures);
  if (!found.vpcId && found.subnetId) await describeSubnet(found.subnetId, config, found, failures);
  if (failures.length > 0) {
    options.logger.warn('aws enrichment incomplete: labels from these calls are left out (grant the task role ecs:DescribeTasks, ecs:DescribeTaskDefinition, ec2:DescribeSubnets)', {
      failedCalls: failures,
    });
  }
  const { serviceName, subnetId, vpcId, taskDefinitionFamily, taskDefinitionRevision, tags } = found;
  return { serviceName, subnetId, vpcId, taskDefinitionFamily, taskDefinitionRevision, tags, complete: failures.length === 0 };
}

/** DescribeTasks (service, ENI subnet, tags) and, only when the metadata lacks family or revision, DescribeTaskDefinition. */
async function describeTask(task: TaskMetadata, config: ClientConfig, found: Found, failures: string[]): Promise<void> {
  const ecs = await import('@aws-sdk/client-ecs');
  const client = new ecs.ECSClient(config);
  let taskDefinitionArn: string | undefined;
  try {
    const described = await client.send(new ecs.DescribeTasksCommand({ cluster: task.Cluster, tasks: [task.TaskARN!], include: ['TAGS'] }));
    const one = described.tasks?.[0];
    if (!one) {
      failures.push(`ecs:DescribeTasks (task not found: ${described.failures?.[0]?.reason ?? 'no reason given'})`);
    } else {
      if (!found.serviceName && one.group?.startsWith('service:')) found.serviceName = one.group.slice('service:'.length);
      const eni = one.attachments?.find((a) => a.type === 'ElasticNetworkInterface');
      found.subnetId = eni?.details?.find((d) => d.name === 'subnetId')?.value || undefined;
      for (const tag of one.tags ?? []) {
        if (tag.key && tag.value !== undefined) found.tags[tag.key] = tag.value;
      }
      taskDefinitionArn = one.taskDefinitionArn;
    }
  } catch (err) {
    failures.push(`ecs:DescribeTasks (${errorName(err)})`);
  }
  if ((!task.Family || !task.Revision) && taskDefinitionArn) {
    try {
      const described = await client.send(new ecs.DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }));
      found.taskDefinitionFamily = described.taskDefinition?.family;
      found.taskDefinitionRevision = described.taskDefinition?.revision !== undefined ? String(described.taskDefinition.revision) : undefined;
    } catch (err) {
      failures.push(`ecs:DescribeTaskDefinition (${errorName(err)})`);
    }
  }
  client.destroy();
}

/** The VPC of the task ENI's subnet (DescribeSubnets). */
async function describeSubnet(subnetId: string, config: ClientConfig, found: Found, failures: string[]): Promise<void> {
  const ec2 = await import('@aws-sdk/client-ec2');
  const client = new ec2.EC2Client(config);
  try {
    const subnets = await client.send(new ec2.DescribeSubnetsCommand({ SubnetIds: [subnetId] }));
    found.vpcId = subnets.Subnets?.[0]?.VpcId || undefined;
  } catch (err) {
    failures.push(`ec2:DescribeSubnets (${errorName(err)})`);
  } finally {
    client.destroy();
  }
}
