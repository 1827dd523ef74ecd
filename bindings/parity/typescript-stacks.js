// The TypeScript twins of the Python and Java test stacks (bindings/python/sidecar_stacks.py,
// bindings/python/aspect_stacks.py, bindings/java/src/main/java/io/asserts/examples/*Stack.java), built from the compiled library in lib/.
// The binding tests synthesize these too and require the same templates: a binding that drops or
// renames a property, or a package that ships a different runtime folder, shows up as a difference.
//
// Usage: node bindings/parity/typescript-stacks.js <outdir>   (after `npx projen compile`)
'use strict';
const path = require('path');
const { App, AspectPriority, Aspects, Duration, Stack, aws_ecs: ecs, aws_secretsmanager: secretsmanager } = require('aws-cdk-lib');
const { AssertsSidecar, AssertsSidecarAspect } = require(path.join(__dirname, '..', '..', 'lib'));

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

function aspectAppStack(scope, id) {
  const stack = new Stack(scope, id);
  const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable');
  new ecs.FargateTaskDefinition(stack, 'FargateTask').addContainer('web', { image });
  new ecs.Ec2TaskDefinition(stack, 'BridgeTask', { networkMode: ecs.NetworkMode.BRIDGE })
    .addContainer('web', { image, memoryReservationMiB: 128 });
  const instrumented = new ecs.FargateTaskDefinition(stack, 'InstrumentedTask');
  instrumented.addContainer('web', { image });
  new AssertsSidecar(instrumented, 'Metrics', { containerName: 'hand-made-exporter', port: 9000 });
  new ecs.FargateTaskDefinition(stack, 'WindowsTask', {
    cpu: 1024,
    memoryLimitMiB: 2048,
    runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.WINDOWS_SERVER_2022_CORE },
  }).addContainer('web', { image: ecs.ContainerImage.fromRegistry('mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022') });
  Aspects.of(stack).add(new AssertsSidecarAspect({
    remoteWrite: { url: 'https://prometheus.example.com/api/v1/write' },
    exporterMetrics: false,
    restartAttemptPeriod: Duration.minutes(2),
  }), { priority: AspectPriority.MUTATING });
}

const outdir = process.argv[2];
if (!outdir) {
  process.stderr.write('usage: node bindings/parity/typescript-stacks.js <outdir>\n');
  process.exit(2);
}
const app = new App({ outdir });
passiveFargateStack(app, 'PassiveFargateArm64');
activeEc2Stack(app, 'ActiveEc2');
aspectAppStack(app, 'AspectApp');
app.synth();
