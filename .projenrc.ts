import { awscdk, javascript, typescript } from 'projen';
import { addEnvironmentContract } from './projenrc/environment-contract-files';

const project = new awscdk.AwsCdkConstructLibrary({
  name: '@asserts/cdk-ecs-sidecar',
  description:
    'AWS CDK construct that adds the Asserts metrics exporter sidecar to any ECS task definition: per-container CPU, memory and network metrics for Prometheus.',
  keywords: ['cdk', 'aws-cdk', 'ecs', 'fargate', 'prometheus', 'remote-write', 'sidecar', 'metrics', 'asserts'],
  author: 'Asserts Sidecar Maintainers',
  authorAddress: 'maintainers@users.noreply.example',
  repositoryUrl: 'https://github.com/asserts/asserts-sidecar.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '22.0.0',
  // CI builds and tests on the major the runtime image ships (runtime/Dockerfile).
  workflowNodeVersion: '24.x',

  cdkVersion: '2.263.0',
  jsiiVersion: '~6.0.0',
  devDeps: ['@types/node@^20'],

  publishToPypi: {
    distName: 'asserts-cdk-ecs-sidecar',
    module: 'asserts_cdk_ecs_sidecar',
  },
  publishToMaven: {
    javaPackage: 'io.asserts.cdk.ecssidecar',
    mavenGroupId: 'io.asserts',
    mavenArtifactId: 'cdk-ecs-sidecar',
  },

  gitignore: ['cdk.out/', '.venv/', 'target/'],
  // Synthesized apps copy runtime/package.json into cdk.out asset folders: keep jest's module map
  // (haste) and test discovery out of them.
  jestOptions: {
    jestConfig: {
      modulePathIgnorePatterns: ['<rootDir>/examples/cdk.out/', '<rootDir>/cdk.out/'],
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/'],
    },
  },
});

/**
 * The exporter runtime: a separate Node.js program that runs as the sidecar container.
 * It has its own package.json and lockfile because the image installs only its dependencies.
 */
const runtime = new typescript.TypeScriptProject({
  parent: project,
  outdir: 'runtime',
  name: 'asserts-ecs-exporter',
  description: 'Exporter that turns ECS task metadata stats into Prometheus metrics (scrape or remote write).',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '22.0.0',
  license: 'Apache-2.0',
  sampleCode: false,
  release: false,
  github: false,
  typescriptVersion: '~5.6.0',
  deps: [
    'prom-client@^15',
    'snappyjs@^0.7',
    '@aws-sdk/client-ecs@^3',
    '@aws-sdk/client-ec2@^3',
    '@aws-sdk/credential-providers@^3',
    '@smithy/signature-v4@^5',
    '@smithy/protocol-http@^5',
    '@aws-crypto/sha256-js@^5',
  ],
  // bcryptjs: the Active-mode tests hash the basic-auth password for Prometheus' --web.config.file.
  // undici, protobufjs: tests and the benchmark only (an independent WriteRequest decoder, HTTP
  // clients); the runtime uses node:http and its own encoder, each about 28 and 8 MiB less RSS.
  devDeps: ['@types/node@^20', 'fast-check@^3', 'esbuild@^0.24', 'bcryptjs@^3', 'undici@^6', 'protobufjs@^7'],
  tsconfig: {
    compilerOptions: {
      rootDir: 'src',
      outDir: 'lib',
      lib: ['es2022'],
      target: 'ES2022',
      // Source maps in their own files, not inline: V8 keeps every script's whole text for the life of
      // the process, and the inline maps (with the sources) were two thirds of the runtime's compiled text,
      // read and scanned at every start (runtime/bench/FINDINGS.md). `node --enable-source-maps`
      // still finds them.
      inlineSourceMap: false,
      sourceMap: true,
    },
    include: ['src/**/*.ts'],
  },
  jestOptions: {
    jestConfig: {
      testTimeout: 60_000,
      // No coverage collection by default: V8's precise coverage made the runtime suite about three
      // times slower (116 s against 350 s, two workers) and nothing reads the report. `npx jest
      // --coverage` in runtime/ still writes it.
      collectCoverage: false,
    },
  },
});
// The environment contract (variables, defaults, rules, parsers) is defined once in
// projenrc/environment-contract.ts and copied into both programs, which cannot import across folders.
addEnvironmentContract(project, runtime);

// Benchmark results: latest.{json,md} are committed (docs/benchmark.md shows that table); smoke runs and
// profiles are scratch.
runtime.gitignore.exclude('/bench/results/smoke.*', '/bench/results/profiles/');
// The runtime is never published on its own: it ships as the `runtime/` folder of the construct's
// package, and the sidecar image is built from that folder. So its package keeps what the Dockerfile
// copies (sources, tsconfig.json, lockfile) and drops the compiled output, tests and benchmark.
runtime.npmignore?.removePatterns('/src/', '/tsconfig.json', '!/lib/', '!/lib/**/*.js', '!/lib/**/*.d.ts');
runtime.addPackageIgnore('/lib/');
runtime.addPackageIgnore('/bench/');

// The runtime benchmark (runtime/bench): starts the built exporter as its own process against the
// simulated task and measures CPU, RSS, scrape latency, remote-write throughput and shipped size.
const benchTask = runtime.addTask('bench', {
  description: 'Benchmark the built exporter on Node 24 (1/10/50/200 containers, Passive and Active); writes bench/results/latest.* and the table in docs/benchmark.md',
  receiveArgs: true,
});
benchTask.spawn(runtime.compileTask);
benchTask.exec('node bench/run.mjs --update-docs', { receiveArgs: true });
const benchSmokeTask = runtime.addTask('bench:smoke', {
  description: 'Short benchmark run that proves the benchmark works (fails if it breaks, never on budgets)',
});
benchSmokeTask.spawn(runtime.compileTask);
// A glob, not a directory: Node 22+ reads --test arguments as glob patterns only.
benchSmokeTask.exec('node --test "bench/test/*.test.mjs"');
benchSmokeTask.exec('node bench/run.mjs --smoke');

// Passive-mode runtime tasks: `start` runs the built exporter exactly as the image does (configured
// through the environment); `demo` compiles, then starts a simulated ECS task and the exporter
// against it and prints the URL to curl (no AWS needed).
runtime.addTask('start', {
  description: 'Run the built exporter (node lib/main.js); configure it through the environment (see README)',
}).exec('node lib/main.js');
const demoTask = runtime.addTask('demo', {
  description: 'Start a simulated ECS task and the exporter against it; prints the metrics URL (DEMO_SHAPE, DEMO_CONTAINERS, DEMO_CPU_CORES)',
});
demoTask.spawn(runtime.compileTask);
demoTask.exec('node lib/simulator/demo.js');

// `npx projen demo` at the root: installs the runtime's dependencies when they are missing, then runs
// the runtime's demo (compile, simulated task, exporter).
const rootDemo = project.addTask('demo', {
  description: 'Start a simulated ECS task and the exporter against it (installs runtime/node_modules when missing); prints the metrics URL and sample series',
  cwd: 'runtime',
});
rootDemo.exec('test -d node_modules || npm ci --no-audit --no-fund');
rootDemo.exec('npx projen demo');

const testRuntime = project.addTask('test:runtime', {
  description: 'Build the exporter runtime and run its unit and integration tests (needs prometheus and moto on PATH)',
  cwd: 'runtime',
});
testRuntime.exec('npx projen compile');
testRuntime.exec('npx projen test');

// The one command that runs every test; `.ci/run` installs the prerequisites and then runs exactly this.
const testAll = project.addTask('test:all', {
  description: 'Every test: construct (jsii build, API.md, jest), runtime, language bindings, template lint, benchmark smoke run',
});
testAll.spawn(project.buildTask);
testAll.spawn(testRuntime);
const benchSmoke = project.addTask('bench:smoke', {
  description: 'Short run of the runtime benchmark (proves it works; budgets are reported, not enforced)',
  cwd: 'runtime',
});
benchSmoke.exec('npx projen bench:smoke');
testAll.spawn(benchSmoke);

// The example CDK app (examples/app.ts), synthesized from the TypeScript sources with ts-node: no AWS
// account, no CDK CLI, no Docker (the sidecar image is an asset built at deploy time). Templates land
// in examples/cdk.out/<StackName>.template.json, where the template lint reads them.
const exampleTask = project.addTask('example', {
  description: 'Synthesize the example CDK app (Fargate ARM64 Active, Fargate Passive, EC2 bridge) into examples/cdk.out/',
});
exampleTask.exec('ts-node --project examples/tsconfig.json examples/app.ts');
project.eslint?.addLintPattern('examples');
project.eslint?.addIgnorePattern('/examples/cdk.out/');

// The runtime is built into the sidecar image at deploy time, so its sources ship in the
// package (and therefore in the Python wheel and Java jar); its dependencies and tests do not.
for (const pattern of [
  '/runtime/node_modules/',
  '/runtime/lib/',
  '/runtime/test/',
  '/runtime/coverage/',
  '/runtime/test-reports/',
  '/runtime/bench/',
  '/examples/',
  '/bindings/',
  '/.ci/',
]) {
  project.addPackageIgnore(pattern);
}

// Language bindings and template lint. Under CI=true `build` packages js only, so each
// binding test builds its own package with jsii-pacmak first (after `build` compiled the .jsii).
function packagingTask(name: string) {
  const task = project.tasks.tryFind(name);
  if (!task) throw new Error(`projen task ${name} is missing: the jsii targets (publishToPypi, publishToMaven) define it`);
  return task;
}
const testPython = project.addTask('test:python', {
  description: 'Build the Python wheel (dist/python) and run the Python CDK app tests against it in a fresh venv (bindings/python)',
});
testPython.spawn(packagingTask('package:python'));
testPython.exec('bash bindings/python/run-tests.sh');
const testJava = project.addTask('test:java', {
  description: 'Build the Java jar (dist/java) and run the Java CDK app tests against it with Maven and JUnit (bindings/java)',
});
testJava.spawn(packagingTask('package:java'));
testJava.exec('bash bindings/java/run-tests.sh');
const lintTemplates = project.addTask('lint:templates', {
  description: 'Synthesize the example app and run cfn-lint over every template in examples/cdk.out',
});
lintTemplates.spawn(exampleTask);
lintTemplates.exec('ls examples/cdk.out/*.template.json && cfn-lint -- examples/cdk.out/*.template.json');
testAll.spawn(testPython);
testAll.spawn(testJava);
testAll.spawn(lintTemplates);
// The README's commands, run in a fresh clone as a new user would (example, demo, npm tarball in a new app).
const testReadme = project.addTask('test:readme-commands', {
  description: 'Run the README quick start, demo and "use it before it is published" (npm) commands in a fresh clone of HEAD',
});
testReadme.exec('bash .ci/readme-commands.sh');
testAll.spawn(testReadme);
// cdk-nag's AwsSolutions rules run over the example stacks in test/cdk-nag.test.ts.
project.addDevDeps('cdk-nag@^2.38.2');

project.synth();
