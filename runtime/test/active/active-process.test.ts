/**
 * The real program (`main`, bundled with esbuild) in Active mode against a real Prometheus 2.42:
 * with a flush interval of an hour every sample stays queued, so everything Prometheus holds after
 * SIGTERM was delivered by the shutdown flush. The captured stdout/stderr must not contain the password.
 * The AWS calls run in the enrichment child process, bundled next to main.js as the build ships it.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { startSimulatedTask } from '../../src/simulator';
import { bundledEntry, exposedValue, freePort, until } from '../helpers';
import { awsErrorServer, buildEnrichmentWorker } from './helpers';
import { PrometheusServer } from './prometheus-server';

const USER = 'tenant-proc';
const PASSWORD = 'Pr0cess-Secret-Passw0rd';

test('SIGTERM delivers every buffered sample to Prometheus before exit, and logs no secret', async () => {
  const prometheus = new PrometheusServer(USER, PASSWORD);
  await prometheus.start();
  const sim = await startSimulatedTask({ shape: 'fargate-v1', containers: 2 });
  const aws = await awsErrorServer('AccessDeniedException', 400);
  const port = await freePort();
  const metricsUrl = `http://127.0.0.1:${port}/container-stats/actuator/prometheus`;
  const main = bundledEntry('main');
  buildEnrichmentWorker(path.join(path.dirname(main), 'aws-enrichment-worker.js'), { external: false });
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH,
      ECS_CONTAINER_METADATA_URI_V4: sim.metadataUri,
      httpListenPort: String(port),
      collectInterval: '500ms',
      logLevel: 'debug',
      remoteWrite_url: prometheus.writeUrl,
      remoteWrite_basicAuth_username: USER,
      remoteWrite_basicAuth_password: PASSWORD,
      remoteWrite_flushInterval: '1h',
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_ACCESS_KEY_ID: 'AKIDPROCESSTEST',
      AWS_SECRET_ACCESS_KEY: 'process-test-secret-key',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    let exposition = '';
    await until('4 collections queued', async () => {
      exposition = await (await fetch(metricsUrl)).text();
      return (exposedValue(exposition, 'ecs_exporter_collections_total{outcome="success"}') ?? 0) >= 4;
    }, 30_000, 200);
    expect(exposedValue(exposition, 'ecs_exporter_remote_write_queue_samples')).toBeGreaterThan(100);
    expect(exposedValue(exposition, 'ecs_exporter_remote_write_samples_sent_total')).toBe(0);
    expect(await prometheus.query('count({__name__=~".+"})')).toEqual([]);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const stopped = output.split('\n').filter((l) => l.includes('"remote write stopped"')).map((l) => JSON.parse(l));
    expect(stopped).toHaveLength(1);
    expect(stopped[0].samplesLost).toBe(0);
    const now = Date.now();
    const cpu = await prometheus.rawSamples('container_cpu_usage_seconds_total{container="app-0"}', now, 600);
    expect(cpu.size).toBe(1);
    const [labels] = [...cpu.keys()].map((k) => JSON.parse(k));
    expect(labels).toMatchObject({ tenant: USER, namespace: 'AWS/ECS', cluster: 'sim-cluster', region: 'us-west-2', account_id: '111122223333' });
    expect([...cpu.values()][0].length).toBeGreaterThanOrEqual(4);
    // Everything sent is in the TSDB: the sum of samples per series, plus the staleness markers (sent,
    // but not returned by a range query), equals what the sender counted. Every series ends with
    // exactly one marker: the handle types that existed only while the enrichment child ran
    // (ChildProcess, Pipe, ProcessWrap) when they vanished, every other series at the shutdown.
    const all = await prometheus.rawSamples('{__name__=~".+"}', now, 600);
    const stored = [...all.values()].reduce((n, samples) => n + samples.length, 0);
    expect(stored + all.size).toBe(stopped[0].samplesSent);

    // The child made the call (AccessDenied) and its one warning went out through the parent's log.
    const enrichment = output.split('\n').filter((l) => l.includes('"aws enrichment'));
    expect(enrichment).toHaveLength(1);
    expect(JSON.parse(enrichment[0]).failedCalls).toEqual(['ecs:DescribeTasks (AccessDeniedException)']);
    expect(aws.requests()).toBe(1);
    expect(output).toContain('"level":"info"');
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
    expect(output).not.toContain('process-test-secret-key');
    expect(exposition).not.toContain(PASSWORD);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all([sim.stop(), aws.close(), prometheus.dispose()]);
  }
});
