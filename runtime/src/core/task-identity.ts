/**
 * What the task ARN and cluster field of the metadata say by themselves: region, account, cluster
 * name and task id. ARNs look like `arn:aws:ecs:us-east-1:123456789012:task/my-cluster/0123abcd`
 * (the older format omits the cluster: `task/0123abcd`). Inputs are taken as they come from the
 * metadata (`unknown`): anything but a non-empty string counts as absent.
 */
import { text } from './fields';

export interface TaskIdentity {
  readonly region?: string;
  readonly accountId?: string;
  readonly taskId?: string;
  /** Short cluster name (the metadata gives an ARN on Fargate, a name on EC2). */
  readonly clusterName?: string;
}

export function parseTaskIdentity(taskArn: unknown, cluster: unknown): TaskIdentity {
  const arn = /^arn:[^:]+:ecs:([^:]*):([^:]*):task\/(.+)$/.exec(text(taskArn) ?? '');
  const resource = arn?.[3].split('/') ?? [];
  return {
    region: arn?.[1] || undefined,
    accountId: arn?.[2] || undefined,
    taskId: taskIdOf(taskArn),
    clusterName: clusterName(cluster) ?? (resource.length > 1 ? resource[0] || undefined : undefined),
  };
}

/** The last `/` segment of the task ARN (both ARN formats), or undefined. */
export function taskIdOf(taskArn: unknown): string | undefined {
  return text(text(taskArn)?.split('/').pop());
}

/** `arn:aws:ecs:region:account:cluster/name` → `name`; a short name is returned as is. */
export function clusterName(cluster: unknown): string | undefined {
  const value = text(cluster);
  if (value === undefined) return undefined;
  const match = /^arn:[^:]+:ecs:[^:]*:[^:]*:cluster\/(.+)$/.exec(value);
  return match ? match[1] : value;
}
