import { Duration, aws_aps as aps, aws_ecs as ecs, aws_iam as iam, aws_secretsmanager as secretsmanager, aws_ssm as ssm } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { containerDefinition, defaultVpc, environmentOf, fargateTask, newStack, policyStatements, secretNamesOf } from './helpers';
import { AssertsSidecar, SidecarMode } from '../src';

const NAME = 'ecs-dockerstats-exporter';
const AMP_URL = 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1a2b3c4d-5e6f/api/v1/remote_write';

describe('Active mode with basic auth', () => {
  const stack = newStack();
  const password = new secretsmanager.Secret(stack, 'RemoteWritePassword');
  const sidecar = new AssertsSidecar(fargateTask(stack), 'Metrics', {
    remoteWrite: {
      url: 'https://prometheus-prod-01.grafana.net/api/prom/push',
      username: '123456',
      password: ecs.Secret.fromSecretsManager(password),
      scrapeInterval: Duration.seconds(30),
    },
  });
  const template = Template.fromStack(stack);
  const container = containerDefinition(template, NAME);

  test('selects Active mode', () => {
    expect(sidecar.mode).toBe(SidecarMode.ACTIVE);
  });

  test('URL and user are environment values; the password is only an ECS secret', () => {
    expect(environmentOf(container)).toEqual({
      httpListenPort: '8014',
      metricsPath: '/container-stats/actuator/prometheus',
      remoteWrite_url: 'https://prometheus-prod-01.grafana.net/api/prom/push',
      remoteWrite_basicAuth_username: '123456',
      scrapeInterval: '30s',
    });
    expect(secretNamesOf(container)).toEqual(['remoteWrite_basicAuth_password']);
    expect(JSON.stringify(container.Environment)).not.toContain('password');
  });

  test('SKIP_TLS_VERIFY is absent unless set', () => {
    expect(environmentOf(container)).not.toHaveProperty('SKIP_TLS_VERIFY');
  });

  test('the task role may describe tasks of this account and region, and task definitions and subnets (no resource-level support)', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^TaskTaskRole') }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'ecs:DescribeTasks',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':task/*']],
            },
          },
          { Action: ['ecs:DescribeTaskDefinition', 'ec2:DescribeSubnets'], Effect: 'Allow', Resource: '*' },
        ],
      },
    });
  });

  test('no synthesis warnings for an https endpoint', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

test('a bearer token is injected as a secret', () => {
  const stack = newStack();
  const token = ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'Token', { parameterName: '/metrics/token' });
  new AssertsSidecar(fargateTask(stack), 'Metrics', {
    remoteWrite: { url: 'https://mimir.example.com/api/v1/push', bearerToken: ecs.Secret.fromSsmParameter(token) },
  });
  const container = containerDefinition(Template.fromStack(stack), NAME);
  expect(secretNamesOf(container)).toEqual(['remoteWrite_bearerToken']);
  expect(environmentOf(container)).not.toHaveProperty('remoteWrite_basicAuth_username');
});

test('a user name without password is allowed (basic auth with an empty password)', () => {
  const stack = newStack();
  new AssertsSidecar(fargateTask(stack), 'Metrics', { remoteWrite: { url: 'http://vm.internal:8428/api/v1/write', username: 'tenant-a' } });
  const container = containerDefinition(Template.fromStack(stack), NAME);
  expect(environmentOf(container).remoteWrite_basicAuth_username).toBe('tenant-a');
  expect(container.Secrets).toBeUndefined();
});

test('skipTlsVerify sets SKIP_TLS_VERIFY=true and warns at synthesis', () => {
  const stack = newStack();
  new AssertsSidecar(fargateTask(stack), 'Metrics', { remoteWrite: { url: 'https://self-signed.example.com/write', skipTlsVerify: true } });
  expect(environmentOf(containerDefinition(Template.fromStack(stack), NAME)).SKIP_TLS_VERIFY).toBe('true');
  Annotations.fromStack(stack).hasWarning(
    '/TestStack/Task/Metrics',
    Match.stringLikeRegexp('remoteWrite.skipTlsVerify is true: the sidecar accepts any TLS certificate'),
  );
});

test('skipTlsVerify false adds nothing', () => {
  const stack = newStack();
  new AssertsSidecar(fargateTask(stack), 'Metrics', { remoteWrite: { url: 'https://example.com/write', skipTlsVerify: false } });
  expect(environmentOf(containerDefinition(Template.fromStack(stack), NAME))).not.toHaveProperty('SKIP_TLS_VERIFY');
  Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
});

test('credentials over plain http warn at synthesis', () => {
  const stack = newStack();
  const password = new secretsmanager.Secret(stack, 'Password');
  new AssertsSidecar(fargateTask(stack), 'Metrics', {
    remoteWrite: { url: 'http://prometheus.internal:9090/api/v1/write', username: 'u', password: ecs.Secret.fromSecretsManager(password) },
  });
  Annotations.fromStack(stack).hasWarning(
    '/TestStack/Task/Metrics',
    Match.stringLikeRegexp('is plain http: the remote-write credentials travel unencrypted'),
  );
});

describe('SigV4 for Amazon Managed Service for Prometheus', () => {
  function apsStatement(template: Template): any {
    return policyStatements(template).find(s => s.Action === 'aps:RemoteWrite');
  }

  test('signs for the URL\'s region and grants aps:RemoteWrite on exactly that workspace', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics', { remoteWrite: { url: AMP_URL, sigV4: {} } });
    const template = Template.fromStack(stack);
    const env = environmentOf(containerDefinition(template, NAME));
    expect(env.remoteWrite_aws_useSigv4).toBe('true');
    expect(env.remoteWrite_aws_region).toBe('eu-west-1');
    expect(apsStatement(template)).toEqual({
      Action: 'aps:RemoteWrite',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':aps:eu-west-1:', { Ref: 'AWS::AccountId' }, ':workspace/ws-1a2b3c4d-5e6f']] },
    });
  });

  test('China endpoints use the aws-cn partition', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics', {
      remoteWrite: { url: 'https://aps-workspaces.cn-north-1.amazonaws.com.cn/workspaces/ws-abc/api/v1/remote_write', sigV4: {} },
    });
    expect(apsStatement(Template.fromStack(stack)).Resource).toEqual(
      { 'Fn::Join': ['', ['arn:aws-cn:aps:cn-north-1:', { Ref: 'AWS::AccountId' }, ':workspace/ws-abc']] },
    );
  });

  test('an explicit region equal to the URL\'s is accepted', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics', { remoteWrite: { url: AMP_URL, sigV4: { region: 'eu-west-1' } } });
    expect(environmentOf(containerDefinition(Template.fromStack(stack), NAME)).remoteWrite_aws_region).toBe('eu-west-1');
  });

  test('a token URL with workspaceArn: the grant names that workspace and the region comes from its ARN', () => {
    const stack = newStack();
    const workspace = new aps.CfnWorkspace(stack, 'Workspace', {});
    new AssertsSidecar(fargateTask(stack), 'Metrics', {
      remoteWrite: {
        url: `${workspace.attrPrometheusEndpoint}api/v1/remote_write`,
        sigV4: { workspaceArn: workspace.attrArn },
      },
    });
    const template = Template.fromStack(stack);
    expect(apsStatement(template).Resource).toEqual({ 'Fn::GetAtt': ['Workspace', 'Arn'] });
    const env = environmentOf(containerDefinition(template, NAME));
    expect(env.remoteWrite_aws_region).toEqual({
      'Fn::Select': [3, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Workspace', 'Arn'] }] }],
    });
  });

  test('a proxy URL with a literal workspaceArn and region', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics', {
      remoteWrite: {
        url: 'https://amp-proxy.internal/api/v1/remote_write',
        sigV4: { workspaceArn: 'arn:aws:aps:us-east-2:123456789012:workspace/ws-proxyed', region: 'us-east-2' },
      },
    });
    const template = Template.fromStack(stack);
    expect(apsStatement(template).Resource).toBe('arn:aws:aps:us-east-2:123456789012:workspace/ws-proxyed');
    expect(environmentOf(containerDefinition(template, NAME)).remoteWrite_aws_region).toBe('us-east-2');
  });

  test('without sigV4 no aps permission is granted, even for an AMP URL', () => {
    const stack = newStack();
    new AssertsSidecar(fargateTask(stack), 'Metrics', { remoteWrite: { url: AMP_URL } });
    const template = Template.fromStack(stack);
    expect(apsStatement(template)).toBeUndefined();
    expect(environmentOf(containerDefinition(template, NAME))).not.toHaveProperty('remoteWrite_aws_useSigv4');
  });
});

test('an imported, mutable task role gets the statements as its own policy', () => {
  const stack = newStack();
  const taskRole = iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::123456789012:role/existing-task-role');
  new AssertsSidecar(fargateTask(stack, { taskRole }), 'Metrics', { remoteWrite: { url: 'https://example.com/api/v1/write' } });
  const template = Template.fromStack(stack);
  expect(policyStatements(template).flatMap(s => s.Action)).toEqual(
    expect.arrayContaining(['ecs:DescribeTasks', 'ecs:DescribeTaskDefinition', 'ec2:DescribeSubnets']),
  );
  Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
});

test('cluster narrows ecs:DescribeTasks to the tasks of that cluster', () => {
  const stack = newStack();
  const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod', vpc: defaultVpc(stack) });
  new AssertsSidecar(fargateTask(stack), 'Metrics', { cluster, remoteWrite: { url: 'https://example.com/api/v1/write' } });
  const describeTasks = policyStatements(Template.fromStack(stack)).find(s => s.Action === 'ecs:DescribeTasks');
  expect(describeTasks.Resource).toEqual({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':task/prod/*']],
  });
});

test('cluster adds no IAM in Passive mode', () => {
  const stack = newStack();
  const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod', vpc: defaultVpc(stack) });
  new AssertsSidecar(fargateTask(stack), 'Metrics', { cluster });
  expect(policyStatements(Template.fromStack(stack)).filter(s => String(s.Action).startsWith('ecs:Describe'))).toEqual([]);
});
