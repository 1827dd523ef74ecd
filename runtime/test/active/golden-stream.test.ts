/**
 * The decoded remote-write stream of one fixed Active run, compared with a committed golden file, so
 * any change in what the sidecar sends (series, labels, values, timestamps, markers, batching) shows
 * up in review. Time is fixed (the clock moves only when the test says so), the task is the simulator
 * behind a proxy that adds the sidecar and a scrapeable `app-1`, and the AWS enrichment fails at once.
 *
 * The run: start; a second collection; `app-1` stops (its container series and its scrape target
 * end); a metadata outage (collection_up 0); shutdown (every series ends). The writer is drained by
 * the test after each step, so each step is one request.
 *
 * Refresh after an intended change: UPDATE_GOLDEN=1 npx jest test/active/golden-stream.test.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { appTarget } from './helpers';
import { STALE_NAN_BITS, StrictReceiver, type ReceivedSample } from './strict-receiver';
import { startActiveMode } from '../../src/active';
import { startExporter } from '../../src/exporter';
import { silentLogger } from '../../src/logger';
import { startSimulatedTask, type SimulatedTask } from '../../src/simulator';
import { testConfig, until } from '../helpers';

const GOLDEN = join(__dirname, 'golden', 'active-stream.txt');
const START_MS = Date.parse('2026-01-01T00:00:00Z');

/** A clock that moves only when told to; its sleeps and timers wait until aborted (the test drives every step). */
class StoppedClock {
  constructor(public current: number) {}
  now(): number { return this.current; }
  setTimeout(): unknown { return undefined; }
  clearTimeout(): void {}
  sleep(_ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((_resolve, reject) => {
      if (signal?.aborted) reject(new Error('aborted'));
      signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  }
}

interface Proxy { uri: string; stopApp1(): void; close(): Promise<void> }

/** The simulator's task with the sidecar and a labelled `app-1` added; `stopApp1` makes app-1 exit. */
async function metadataProxy(sim: SimulatedTask, sidecarPort: () => number, appPort: number): Promise<Proxy> {
  let app1Stopped = false;
  const sidecar = {
    Name: 'asserts-sidecar',
    DockerId: 'sidecar-docker-id',
    KnownStatus: 'RUNNING',
    Labels: { PROMETHEUS_EXPORTER_PATH: '/container-stats/actuator/prometheus' } as Record<string, string>,
    Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.2.106'] }],
  };
  const server = http.createServer(async (req, res) => {
    const upstream = await fetch(sim.metadataUri + req.url);
    const body = await upstream.json() as any;
    let answer: unknown = body;
    if (upstream.status === 200 && req.url === '/task') {
      const app1 = body.Containers.find((c: { Name: string }) => c.Name === 'app-1');
      app1.Labels = { ...app1.Labels, PROMETHEUS_EXPORTER_PORT: String(appPort), PROMETHEUS_EXPORTER_PATH: '/metrics' };
      if (app1Stopped) app1.KnownStatus = 'STOPPED';
      body.Containers.push({ ...sidecar, Labels: { ...sidecar.Labels, PROMETHEUS_EXPORTER_PORT: String(sidecarPort()) } });
    } else if (upstream.status === 200 && req.url === '/task/stats' && app1Stopped) {
      for (const id of Object.keys(body)) if (id.endsWith('-1000000001')) body[id] = null;
    } else if (upstream.status === 200 && req.url === '/') {
      answer = sidecar;
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stopApp1: () => { app1Stopped = true; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** One line per series: labels, then each sample as value@ms (STALE for a staleness marker). Timings become <timing>. */
function render(requests: ReadonlyArray<ReadonlyMap<string, readonly ReceivedSample[]>>, ports: Record<string, number>): string {
  const lines: string[] = [];
  requests.forEach((series, index) => {
    lines.push(`# request ${index + 1}: ${series.size} series`);
    for (const [key, samples] of series) {
      const pairs = JSON.parse(key) as Array<[string, string]>;
      const name = pairs.find(([n]) => n === '__name__')![1];
      const labels = pairs.filter(([n]) => n !== '__name__').map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(',');
      const timing = /_duration_seconds_(bucket|sum)$/.test(name);
      const values = samples.map((s) => `${s.bits === STALE_NAN_BITS ? 'STALE' : timing ? '<timing>' : String(s.value)}@${s.timestampMs - START_MS}`);
      lines.push(`${name}{${labels}} ${values.join(' ')}`);
    }
  });
  let text = lines.join('\n') + '\n';
  for (const [placeholder, port] of Object.entries(ports)) text = text.split(`:${port}`).join(`:<${placeholder}>`);
  return text;
}

test('a fixed Active run sends the committed remote-write stream', async () => {
  const clock = new StoppedClock(START_MS);
  const sim = await startSimulatedTask({ shape: 'fargate-v1', containers: 2, includeStopped: false, now: () => clock.now() });
  const app = await appTarget('# TYPE queue_depth gauge\nqueue_depth 3\n');
  const receiver = new StrictReceiver();
  await receiver.start();
  let exporterPort = 0;
  const proxy = await metadataProxy(sim, () => exporterPort, app.port);
  const exporter = await startExporter(testConfig({
    ECS_CONTAINER_METADATA_URI_V4: proxy.uri,
    collectInterval: '15s',
    scrapeInterval: '15s',
    remoteWrite_url: receiver.url,
    remoteWrite_basicAuth_username: 'tenant-golden',
    remoteWrite_basicAuth_password: 'golden-password',
    remoteWrite_flushInterval: '1h',
  }), {
    host: '127.0.0.1',
    logger: silentLogger,
    defaultMetrics: false,
    now: () => clock.now(),
    scheduler: clock,
    // Fixed jitter: /task and /task/stats retry in lockstep, so each makes the same number of attempts.
    metadataClient: { random: () => 0.5 },
  });
  exporterPort = exporter.port;
  try {
    await exporter.collector.collectNow();
    // The enrichment child cannot start: metadata-only labels, at once.
    const active = await startActiveMode(exporter, { clock, awsWorkerPath: join(__dirname, 'no-such-worker.js') });
    await until('the first scrape of app-1', () => app.hits() >= 1, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    const step = async (collect: () => Promise<unknown>) => {
      clock.current += 15_000;
      await collect();
      await active.writer.drain();
    };
    await active.writer.drain();
    await step(() => exporter.collector.collectNow());
    proxy.stopApp1();
    await step(() => exporter.collector.collectNow());
    sim.fail({ status: 500 });
    await step(() => exporter.collector.collectNow());
    sim.recover();
    clock.current += 15_000;
    await exporter.stop();

    expect(receiver.requests.map((r) => r.status)).toEqual(receiver.requests.map(() => 204));
    const stream = render(receiver.requests.map((r) => r.series!), { 'app-port': app.port, 'exporter-port': exporter.port });
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, stream);
    if (!existsSync(GOLDEN)) throw new Error(`${GOLDEN} is missing: run with UPDATE_GOLDEN=1 to write it`);
    expect(stream).toBe(readFileSync(GOLDEN, 'utf8'));
  } finally {
    await exporter.stop();
    await Promise.all([proxy.close(), sim.stop(), app.close(), receiver.stop()]);
  }
});
