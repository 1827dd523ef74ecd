/**
 * The exporter as a real Node process in Passive mode against a metadata server that serves each
 * minimal repro in turn (a field of the wrong type): it keeps collecting, keeps serving, and says
 * once what it left out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { bundledEntry, exposedValue, freePort, until } from './helpers';
import { METADATA_REPROS, startReproServer, type ReproServer } from './metadata-repros';

const MAIN = bundledEntry('main');
const METRICS_PATH = '/container-stats/actuator/prometheus';

describe('Passive mode survives every minimal metadata repro', () => {
  let server: ReproServer;
  let child: ChildProcess;
  let port: number;
  let output = '';

  beforeAll(async () => {
    server = await startReproServer();
    port = await freePort();
    child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', ECS_CONTAINER_METADATA_URI_V4: server.metadataUri, httpListenPort: String(port), collectInterval: '200ms' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await until(() => `the exporter to serve; output:\n${output}`, async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200);
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await server.stop();
  });

  test.each(METADATA_REPROS.map((r) => [r.name, r] as const))('%s: collected and served, the process still running', async (_name, repro) => {
    server.serve(repro);
    // Two /task requests after the switch: at least one whole collection read this repro.
    await until(() => `two collections of "${repro.name}"; output:\n${output}`, () => server.taskRequests() >= 2);
    const res = await fetch(`http://127.0.0.1:${port}${METRICS_PATH}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(exposedValue(text, 'ecs_exporter_collection_up')).toBe(1);
    if (repro.invalidPath !== 'Containers') expect(text).toContain('container_cpu_usage_seconds_total{container="app"');
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect(child.exitCode).toBeNull();
  });

  test('fields of the wrong type are counted, and the warning is written once', async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}${METRICS_PATH}`)).text();
    expect(exposedValue(text, 'ecs_exporter_series_dropped_total{reason="invalid_value"}')).toBeGreaterThanOrEqual(METADATA_REPROS.length - 1);
    const warnings = output.split('\n').filter((line) => line.includes('"reason":"invalid_value"'));
    expect(warnings).toHaveLength(1);
    expect(child.exitCode).toBeNull();
  });
});
