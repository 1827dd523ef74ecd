import { ArnFormat, Stack, aws_ecs as ecs, aws_iam as iam } from 'aws-cdk-lib';

/**
 * The task-role statements Active mode needs to enrich its series with what the metadata endpoint
 * lacks (service name, subnet, VPC, task tags), each scoped as narrowly as the action allows.
 */
export function grantActiveModePermissions(
  taskDefinition: ecs.TaskDefinition,
  ampWorkspaceArn: string | undefined,
  cluster: ecs.ICluster | undefined,
): void {
  const stack = Stack.of(taskDefinition);

  // DescribeTasks supports resource-level permissions on task ARNs
  // (arn:<partition>:ecs:<region>:<account>:task/<cluster-name>/<task-id>). The task definition does
  // not know which cluster runs it, so without `cluster` the scope is every task of this account
  // and region; with it, the tasks of that cluster.
  taskDefinition.addToTaskRolePolicy(new iam.PolicyStatement({
    actions: ['ecs:DescribeTasks'],
    resources: [stack.formatArn({
      service: 'ecs',
      resource: 'task',
      resourceName: cluster ? `${cluster.clusterName}/*` : '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    })],
  }));

  // DescribeTaskDefinition and DescribeSubnets support no resource-level permissions: IAM accepts
  // only "*" for them (Service Authorization Reference, Amazon ECS and Amazon EC2).
  taskDefinition.addToTaskRolePolicy(new iam.PolicyStatement({
    actions: ['ecs:DescribeTaskDefinition', 'ec2:DescribeSubnets'],
    resources: ['*'],
  }));

  if (ampWorkspaceArn !== undefined) {
    taskDefinition.addToTaskRolePolicy(new iam.PolicyStatement({
      actions: ['aps:RemoteWrite'],
      resources: [ampWorkspaceArn],
    }));
  }
}
