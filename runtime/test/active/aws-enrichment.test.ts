/**
 * AWS enrichment through the real SDK, in the child process production uses (the worker built from
 * src/active/aws-enrichment-worker.ts): against moto's server for the normal path, against an
 * in-process fake that answers AccessDeniedException / ThrottlingException for the degraded paths,
 * and with stand-in workers that crash, hang or answer nonsense.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client, ModifyVpcAttributeCommand } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { awsErrorServer, CapturingLogger, enrichmentWorker } from './helpers';
import { MotoServer } from './moto-server';
import { EnrichmentProcess, type EnrichmentProcessOptions } from '../../src/active/aws/enrichment-process';
import { TaskEnrichment } from '../../src/active/aws/task-enrichment';
import { fetchAwsTaskInfo } from '../../src/active/aws/task-info';
import { honorLabels, snakeCase, targetLabels } from '../../src/active/target-labels';
import { systemClock } from '../../src/core/clock';
import { parseTaskIdentity } from '../../src/core/task-identity';
import type { Logger } from '../../src/logger';
import type { TaskMetadata } from '../../src/metadata/types';

type AwsEnrichmentOptions = EnrichmentProcessOptions & { readonly logger: Logger };

/** The first enrichment attempt as Active mode makes it (its retries wait forever here). */
class AwsEnrichment {
  private readonly enrichment: TaskEnrichment;
  constructor(options: AwsEnrichmentOptions) {
    const clock = { ...systemClock, sleep: () => new Promise<void>(() => {}) };
    const process = new EnrichmentProcess(options);
    this.enrichment = new TaskEnrichment({ process, clock, logger: options.logger, latestTask: () => undefined, waitMs: 60_000 });
  }
  async taskInfo(task: TaskMetadata) {
    await this.enrichment.ready(task);
    return this.enrichment.info;
  }
}

const credentials = async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' });
const REGION = 'us-east-1';

/** One enrichment as Active mode runs it: in the child process, credentials handed over in its env. */
function inChild(task: TaskMetadata, options: Omit<AwsEnrichmentOptions, 'workerPath' | 'credentials'>) {
  return new AwsEnrichment({ credentials, workerPath: enrichmentWorker(), ...options }).taskInfo(task);
}

describe('against moto', () => {
  const moto = new MotoServer();
  let task: TaskMetadata;
  let subnetId: string;
  let vpcId: string;

  beforeAll(async () => {
    await moto.start();
    const config = { region: REGION, endpoint: moto.endpoint, credentials };
    const ec2 = new EC2Client(config);
    const ecs = new ECSClient(config);
    vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
    // Like a real ECS VPC: DNS hostnames on (moto also needs it to give the task ENI a private DNS name).
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const cluster = (await ecs.send(new CreateClusterCommand({ clusterName: 'shop-prod' }))).cluster!;
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'checkout',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'nginx', essential: true, cpu: 256, memory: 512 }],
    }));
    const run = await ecs.send(new RunTaskCommand({
      cluster: cluster.clusterArn,
      taskDefinition: 'checkout',
      launchType: 'FARGATE',
      group: 'service:checkout-svc',
      networkConfiguration: { awsvpcConfiguration: { subnets: [subnetId], securityGroups: [] } },
      tags: [{ key: 'CostCenter', value: '42' }, { key: 'team-name', value: 'payments' }],
    }));
    const taskArn = run.tasks![0].taskArn!;
    task = { Cluster: cluster.clusterArn, TaskARN: taskArn, Family: 'checkout', Revision: '1', AvailabilityZone: 'us-east-1a', LaunchType: 'FARGATE' };
    ec2.destroy();
    ecs.destroy();
  });
  afterAll(() => moto.stop());

  test('service name, ENI subnet, VPC and tags come from DescribeTasks and DescribeSubnets', async () => {
    const logger = new CapturingLogger();
    const info = await inChild(task, { endpoint: moto.endpoint, logger });
    expect(info).toEqual({
      serviceName: 'checkout-svc',
      subnetId,
      vpcId,
      taskDefinitionFamily: undefined,
      taskDefinitionRevision: undefined,
      tags: { 'CostCenter': '42', 'team-name': 'payments' },
      complete: true,
    });
    expect(logger.atLevel('warn')).toEqual([]);
  });

  test('the task definition is described only when the metadata lacks family or revision', async () => {
    const logger = new CapturingLogger();
    const info = await inChild({ ...task, Family: undefined, Revision: undefined }, { endpoint: moto.endpoint, logger });
    expect(info.taskDefinitionFamily).toBe('checkout');
    expect(info.taskDefinitionRevision).toBe('1');
  });

  test('fetchAwsTaskInfo itself (what the child runs) gives the same answer in-process', async () => {
    const logger = new CapturingLogger();
    const info = await fetchAwsTaskInfo(task, { endpoint: moto.endpoint, credentials, logger });
    expect(info).toEqual(await inChild(task, { endpoint: moto.endpoint, logger: new CapturingLogger() }));
    expect(info.vpcId).toBe(vpcId);
    expect(logger.records).toEqual([]);
  });

  test('a target gets every label the central discovery attaches: task, service, task definition, network, account, tenant and snake-cased tags', async () => {
    const logger = new CapturingLogger();
    const aws = await inChild(task, { endpoint: moto.endpoint, logger });
    const { taskId, accountId } = parseTaskIdentity(task.TaskARN, task.Cluster);
    expect(targetLabels({ task, aws, containerName: 'app', tenant: 'tenant-a' })).toEqual({
      job: 'app',
      container: 'app',
      cluster: 'shop-prod',
      workload: 'checkout-svc',
      service: 'checkout-svc',
      ecs_taskdef_name: 'checkout',
      ecs_taskdef_version: '1',
      task_id: taskId,
      pod: `checkout-svc-${taskId}`,
      vpc_id: vpcId,
      subnet_id: subnetId,
      availability_zone: 'us-east-1a',
      namespace: 'AWS/ECS',
      region: REGION,
      account_id: accountId,
      tenant: 'tenant-a',
      tag_cost_center: '42',
      tag_team_name: 'payments',
    });
  });
});

describe('degraded paths', () => {
  const task: TaskMetadata = {
    Cluster: 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod',
    TaskARN: 'arn:aws:ecs:eu-west-1:111122223333:task/prod/abcdef0123',
    Family: 'web',
    Revision: '7',
    AvailabilityZone: 'eu-west-1b',
  };

  test('AccessDenied degrades to metadata-only labels with one warning', async () => {
    const fake = await awsErrorServer('AccessDeniedException', 400);
    try {
      const logger = new CapturingLogger();
      const enrichment = new AwsEnrichment({ endpoint: fake.endpoint, credentials, workerPath: enrichmentWorker(), logger });
      const info = await enrichment.taskInfo(task);
      await enrichment.taskInfo(task);
      expect(info).toEqual({
        tags: {},
        serviceName: undefined,
        subnetId: undefined,
        vpcId: undefined,
        taskDefinitionFamily: undefined,
        taskDefinitionRevision: undefined,
        complete: false,
      });
      expect(fake.requests()).toBe(1);
      const warnings = logger.atLevel('warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0].fields).toEqual({ failedCalls: ['ecs:DescribeTasks (AccessDeniedException)'] });
      expect(targetLabels({ task, aws: info, containerName: 'web' })).toEqual({
        job: 'web',
        container: 'web',
        cluster: 'prod',
        workload: 'web',
        service: 'web',
        ecs_taskdef_name: 'web',
        ecs_taskdef_version: '7',
        task_id: 'abcdef0123',
        pod: 'web-abcdef0123',
        availability_zone: 'eu-west-1b',
        namespace: 'AWS/ECS',
        region: 'eu-west-1',
        account_id: '111122223333',
      });
    } finally {
      await fake.close();
    }
  });

  test('throttling is retried by the SDK, then degrades the same way', async () => {
    const fake = await awsErrorServer('ThrottlingException', 400);
    try {
      const logger = new CapturingLogger();
      const info = await inChild(task, { endpoint: fake.endpoint, logger });
      expect(info.serviceName).toBeUndefined();
      expect(fake.requests()).toBe(3);
      expect(logger.atLevel('warn')).toHaveLength(1);
      expect(logger.atLevel('warn')[0].fields).toEqual({ failedCalls: ['ecs:DescribeTasks (ThrottlingException)'] });
    } finally {
      await fake.close();
    }
  });
});

describe('the child process fails', () => {
  const task: TaskMetadata = {
    Cluster: 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod',
    TaskARN: 'arn:aws:ecs:eu-west-1:111122223333:task/prod/abcdef0123',
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'enrichment-worker-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const worker = (name: string, source: string) => {
    const file = path.join(dir, `${name}.js`);
    fs.writeFileSync(file, source);
    return file;
  };

  test.each([
    ['crashes', worker('crash', 'process.stderr.write("Error: boom\\n"); process.exit(3);'), 50_000, /exited \(code 3\) without an answer: Error: boom/],
    ['is killed by a signal', worker('signal', 'process.kill(process.pid, "SIGKILL");'), 50_000, /exited \(SIGKILL\)/],
    ['hangs past its deadline', worker('hang', 'setInterval(() => {}, 1000);'), 500, /no answer within 500 ms \(killed\)/],
    ['answers nonsense', worker('nonsense', 'process.on("message", () => process.send({ kind: "result", info: { tags: { a: 1 } } }));'), 50_000, /malformed answer/],
    ['logs a warning, then crashes', worker('warn-crash', 'process.on("message", () => process.send({ kind: "log", level: "warn", message: "half-way" }, () => process.exit(1)));'), 50_000, /exited \(code 1\)/],
    ['does not exist', path.join(dir, 'missing.js'), 50_000, /exited \(code 1\).*Cannot find module/],
  ])('a worker that %s: metadata-only labels, ONE warning, no crash', async (_what, workerPath, timeoutMs, reason) => {
    const logger = new CapturingLogger();
    const started = Date.now();
    const info = await new AwsEnrichment({ workerPath, timeoutMs, credentials, logger }).taskInfo(task);
    expect(info).toEqual({ tags: {} });
    const warnings = logger.atLevel('warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(/^aws enrichment failed/);
    expect(warnings[0].fields!.reason).toMatch(reason);
    expect(logger.text()).not.toContain('testing');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('what the child logs is logged by the parent exactly once, at its level, with its fields', async () => {
    const workerPath = worker('logs', `process.on('message', (req) => {
      process.send({ kind: 'log', level: 'warn', message: 'w', fields: { cluster: req.task.Cluster } });
      process.send({ kind: 'log', level: 'debug', message: 'd' });
      process.send({ kind: 'result', info: { serviceName: 's', tags: { k: 'v' } } }, () => process.exit(0));
    });`);
    const logger = new CapturingLogger();
    const enrichment = new AwsEnrichment({ workerPath, logger });
    const info = await enrichment.taskInfo(task);
    expect(await enrichment.taskInfo(task)).toBe(info);
    expect(info).toEqual({ serviceName: 's', tags: { k: 'v' }, complete: true });
    expect(logger.records).toEqual([
      { level: 'warn', message: 'w', fields: { cluster: task.Cluster } },
      { level: 'debug', message: 'd', fields: undefined },
    ]);
  });

  test('injected credentials reach the child through its environment, never through the message', async () => {
    const workerPath = worker('env', `process.on('message', (req) => process.send({ kind: 'result', info: {
      serviceName: process.env.AWS_ACCESS_KEY_ID + '/' + process.env.AWS_SECRET_ACCESS_KEY + '/' + (process.env.AWS_SESSION_TOKEN ?? '-'),
      subnetId: JSON.stringify(req).includes('SECRETKEY') ? 'leaked' : 'clean', tags: {} } }, () => process.exit(0)));`);
    const info = await new AwsEnrichment({
      workerPath, logger: new CapturingLogger(), credentials: async () => ({ accessKeyId: 'AKIDCHILD', secretAccessKey: 'SECRETKEY' }),
    }).taskInfo(task);
    expect(info.serviceName).toBe('AKIDCHILD/SECRETKEY/-');
    expect(info.subnetId).toBe('clean');
  });
});

describe('label helpers', () => {
  test('task ARNs of both formats give region, account, cluster and task id', () => {
    expect(parseTaskIdentity('arn:aws:ecs:us-west-2:123456789012:task/my-cluster/9781c248', undefined))
      .toEqual({ region: 'us-west-2', accountId: '123456789012', taskId: '9781c248', clusterName: 'my-cluster' });
    expect(parseTaskIdentity('arn:aws:ecs:us-west-2:123456789012:task/9781c248', 'default'))
      .toEqual({ region: 'us-west-2', accountId: '123456789012', taskId: '9781c248', clusterName: 'default' });
  });

  test('tag keys become snake_case label names', () => {
    expect(snakeCase('CostCenter')).toBe('cost_center');
    expect(snakeCase('team-name')).toBe('team_name');
    expect(snakeCase('aws:ecs:serviceName')).toBe('aws_ecs_service_name');
    expect(snakeCase('HTTPServer')).toBe('http_server');
  });

  test('honor_labels: exposed labels win over target labels, exposed empty values remove them', () => {
    expect(honorLabels({ job: 'app', container: 'app', cluster: 'c' }, { container: 'sidecar', cluster: '', path: '/x' }))
      .toEqual({ job: 'app', container: 'sidecar', path: '/x' });
  });
});
