// The TypeScript twins of the Python and Java test stacks (bindings/python/sidecar_stacks.py,
// bindings/java/src/main/java/io/asserts/examples/*Stack.java), built from the compiled library in lib/.
// The binding tests synthesize these too and require the same templates: a binding that drops or
// renames a property, or a package that ships a different runtime folder, shows up as a difference.
//
// Usage: node bindings/parity/typescript-stacks.js <outdir>   (after `npx projen compile`)
'use strict';
const path = require('path');
const { App, Duration, Stack, aws_ecs: ecs, aws_secretsmanager: secretsmanager } = require('aws-cdk-lib');
const { AssertsSidecar } = require(path.join(__dirname, '..', '..', 'lib'));

function passiveFargateStack(scope, id) {
  const stack = new Stack(scope, id);
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task', {
    cpu: 512,
    memoryLimitMiB: 1024,
    runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
  });
  taskDefinition.addContainer('web', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    portMappings: [{ containerPort: 80 }],
  });
  new AssertsSidecar(taskDefinition, 'Metrics');
}

function activeEc2Stack(scope, id) {
  const stack = new Stack(scope, id);
  const taskDefinition = new ecs.Ec2TaskDefinition(stack, 'Task', { networkMode: ecs.NetworkMode.BRIDGE });
  taskDefinition.addContainer('api', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/httpd:2.4'),
    memoryLimitMiB: 256,
    portMappings: [{ containerPort: 8080 }],
    dockerLabels: { PROMETHEUS_EXPORTER_PATH: '/metrics', PROMETHEUS_EXPORTER_PORT: '8080' },
  });
  const remoteWritePassword = secretsmanager.Secret.fromSecretNameV2(stack, 'RemoteWritePassword', 'asserts/remote-write-password');
  new AssertsSidecar(taskDefinition, 'Metrics', {
    remoteWrite: {
      url: 'https://prometheus.example.com/api/v1/write',
      username: 'team-payments',
      password: ecs.Secret.fromSecretsManager(remoteWritePassword),
    },
    collectInterval: Duration.seconds(30),
  });
}

const outdir = process.argv[2];
if (!outdir) {
  process.stderr.write('usage: node bindings/parity/typescript-stacks.js <outdir>\n');
  process.exit(2);
}
const app = new App({ outdir });
passiveFargateStack(app, 'PassiveFargateArm64');
activeEc2Stack(app, 'ActiveEc2');
app.synth();
