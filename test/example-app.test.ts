import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { EXAMPLE_STACK_NAMES, buildExampleApp } from '../examples/app';

describe('the example app', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-app-'));
  const app = buildExampleApp(outdir);
  const assembly = app.synth();
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('synthesizes its three stacks without an AWS account, as <name>.template.json', () => {
    expect(assembly.stacks.map(s => s.stackName).sort()).toEqual([...EXAMPLE_STACK_NAMES].sort());
    for (const name of EXAMPLE_STACK_NAMES) {
      expect(fs.existsSync(path.join(outdir, `${name}.template.json`))).toBe(true);
      expect(assembly.getStackByName(name).environment.account).toBe('unknown-account');
    }
  });

  test.each(EXAMPLE_STACK_NAMES)('%s has the sidecar and no errors or warnings', name => {
    const stack = app.node.findChild(name) as any;
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([Match.objectLike({
        Name: 'ecs-dockerstats-exporter',
        DockerLabels: { PROMETHEUS_EXPORTER_PATH: '/container-stats/actuator/prometheus', PROMETHEUS_EXPORTER_PORT: '8014' },
      })]),
    });
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('the Active stack builds an ARM64 image and grants aps:RemoteWrite on its workspace only', () => {
    const template = Template.fromStack(app.node.findChild('AssertsSidecarFargateActive') as any);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: { CpuArchitecture: 'ARM64' } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'aps:RemoteWrite', Effect: 'Allow', Resource: { 'Fn::GetAtt': ['Workspace', 'Arn'] } }]) },
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'AssertsSidecarFargateActive.assets.json'), 'utf8'));
    expect(Object.values(manifest.dockerImages).map((i: any) => i.source.platform)).toEqual(['linux/arm64']);
  });

  test('the EC2 bridge stack maps the sidecar to a dynamic host port', () => {
    const template = Template.fromStack(app.node.findChild('AssertsSidecarEc2Bridge') as any);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      NetworkMode: 'bridge',
      ContainerDefinitions: Match.arrayWith([Match.objectLike({
        Name: 'ecs-dockerstats-exporter',
        PortMappings: [{ ContainerPort: 8014, HostPort: 0, Protocol: 'tcp' }],
      })]),
    });
  });
});
