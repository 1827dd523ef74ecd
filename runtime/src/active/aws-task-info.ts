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
import type { ActiveLogger } from './ports';
import type { CredentialProvider } from './remote-write/sigv4';
import { parseTaskIdentity } from './task-identity';
import type { TaskMetadata } from '../metadata/types';

export interface AwsTaskInfo {
  readonly serviceName?: string;
  readonly subnetId?: string;
  readonly vpcId?: string;
  readonly taskDefinitionFamily?: string;
  readonly taskDefinitionRevision?: string;
  /** Task tags by their AWS key. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface FetchAwsTaskInfoOptions {
  /** Region of the ECS/EC2 API calls; defaults to the region in the task ARN. */
  readonly region?: string;
  /** Endpoint override (tests point it at moto); production uses the SDK's own resolution. */
  readonly endpoint?: string;
  readonly credentials?: CredentialProvider;
  readonly logger: ActiveLogger;
}

function errorName(err: unknown): string {
  const e = err as { name?: string; Code?: string; message?: string };
  return e.name ?? e.Code ?? 'Error';
}

export async function fetchAwsTaskInfo(task: TaskMetadata, options: FetchAwsTaskInfoOptions): Promise<AwsTaskInfo> {
  const identity = parseTaskIdentity(task.TaskARN, task.Cluster);
  const region = options.region ?? identity.region;
  const failures: string[] = [];
  if (!task.TaskARN || !task.Cluster || !region) {
    options.logger.warn('aws enrichment skipped: the task metadata lacks TaskARN, Cluster or a region; labels come from the metadata only', {});
    return { tags: {} };
  }
  const clientConfig = {
    region,
    maxAttempts: 3,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const ecs = await import('@aws-sdk/client-ecs');
  const ecsClient = new ecs.ECSClient(clientConfig);

  let serviceName = task.ServiceName || undefined;
  let subnetId: string | undefined;
  let vpcId = task.VPCID || undefined;
  let taskDefinitionArn: string | undefined;
  let taskDefinitionFamily: string | undefined;
  let taskDefinitionRevision: string | undefined;
  const tags: Record<string, string> = {};

  try {
    const described = await ecsClient.send(new ecs.DescribeTasksCommand({
      cluster: task.Cluster, tasks: [task.TaskARN], include: ['TAGS'],
    }));
    const found = described.tasks?.[0];
    if (!found) {
      failures.push(`ecs:DescribeTasks (task not found: ${described.failures?.[0]?.reason ?? 'no reason given'})`);
    } else {
      if (!serviceName && found.group?.startsWith('service:')) serviceName = found.group.slice('service:'.length);
      const eni = found.attachments?.find((a) => a.type === 'ElasticNetworkInterface');
      subnetId = eni?.details?.find((d) => d.name === 'subnetId')?.value || undefined;
      for (const tag of found.tags ?? []) {
        if (tag.key && tag.value !== undefined) tags[tag.key] = tag.value;
      }
      taskDefinitionArn = found.taskDefinitionArn;
    }
  } catch (err) {
    failures.push(`ecs:DescribeTasks (${errorName(err)})`);
  }

  if ((!task.Family || !task.Revision) && taskDefinitionArn) {
    try {
      const described = await ecsClient.send(new ecs.DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }));
      taskDefinitionFamily = described.taskDefinition?.family;
      taskDefinitionRevision = described.taskDefinition?.revision !== undefined ? String(described.taskDefinition.revision) : undefined;
    } catch (err) {
      failures.push(`ecs:DescribeTaskDefinition (${errorName(err)})`);
    }
  }
  ecsClient.destroy();

  if (!vpcId && subnetId) {
    const ec2 = await import('@aws-sdk/client-ec2');
    const ec2Client = new ec2.EC2Client(clientConfig);
    try {
      const subnets = await ec2Client.send(new ec2.DescribeSubnetsCommand({ SubnetIds: [subnetId] }));
      vpcId = subnets.Subnets?.[0]?.VpcId || undefined;
    } catch (err) {
      failures.push(`ec2:DescribeSubnets (${errorName(err)})`);
    } finally {
      ec2Client.destroy();
    }
  }

  if (failures.length > 0) {
    options.logger.warn('aws enrichment incomplete: labels from these calls are left out (grant the task role ecs:DescribeTasks, ecs:DescribeTaskDefinition, ec2:DescribeSubnets)', {
      failedCalls: failures,
    });
  }
  return { serviceName, subnetId, vpcId, taskDefinitionFamily, taskDefinitionRevision, tags };
}
