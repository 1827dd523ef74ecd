/**
 * What the task ARN and cluster field of the metadata say by themselves: region, account, cluster
 * name and task id. ARNs look like `arn:aws:ecs:us-east-1:123456789012:task/my-cluster/0123abcd`
 * (the older format omits the cluster: `task/0123abcd`).
 */
export interface TaskIdentity {
  readonly region?: string;
  readonly accountId?: string;
  readonly taskId?: string;
  /** Short cluster name (the metadata gives an ARN on Fargate, a name on EC2). */
  readonly clusterName?: string;
}

export function parseTaskIdentity(taskArn: string | undefined, cluster: string | undefined): TaskIdentity {
  const arn = /^arn:[^:]+:ecs:([^:]*):([^:]*):task\/(.+)$/.exec(taskArn ?? '');
  const resource = arn?.[3].split('/') ?? [];
  return {
    region: arn?.[1] || undefined,
    accountId: arn?.[2] || undefined,
    taskId: resource.length > 0 ? resource[resource.length - 1] : undefined,
    clusterName: clusterName(cluster) ?? (resource.length > 1 ? resource[0] : undefined),
  };
}

/** `arn:aws:ecs:region:account:cluster/name` → `name`; a short name is returned as is. */
export function clusterName(cluster: string | undefined): string | undefined {
  if (!cluster) return undefined;
  const match = /^arn:[^:]+:ecs:[^:]*:[^:]*:cluster\/(.+)$/.exec(cluster);
  return match ? match[1] : cluster;
}

/** AWS tag key → Prometheus label name part: `CostCenter` → `cost_center`, `aws:ecs:serviceName` → `aws_ecs_service_name`. */
export function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^a-zA-Z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '')
    .toLowerCase();
}
