/**
 * Active mode in-process when parts of its identity are missing or late: the sidecar cannot find its
 * own container, the AWS enrichment fails at start and succeeds on a retry. Also: one collection's own
 * and scraped series travel in the same request.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { StrictReceiver } from './strict-receiver';
import { startActiveMode, type ActiveModeDeps } from '../../src/active';
import { startExporter } from '../../src/exporter';
import { createLogger } from '../../src/logger';
import { startSimulatedTask, type SimulatedTask } from '../../src/simulator';
import { testConfig, until } from '../helpers';

const TASK_LABELS = {
  cluster: 'sim-cluster',
  workload: 'sim',
  service: 'sim',
  task_id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  pod: 'sim-0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  availability_zone: 'us-west-2a',
  namespace: 'AWS/ECS',
  region: 'us-west-2',
  account_id: '111122223333',
  tenant: 'tenant-x',
};

/** The simulator with `/` (the sidecar's own metadata) failing unless `selfName` is given, and app-1 scrapeable on `appPort`. */
async function proxyOf(sim: SimulatedTask, appPort: number, selfName?: string) {
  const server = http.createServer(async (req, res) => {
    if (req.url === '/' && !selfName) {
      res.writeHead(500).end('{}');
      return;
    }
    const upstream = await fetch(sim.metadataUri + req.url);
    const body = await upstream.json() as any;
    if (req.url === '/task') {
      const app1 = body.Containers.find((c: { Name: string }) => c.Name === 'app-1');
      app1.Labels = { ...app1.Labels, PROMETHEUS_EXPORTER_PORT: String(appPort), PROMETHEUS_EXPORTER_PATH: '/metrics' };
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

type Body = (t: { receiver: StrictReceiver; lines: string[]; collect: () => Promise<boolean> }) => Promise<void>;

async function run(deps: ActiveModeDeps, body: Body, selfName?: string) {
  const sim = await startSimulatedTask({ shape: 'fargate-v1', containers: 2, includeStopped: false });
  const app = http.createServer((_req, res) => res.writeHead(200).end('jobs_total{queue="a"} 1\n'));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const proxy = await proxyOf(sim, (app.address() as AddressInfo).port, selfName);
  const receiver = new StrictReceiver();
  await receiver.start();
  const lines: string[] = [];
  const exporter = await startExporter(testConfig({
    ECS_CONTAINER_METADATA_URI_V4: proxy.uri,
    collectInterval: '1h',
    scrapeInterval: '1h',
    remoteWrite_url: receiver.url,
    remoteWrite_basicAuth_username: 'tenant-x',
    remoteWrite_flushInterval: '50ms',
  }), { host: '127.0.0.1', logger: createLogger({ level: 'debug', write: (l) => lines.push(l) }), defaultMetrics: false });
  try {
    await startActiveMode(exporter, deps);
    await body({ receiver, lines, collect: () => exporter.collector.collectNow() });
  } finally {
    await exporter.stop();
    app.closeAllConnections();
    await Promise.all([proxy.close(), sim.stop(), receiver.stop(), new Promise((r) => app.close(r))]);
  }
}

const labelsOf = (key: string): Record<string, string> => Object.fromEntries(JSON.parse(key) as Array<[string, string]>);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'enrichment-stand-in-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const worker = (name: string, source: string) => {
  const file = path.join(dir, `${name}.js`);
  fs.writeFileSync(file, source);
  return file;
};

test('without its own identity the sidecar still attaches every task label, and warns once', async () => {
  const failing = worker('fail', 'process.exit(3);');
  await run({ awsWorkerPath: failing }, async ({ receiver, lines, collect }) => {
    await collect();
    const up = () => [...receiver.series.keys()].filter((k) => k.includes('"ecs_exporter_collection_up"'));
    await until('collection_up', () => up().length === 1, 10_000);
    const labels = labelsOf(up()[0]);
    expect(labels).toMatchObject(TASK_LABELS);
    expect(labels.job).toBeUndefined();
    expect(labels.instance).toBe(`10.0.2.106:${labels.instance.split(':')[1]}`);
    // The scraped container keeps its own job/container.
    const jobs = [...receiver.series.keys()].find((k) => k.includes('"jobs_total"'))!;
    expect(labelsOf(jobs)).toMatchObject({ ...TASK_LABELS, job: 'app-1', container: 'app-1' });
    expect(lines.filter((l) => l.includes('cannot identify the sidecar'))).toHaveLength(1);
  });
});

test('an enrichment that failed at start is retried with backoff, and its labels appear from then on', async () => {
  const counter = path.join(dir, 'attempts');
  const flaky = worker('flaky', `const fs = require('fs');
    const n = (fs.existsSync(${JSON.stringify(counter)}) ? Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) : 0) + 1;
    fs.writeFileSync(${JSON.stringify(counter)}, String(n));
    if (n < 3) process.exit(1);
    process.on('message', () => process.send({ kind: 'result', info: { serviceName: 'checkout', tags: { Team: 'payments' } } }, () => process.exit(0)));`);
  await run({ awsWorkerPath: flaky, enrichmentRetry: { minMs: 100, maxMs: 200, maxRetryAfterMs: 0 } }, async ({ receiver, lines, collect }) => {
    const upKeys = () => [...receiver.series.keys()].filter((k) => k.includes('"ecs_exporter_collection_up"'));
    await until('metadata-only labels', () => upKeys().length === 1, 10_000);
    expect(labelsOf(upKeys()[0]).service).toBe('sim');
    await until('the third attempt', () => fs.existsSync(counter) && fs.readFileSync(counter, 'utf8') === '3', 10_000);
    await until('the enriched labels', async () => {
      await collect();
      return upKeys().some((k) => labelsOf(k).service === 'checkout');
    }, 10_000, 200);
    const enriched = labelsOf(upKeys().find((k) => labelsOf(k).service === 'checkout')!);
    expect(enriched).toMatchObject({ service: 'checkout', workload: 'checkout', tag_team: 'payments', job: 'app-0' });
    expect(lines.filter((l) => l.includes('"level":"warn"') && l.includes('aws enrichment failed'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('aws enrichment succeeded on a retry'))).toHaveLength(1);
  }, 'app-0');
});

test('the first request after a collection holds its own and its scraped series together', async () => {
  await run({ awsWorkerPath: worker('fail2', 'process.exit(3);') }, async ({ receiver }) => {
    await until('a request', () => receiver.requests.length >= 1, 10_000);
    const first = receiver.requests[0].series!;
    const names = new Set([...first.keys()].map((k) => labelsOf(k).__name__));
    for (const name of ['container_cpu_usage_seconds_total', 'ecs_exporter_collection_up', 'jobs_total', 'up', 'scrape_duration_seconds']) {
      expect([...names]).toContain(name);
    }
  }, 'app-0');
});
