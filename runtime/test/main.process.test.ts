/**
 * The entry points as real Node processes (bundled with esbuild, so no prior compile is needed):
 * one-line config errors with exit code 1, serving, SIGTERM shutdown with exit code 0, the
 * container health-check program, and which of Node's built-in modules the exporter loads.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledEntry, freePort } from './helpers';
import { startSimulatedTask, type SimulatedTask } from '../src/simulator';

const MAIN = bundledEntry('main');
const HEALTHCHECK = bundledEntry('healthcheck');

function runMain(env: Record<string, string>) {
  return spawnSync(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 20_000 });
}

describe('bad configuration stops the process at start', () => {
  test.each([
    [{ ECS_CONTAINER_METADATA_URI_V4: 'http://127.0.0.1:1', httpListenPort: '70000' }, 'httpListenPort must be an integer between 1 and 65535, got "70000"'],
    [{}, 'ECS_CONTAINER_METADATA_URI_V4 is not set'],
    [{ ECS_CONTAINER_METADATA_URI_V4: 'http://127.0.0.1:1', remoteWrite_url: 'https://x/api/v1/write', remoteWrite_basicAuth_password: 'hunter2' }, 'remoteWrite_basicAuth_password requires remoteWrite_basicAuth_username'],
    [{ ECS_CONTAINER_METADATA_URI_V4: 'http://127.0.0.1:1', SKIP_TLS_VERIFY: 'yes', remoteWrite_url: 'https://x/w' }, 'SKIP_TLS_VERIFY must be true or false, got "yes"'],
  ])('%j', (env, expected) => {
    const result = runMain(env as Record<string, string>);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(expected);
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stdout).toBe('');
  });
});

describe('running process', () => {
  let task: SimulatedTask;
  let child: ChildProcess;
  let port: number;
  let stdout = '';
  // A preloaded probe writes the built-in modules the process loaded to a file when it exits.
  const probeDir = mkdtempSync(join(tmpdir(), 'exporter-modules-'));
  const probe = join(probeDir, 'probe.js');
  const builtinsFile = join(probeDir, 'builtins.txt');
  writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(builtinsFile)},
    process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join('\\n')));\n`);

  beforeAll(async () => {
    task = await startSimulatedTask({ shape: 'ec2-bridge-v2', containers: 2 });
    port = await freePort();
    child = spawn(process.execPath, ['-r', probe, MAIN], {
      env: { PATH: process.env.PATH ?? '', ECS_CONTAINER_METADATA_URI_V4: task.metadataUri, httpListenPort: String(port), collectInterval: '500ms', httpAuth_username: 'u', httpAuth_password: 'never-logged' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stdout += d));
    await waitForHealth(port);
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await task.stop();
    rmSync(probeDir, { recursive: true, force: true });
  });

  test('the health-check program exits 0 while the exporter serves', () => {
    const result = spawnSync(process.execPath, [HEALTHCHECK], { env: { httpListenPort: String(port) }, timeout: 10_000 });
    expect(result.status).toBe(0);
  });

  test('metrics are served with basic auth and logs are JSON lines without the password', async () => {
    const auth = 'Basic ' + Buffer.from('u:never-logged').toString('base64');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const res = await fetch(`http://127.0.0.1:${port}/container-stats/actuator/prometheus`, { headers: { Authorization: auth } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('container_network_receive_bytes_total{container="app-1"');
    const records = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(records[0]).toMatchObject({ level: 'info', msg: 'exporter started', port, basicAuth: true });
    expect(stdout).not.toContain('never-logged');
  });

  test('SIGTERM shuts down gracefully with exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('"msg":"exporter stopped"');
  });

  test('after collecting and serving, the exporter had not loaded the built-in modules it does without', () => {
    // The image's V8 flags make Node compile each built-in module from source at every start: a few
    // ms each. Time comes from process.hrtime (the global `performance` loads perf_hooks), HTTP is
    // spoken on node:net both ways, the server listens without an address that needs node:dns, and
    // node:v8 is loaded only to turn on the optimizing compiler for a large task (this one is small).
    const builtins = readFileSync(builtinsFile, 'utf8').split('\n');
    expect(builtins).toContain('net');
    for (const unused of ['perf_hooks', 'http', 'https', 'dns', 'worker_threads', 'v8']) expect(builtins).not.toContain(unused);
  });

  test('the health-check program exits 1 when nothing answers', () => {
    const result = spawnSync(process.execPath, [HEALTHCHECK], { env: { httpListenPort: String(port) }, timeout: 10_000 });
    expect(result.status).toBe(1);
  });
});

async function waitForHealth(port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('exporter process did not become healthy');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
