/**
 * The built exporter (`main`, bundled) in Active mode against a metadata endpoint that serves, one
 * after the other, each minimal repro of a field of the wrong type that once made Active mode exit.
 * The process must keep running and keep remote-writing to a real Prometheus 2.42 through all of them;
 * an unhandled rejection (which ends a Node 24 process) or its warning in the output fails the test.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { awsErrorServer, buildEnrichmentWorker } from './helpers';
import { PrometheusServer } from './prometheus-server';
import { buildStats, buildTask, type ShapeOptions } from '../../src/simulator';
import { bundledEntry, freePort, until } from '../helpers';

const SHAPE: ShapeOptions = { shape: 'fargate-v1', containers: 2, cpuCores: 0.25, networkBytesPerSecond: 10_000, includeStopped: false };

type Task = Record<string, any>;
/** Each repro changes one field of a valid task. */
const REPROS: ReadonlyArray<[string, (task: Task) => void]> = [
  ['Revision as the number 7', (t) => { t.Revision = 7; }],
  ['AvailabilityZone as an object', (t) => { t.AvailabilityZone = { zone: 'us-west-2a' }; }],
  ['Cluster as a number', (t) => { t.Cluster = 42; }],
  ['Family as an array', (t) => { t.Family = ['sim']; }],
  ['Containers as an object', (t) => { t.Containers = { a: t.Containers[0] }; }],
  ['a null container', (t) => { t.Containers = [null, ...t.Containers]; }],
  ['a numeric PROMETHEUS_EXPORTER_PATH label value', (t) => {
    t.Containers[1].Labels = { ...t.Containers[1].Labels, PROMETHEUS_EXPORTER_PATH: 9100, PROMETHEUS_EXPORTER_PORT: '9100' };
  }],
];

/** Serves the valid task, then the repros in turn, each for `perReproMs` from the first request, then the valid task again. */
async function hostileMetadata(perReproMs: number) {
  let startMs: number | undefined;
  const served: string[] = [];
  const server = http.createServer((req, res) => {
    const nowMs = Date.now();
    startMs ??= nowMs;
    const index = Math.floor((nowMs - startMs) / perReproMs) - 1;
    const task = JSON.parse(JSON.stringify(buildTask(SHAPE, startMs))) as Task;
    const repro = REPROS[index];
    if (repro) {
      repro[1](task);
      if (served.at(-1) !== repro[0]) served.push(repro[0]);
    }
    const url = req.url ?? '/';
    const body = url === '/task' ? task : url === '/task/stats' ? buildStats(SHAPE, nowMs, (nowMs - startMs) / 1000) : task.Containers?.[0] ?? {};
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    /** When the valid task is served again (after the first request). */
    doneAtMs: () => (startMs ?? Infinity) + (REPROS.length + 1) * perReproMs,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

test('Active mode keeps running and remote-writing through every malformed-metadata repro', async () => {
  const prometheus = new PrometheusServer('tenant-hostile', 'hostile-password');
  await prometheus.start();
  const aws = await awsErrorServer('AccessDeniedException', 400);
  const metadata = await hostileMetadata(1_000);
  const port = await freePort();
  const main = bundledEntry('main');
  buildEnrichmentWorker(path.join(path.dirname(main), 'aws-enrichment-worker.js'), { external: false });
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH,
      ECS_CONTAINER_METADATA_URI_V4: metadata.uri,
      httpListenPort: String(port),
      collectInterval: '200ms',
      scrapeInterval: '200ms',
      remoteWrite_url: prometheus.writeUrl,
      remoteWrite_basicAuth_username: 'tenant-hostile',
      remoteWrite_basicAuth_password: 'hostile-password',
      remoteWrite_flushInterval: '200ms',
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_ACCESS_KEY_ID: 'AKIDHOSTILE',
      AWS_SECRET_ACCESS_KEY: 'hostile-secret-key',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  try {
    await until(() => `every repro served while the exporter runs (exit ${child.exitCode}):\n${output.slice(-2000)}`,
      () => child.exitCode !== null || Date.now() > metadata.doneAtMs() + 1_000, 30_000, 100);
    expect(child.exitCode).toBeNull();
    expect(metadata.served).toEqual(REPROS.map(([name]) => name));
    expect(output).not.toMatch(/unhandledRejection|UnhandledPromiseRejection|ERR_UNHANDLED_REJECTION/);
    // Still serving and still writing: samples of a collection after the last repro reach Prometheus.
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const after = metadata.doneAtMs();
    await until('a collection after the repros in Prometheus', async () => {
      const samples = await prometheus.rawSamples('ecs_exporter_collection_up', Date.now(), 120);
      return [...samples.values()].some((list) => list.some((s) => s.timestampMs > after && s.value === '1'));
    }, 15_000, 200);
    expect(child.exitCode).toBeNull();
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all([metadata.close(), aws.close(), prometheus.dispose()]);
  }
});
