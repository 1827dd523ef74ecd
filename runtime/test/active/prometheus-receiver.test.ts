/**
 * Remote write into a real Prometheus 2.42 (`--web.enable-remote-write-receiver`, basic auth), read
 * back through its query API, including an outage: Prometheus is stopped while samples keep coming,
 * started again, and every sample produced meanwhile must then be queryable.
 */
import { CapturingLogger } from './helpers';
import { PrometheusServer } from './prometheus-server';
import { systemClock } from '../../src/active/ports';
import { SampleQueue } from '../../src/active/remote-write/queue';
import { seriesLabels } from '../../src/active/remote-write/series';
import { RemoteWriteStats } from '../../src/active/remote-write/stats';
import { HttpTransport } from '../../src/active/remote-write/transport';
import { RemoteWriter } from '../../src/active/remote-write/writer';

const USER = 'tenant-a';
const PASSWORD = 'pr0m-s3cret-pa55';

function pipeline(url: string, password = PASSWORD) {
  const queue = new SampleQueue(100_000);
  const stats = new RemoteWriteStats(() => queue.length, queue.capacity);
  const logger = new CapturingLogger();
  const transport = new HttpTransport({ url, userAgent: 'asserts-ecs-exporter/test', basicAuth: { username: USER, password } });
  const writer = new RemoteWriter({
    queue,
    transport,
    stats,
    logger,
    clock: systemClock,
    flushIntervalMs: 200,
    backoff: { minMs: 50, maxMs: 500, maxRetryAfterMs: 5000 },
  });
  return { queue, stats, logger, writer };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a real Prometheus 2.42 as remote-write receiver', () => {
  const prometheus = new PrometheusServer(USER, PASSWORD);
  beforeAll(() => prometheus.start());
  afterAll(() => prometheus.dispose());

  test('series arrive with their names, labels and values; a staleness marker ends a series', async () => {
    const { queue, writer, stats } = pipeline(prometheus.writeUrl);
    const now = Date.now() - 60_000;
    const labels = { container: 'app', cluster: 'prod', task_id: 'abc123', tenant: USER, empty: '' };
    const cpu = seriesLabels('container_cpu_usage_seconds_total', labels);
    const mem = seriesLabels('container_memory_working_set_bytes', labels);
    for (let i = 0; i < 4; i++) {
      queue.push(cpu, { value: 10 + i * 0.5, timestampMs: now + i * 15_000 });
      queue.push(mem, { value: 1_048_576 * (i + 1), timestampMs: now + i * 15_000 });
    }
    queue.push(mem, { value: NaN, timestampMs: now + 50_000, stale: true });
    writer.start();
    expect(await writer.stop(10_000)).toBe(0);
    expect(stats.samplesSent).toBe(9);

    const at = now + 55_000;
    const cpuNow = await prometheus.query('container_cpu_usage_seconds_total{task_id="abc123"}', at);
    expect(cpuNow).toHaveLength(1);
    expect(cpuNow[0].metric).toEqual({ __name__: 'container_cpu_usage_seconds_total', container: 'app', cluster: 'prod', task_id: 'abc123', tenant: USER });
    expect(cpuNow[0].value![1]).toBe('11.5');
    const raw = await prometheus.rawSamples('container_cpu_usage_seconds_total{task_id="abc123"}', at);
    expect([...raw.values()][0].map((s) => [s.timestampMs, s.value])).toEqual([[now, '10'], [now + 15_000, '10.5'], [now + 30_000, '11'], [now + 45_000, '11.5']]);
    // The memory series was marked stale at now+50s: an instant query after that finds nothing,
    // while one before it still sees the last value.
    expect(await prometheus.query('container_memory_working_set_bytes{task_id="abc123"}', at)).toHaveLength(0);
    expect((await prometheus.query('container_memory_working_set_bytes{task_id="abc123"}', now + 46_000))[0].value![1]).toBe(String(4 * 1_048_576));
  });

  test('a wrong password is answered 401, which is counted and not retried', async () => {
    const { queue, writer, stats, logger } = pipeline(prometheus.writeUrl, 'wrong-password');
    queue.push(seriesLabels('m_unauthorised', {}), { value: 1, timestampMs: Date.now() });
    await writer.drain();
    await writer.stop(1000);
    expect(stats.samplesFailed).toBe(1);
    expect(stats.requestsRetried).toBe(0);
    expect(logger.atLevel('error')[0].fields).toMatchObject({ status: 401 });
    expect(logger.text()).not.toContain('wrong-password');
  });

  test('an outage loses nothing: samples produced while Prometheus is down are all queryable after it returns', async () => {
    const { queue, writer, stats, logger } = pipeline(prometheus.writeUrl);
    const labels = seriesLabels('outage_probe_total', { container: 'app' });
    const produced: number[] = [];
    let value = 0;
    let producing = true;
    writer.start();
    const producer = (async () => {
      while (producing) {
        const ts = Date.now();
        if (queue.push(labels, { value: ++value, timestampMs: ts }) === 'queued') produced.push(ts);
        await sleep(50);
      }
    })();
    await sleep(1000);
    await prometheus.stop();
    const duringOutageFrom = produced.length;
    await sleep(3000);
    const duringOutage = produced.length - duringOutageFrom;
    expect(queue.length).toBeGreaterThanOrEqual(duringOutage - 5);
    await prometheus.start();
    await sleep(1000);
    producing = false;
    await producer;
    expect(await writer.stop(15_000)).toBe(0);

    expect(duringOutage).toBeGreaterThan(40);
    expect(stats.samplesSent).toBe(produced.length);
    expect(stats.requestsRetried).toBeGreaterThan(0);
    expect(logger.atLevel('warn')).toHaveLength(1);
    const raw = await prometheus.rawSamples('outage_probe_total', Date.now() + 1000, 600);
    const received = [...raw.values()][0];
    expect(received.map((s) => s.timestampMs)).toEqual(produced);
    expect(received.map((s) => Number(s.value))).toEqual(produced.map((_, i) => i + 1));
  });
});
