/**
 * Active mode in-process, end to end: a simulated Fargate task (behind a small proxy that adds the
 * sidecar and a labelled application container to `/task`), the real collector and server, AWS calls
 * answered AccessDenied, and the strict receiver with basic auth. Checks what arrives, with which
 * labels, and that the password appears in no log line, no exposition and no label.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { appTarget, awsErrorServer, enrichmentWorker } from './helpers';
import { STALE_NAN_BITS, StrictReceiver } from './strict-receiver';
import { startActiveMode } from '../../src/active';
import { startExporter } from '../../src/exporter';
import { createLogger, silentLogger } from '../../src/logger';
import { startSimulatedTask, type SimulatedTask } from '../../src/simulator';
import { testConfig, until } from '../helpers';

const PASSWORD = 'Sup3r-S3cret-RW-pass';
const USER = 'tenant-42';

/** Serves the simulator's answers, with the sidecar and a scrapeable `app-1` added to `/task`. */
async function metadataProxy(sim: SimulatedTask, sidecarPort: () => number, appPort: number, metricsPath: string) {
  const sidecar = {
    Name: 'asserts-sidecar',
    DockerId: 'sidecar-docker-id',
    KnownStatus: 'RUNNING',
    Labels: { PROMETHEUS_EXPORTER_PORT: '', PROMETHEUS_EXPORTER_PATH: metricsPath },
    Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.2.106'] }],
  };
  const server = http.createServer(async (req, res) => {
    const upstream = await fetch(sim.metadataUri + req.url);
    let body = await upstream.text();
    if (req.url === '/task') {
      const task = JSON.parse(body) as { Containers: Array<{ Name?: string; Labels?: Record<string, string> }> };
      const app1 = task.Containers.find((c) => c.Name === 'app-1')!;
      app1.Labels = { ...app1.Labels, PROMETHEUS_EXPORTER_PORT: String(appPort), PROMETHEUS_EXPORTER_PATH: '/metrics' };
      task.Containers.push({ ...sidecar, Labels: { ...sidecar.Labels, PROMETHEUS_EXPORTER_PORT: String(sidecarPort()) } });
      body = JSON.stringify(task);
    } else if (req.url === '/') {
      body = JSON.stringify(sidecar);
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

test('sidecar and scraped series reach the receiver with the target labels, and no secret leaks', async () => {
  const sim = await startSimulatedTask({ shape: 'fargate-v1', containers: 2 });
  const app = await appTarget();
  const aws = await awsErrorServer('AccessDeniedException', 400);
  const receiver = new StrictReceiver();
  await receiver.start();
  receiver.requiredAuthorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  let exporterPort = 0;
  const proxy = await metadataProxy(sim, () => exporterPort, app.port, '/container-stats/actuator/prometheus');
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
  const config = testConfig({
    ECS_CONTAINER_METADATA_URI_V4: proxy.uri,
    collectInterval: '300ms',
    scrapeInterval: '300ms',
    remoteWrite_url: receiver.url,
    remoteWrite_basicAuth_username: USER,
    remoteWrite_basicAuth_password: PASSWORD,
    remoteWrite_flushInterval: '100ms',
  });
  const exporter = await startExporter(config, { host: '127.0.0.1', logger, defaultMetrics: false });
  exporterPort = exporter.port;
  try {
    const active = await startActiveMode(exporter, { awsEndpoint: aws.endpoint, awsWorkerPath: enrichmentWorker(), awsCredentials: async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-real-secret-key' }) });
    const cpuApp0 = () => [...receiver.series.keys()].filter((k) => k.includes('"container_cpu_usage_seconds_total"') && k.includes('"app-0"'));
    const scraped = () => [...receiver.series.keys()].filter((k) => k.includes('"orders_processed_total"'));
    await until('own and scraped series', () => cpuApp0().length === 1 && (receiver.series.get(cpuApp0()[0])?.length ?? 0) >= 3 && scraped().length === 1);
    const exposition = await exporter.exposition();
    await exporter.stop();
    expect(active.queue.length).toBe(0);

    const labelsOf = (key: string) => Object.fromEntries(JSON.parse(key) as Array<[string, string]>);
    const taskId = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
    const common = {
      cluster: 'sim-cluster',
      workload: 'sim',
      service: 'sim',
      ecs_taskdef_name: 'sim',
      ecs_taskdef_version: '1',
      task_id: taskId,
      pod: `sim-${taskId}`,
      availability_zone: 'us-west-2a',
      namespace: 'AWS/ECS',
      region: 'us-west-2',
      account_id: '111122223333',
      tenant: USER,
    };
    // The sidecar's own series: the sample's `container` wins over the sidecar's target label (honor_labels).
    expect(labelsOf(cpuApp0()[0])).toMatchObject({ ...common, job: 'asserts-sidecar', container: 'app-0' });
    expect(labelsOf(scraped()[0])).toEqual({
      __name__: 'orders_processed_total', queue: 'eu', ...common, job: 'app-1', container: 'app-1', instance: `10.0.2.106:${app.port}`,
    });
    const upKey = [...receiver.series.keys()].find((k) => k.includes('"up"') && k.includes('"app-1"'))!;
    expect(receiver.series.get(upKey)!.filter((s) => s.bits !== STALE_NAN_BITS).every((s) => s.value === 1)).toBe(true);
    // The sidecar stopped, so the task did: every series sent (its own, the scraped ones and the
    // target's up/scrape_*) ends with a staleness marker after its last sample.
    const unended = [...receiver.series.entries()].filter(([, samples]) => {
      const last = samples.at(-1)!;
      return last.bits !== STALE_NAN_BITS || (samples.length > 1 && last.timestampMs <= samples.at(-2)!.timestampMs);
    });
    expect(unended.map(([key]) => key)).toEqual([]);
    expect(receiver.series.size).toBeGreaterThan(20);
    expect(receiver.series.get(upKey)!.at(-1)!.bits).toBe(STALE_NAN_BITS);
    expect(receiver.series.get(scraped()[0])!.at(-1)!.bits).toBe(STALE_NAN_BITS);
    // Self-metrics go out too, and are served on the metrics endpoint.
    expect([...receiver.series.keys()].some((k) => k.includes('"ecs_exporter_remote_write_samples_sent_total"'))).toBe(true);
    expect([...receiver.series.keys()].some((k) => k.includes('"ecs_exporter_collection_up"'))).toBe(true);
    expect(exposition).toMatch(/^ecs_exporter_remote_write_queue_capacity_samples 500000$/m);
    expect(receiver.requests.every((r) => r.status === 204)).toBe(true);
    // AccessDenied: one warning, labels from metadata only.
    expect(lines.filter((l) => l.includes('aws enrichment incomplete'))).toHaveLength(1);
    // Nothing anywhere carries the secrets.
    const everything = lines.join('\n') + exposition + [...receiver.series.keys()].join('\n');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
    expect(everything).not.toContain('not-a-real-secret-key');
    expect(lines.length).toBeGreaterThan(5);
  } finally {
    await exporter.stop();
    await Promise.all([proxy.close(), sim.stop(), app.close(), aws.close(), receiver.stop()]);
  }
});

test('a container that stops gets a staleness marker on each of its resource series', async () => {
  const sim = await startSimulatedTask({ shape: 'fargate-v1', containers: 2, includeStopped: false });
  const aws = await awsErrorServer('AccessDeniedException', 400);
  const receiver = new StrictReceiver();
  await receiver.start();
  let app1Stopped = false;
  // Like ECS once app-1 exits: KnownStatus STOPPED and stats null (Fargate).
  const proxy = http.createServer(async (req, res) => {
    const upstream = await fetch(sim.metadataUri + req.url);
    const body = await upstream.json() as any;
    if (app1Stopped && req.url === '/task') {
      const app1 = body.Containers.find((c: { Name: string }) => c.Name === 'app-1');
      app1.KnownStatus = 'STOPPED';
    }
    if (app1Stopped && req.url === '/task/stats') {
      for (const id of Object.keys(body)) if (id.endsWith('-1000000001')) body[id] = null;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const exporter = await startExporter(testConfig({
    ECS_CONTAINER_METADATA_URI_V4: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    collectInterval: '200ms',
    remoteWrite_url: receiver.url,
    remoteWrite_flushInterval: '100ms',
  }), { host: '127.0.0.1', logger: silentLogger, defaultMetrics: false });
  try {
    await startActiveMode(exporter, { awsEndpoint: aws.endpoint, awsWorkerPath: enrichmentWorker(), awsCredentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }) });
    // Its resource series end; the state series from the metadata (health, exit code) go on, as ECS
    // still lists a stopped container.
    const stateSeries = /ecs_container_(health_status|exit_code)/;
    const app1Series = () => [...receiver.series.entries()].filter(([k]) => k.includes('"container","app-1"') && !stateSeries.test(k));
    await until('app-1 series', () => app1Series().length > 0 && app1Series().every(([, s]) => s.length >= 2));
    const before = app1Series().length;
    app1Stopped = true;
    await until('stale markers for app-1', () => app1Series().every(([, s]) => s[s.length - 1].bits === STALE_NAN_BITS));
    expect(app1Series()).toHaveLength(before);
    expect(before).toBeGreaterThan(5);
    // app-0 keeps going without markers.
    const app0 = [...receiver.series.entries()].filter(([k]) => k.includes('"container","app-0"'));
    expect(app0.length).toBeGreaterThan(5);
    expect(app0.every(([, s]) => s.every((sample) => sample.bits !== STALE_NAN_BITS))).toBe(true);
  } finally {
    await exporter.stop();
    proxy.closeAllConnections();
    await Promise.all([new Promise((r) => proxy.close(r)), sim.stop(), aws.close(), receiver.stop()]);
  }
});
