/**
 * The target labels the central discovery attaches to a scraped container (DESIGN.md), computed
 * from the task metadata plus what the AWS APIs added. Active mode attaches the same set so dashboards
 * cannot tell the modes apart. Empty values are left out (remote write forbids them).
 */
import type { AwsTaskInfo } from './aws-enrichment';
import { parseTaskIdentity, snakeCase } from './task-identity';
import type { TaskMetadata } from '../metadata/types';
import type { Labels } from '../model';

export interface TargetLabelInputs {
  readonly task: TaskMetadata;
  readonly aws: AwsTaskInfo;
  /** The ECS container name of the target. */
  readonly containerName: string;
  /** Remote-write basic-auth user. */
  readonly tenant?: string;
  /** Region from configuration, used when the ARN has none. */
  readonly region?: string;
}

export function targetLabels(inputs: TargetLabelInputs): Labels {
  const { task, aws, containerName } = inputs;
  const identity = parseTaskIdentity(task.TaskARN, task.Cluster);
  const family = task.Family || aws.taskDefinitionFamily;
  const revision = task.Revision || aws.taskDefinitionRevision;
  const workload = aws.serviceName || family;
  const labels: Record<string, string | undefined> = {};
  // Tags first, so a tag can never overwrite one of the fixed labels below.
  for (const [key, value] of Object.entries(aws.tags)) {
    const name = snakeCase(key);
    if (name) labels[`tag_${name}`] = value;
  }
  Object.assign(labels, {
    job: containerName,
    container: containerName,
    cluster: identity.clusterName,
    workload,
    service: workload,
    ecs_taskdef_name: family,
    ecs_taskdef_version: revision,
    task_id: identity.taskId,
    pod: workload && identity.taskId ? `${workload}-${identity.taskId}` : undefined,
    vpc_id: aws.vpcId,
    subnet_id: aws.subnetId,
    availability_zone: task.AvailabilityZone,
    namespace: 'AWS/ECS',
    region: identity.region ?? inputs.region,
    account_id: identity.accountId,
    tenant: inputs.tenant,
  });
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (value !== undefined && value !== '') result[name] = value;
  }
  return result;
}

/**
 * Prometheus `honor_labels: true` semantics (what the central scraper uses): a label the target
 * exposes itself wins over the target label of the same name; an exposed empty value removes it.
 */
export function honorLabels(target: Labels, exposed: Labels): Labels {
  const merged: Record<string, string> = { ...target, ...exposed };
  for (const [name, value] of Object.entries(merged)) {
    if (value === '') delete merged[name];
  }
  return merged;
}
