/**
 * The exporter process never loads the AWS SDK: the program is bundled with its npm packages left
 * external, so every package it loads shows in `require.cache`, which a preloaded probe prints at exit.
 * Passive mode makes no AWS call; Active mode makes its calls in the enrichment child process (built
 * next to main.js, where the bundle looks for it), which the probe does not see: the child's one
 * warning (the stand-in answers AccessDenied) shows the calls were made, through the SDK, over there.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { awsErrorServer, buildEnrichmentWorker } from './helpers';
import { freePort } from '../helpers';
import { StrictReceiver } from './strict-receiver';
import { startSimulatedTask } from '../../src/simulator';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazy-load-'));
const entry = path.join(dir, 'main.js');
const probe = path.join(dir, 'probe.js');

beforeAll(() => {
  // dynamic-import unsupported: esbuild turns `import()` into `require()`, as tsc's CommonJS output (lib/) does.
  buildSync({
    entryPoints: [path.join(__dirname, '..', '..', 'src', 'main.ts')],
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    supported: { 'dynamic-import': false },
    outfile: entry,
    logLevel: 'silent',
  });
  buildEnrichmentWorker(path.join(dir, 'aws-enrichment-worker.js'), { external: true });
  fs.writeFileSync(probe, `process.on('exit', () => {
    const loaded = Object.keys(require.cache).filter((p) => p.includes('/node_modules/@aws-sdk/'));
    require('node:fs').writeSync(1, 'AWS_SDK_MODULES_LOADED=' + loaded.length + '\\n');
  });\n`);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function runUntilHealthy(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', probe, entry], {
    env: { PATH: process.env.PATH, NODE_PATH: path.join(__dirname, '..', '..', 'node_modules'), httpListenPort: String(port), collectInterval: '200ms', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 20_000;
    // Wait for a couple of collections (Active mode makes its AWS calls on the first one).
    while (!/"collection done"[\s\S]*"collection done"/.test(output)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`exporter did not collect:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    await exited;
    return output;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

test('neither Passive nor Active mode loads an AWS SDK module in the exporter process', async () => {
  const sim = await startSimulatedTask({ containers: 1 });
  const aws = await awsErrorServer('AccessDeniedException', 400);
  const receiver = new StrictReceiver();
  await receiver.start();
  try {
    const passive = await runUntilHealthy({ ECS_CONTAINER_METADATA_URI_V4: sim.metadataUri, logLevel: 'debug' });
    expect(passive).toContain('AWS_SDK_MODULES_LOADED=0');
    const active = await runUntilHealthy({
      ECS_CONTAINER_METADATA_URI_V4: sim.metadataUri,
      logLevel: 'debug',
      remoteWrite_url: receiver.url,
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_ACCESS_KEY_ID: 'a',
      AWS_SECRET_ACCESS_KEY: 'b',
    });
    expect(active).toContain('AWS_SDK_MODULES_LOADED=0');
    const enrichmentWarnings = active.split('\n').filter((l) => l.includes('"aws enrichment'));
    expect(enrichmentWarnings).toHaveLength(1);
    expect(JSON.parse(enrichmentWarnings[0])).toMatchObject({ level: 'warn', failedCalls: ['ecs:DescribeTasks (AccessDeniedException)'] });
    expect(aws.requests()).toBe(1);
  } finally {
    await Promise.all([sim.stop(), aws.close(), receiver.stop()]);
  }
});
