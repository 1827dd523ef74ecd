/**
 * The real thing: promtool lints the exposition of every shape, and a real Prometheus 2.42 scrapes
 * the exporter (with basic auth) and computes rate() over the simulated task's counters.
 * Under CI=true a missing prometheus/promtool FAILS this suite instead of skipping it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithPrometheus, PROMETHEUS, PROMTOOL, ServerProcess, startPrometheus, testConfig, until } from './helpers';
import { startExporter, type ExporterHandle } from '../src/exporter';
import { ExpositionPart } from '../src/exposition';
import { silentLogger } from '../src/logger';
import { SIMULATED_SHAPES, startSimulatedTask, type SimulatedTask } from '../src/simulator';


describeWithPrometheus('promtool check metrics', () => {
  test.each(SIMULATED_SHAPES)('the exposition of the %s shape passes the linter', async (shape) => {
    const task = await startSimulatedTask({ shape, containers: 3 });
    const exporter = await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: task.metadataUri }), { host: '127.0.0.1', logger: silentLogger });
    try {
      expect(await exporter.collector.collectNow()).toBe(true);
      const text = await exporter.exposition();
      expect(text).toContain('container_cpu_usage_seconds_total');
      const result = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect({ status: result.status, output: (result.stdout + result.stderr).trim() }).toEqual({ status: 0, output: '' });
    } finally {
      await exporter.stop();
      await task.stop();
    }
  });

  test('the linter does catch a broken exposition (so a pass means something)', () => {
    const result = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: '# TYPE bytes_sent counter\nbytes_sent 1\n', encoding: 'utf8' });
    expect(result.status).not.toBe(0);
  });
});

describeWithPrometheus('a real Prometheus scraping the sidecar', () => {
  const CPU_CORES = 0.4;
  const NETWORK_BYTES_PER_SECOND = 20_000;
  let task: SimulatedTask;
  let exporter: ExporterHandle;
  let bridgeTask: SimulatedTask;
  let bridgeExporter: ExporterHandle;
  let prometheus: ServerProcess | undefined;
  let promUrl: string;
  let dataDir: string;
  // Counts the gzip members served: Prometheus asks for gzip by default (Accept-Encoding: gzip).
  const gzipMembersServed = jest.spyOn(ExpositionPart.prototype, 'gzip', 'get');

  beforeAll(async () => {
    task = await startSimulatedTask({ shape: 'fargate-v1', containers: 2, cpuCores: CPU_CORES, networkBytesPerSecond: NETWORK_BYTES_PER_SECOND });
    exporter = await startExporter(
      testConfig({ ECS_CONTAINER_METADATA_URI_V4: task.metadataUri, collectInterval: '250ms', httpAuth_username: 'prom', httpAuth_password: 'scrape-secret' }),
      { host: '127.0.0.1', logger: silentLogger },
    );
    // An EC2 bridge task beside it: there each container has its own namespace (app-i at (i+1) x rate).
    bridgeTask = await startSimulatedTask({ shape: 'ec2-bridge-v2', containers: 2, cpuCores: CPU_CORES, networkBytesPerSecond: NETWORK_BYTES_PER_SECOND });
    bridgeExporter = await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: bridgeTask.metadataUri, collectInterval: '250ms' }), { host: '127.0.0.1', logger: silentLogger });
    dataDir = mkdtempSync(join(tmpdir(), 'prometheus-it-'));
    const configFile = join(dataDir, 'prometheus.yml');
    writeFileSync(configFile, [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: ecs-sidecar',
      '    honor_labels: true',
      `    metrics_path: ${exporter.config.metricsPath}`,
      '    basic_auth:',
      '      username: prom',
      '      password: scrape-secret',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${exporter.port}']`,
      '  - job_name: ecs-sidecar-bridge',
      '    honor_labels: true',
      `    metrics_path: ${bridgeExporter.config.metricsPath}`,
      '    static_configs:',
      `      - targets: ['127.0.0.1:${bridgeExporter.port}']`,
      '',
    ].join('\n'));
    ({ url: promUrl, process: prometheus } = await startPrometheus(PROMETHEUS!, configFile, dataDir));
  });

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
    await task?.stop();
    await bridgeExporter?.stop();
    await bridgeTask?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    expect(body.status).toBe('success');
    return body.data.result;
  }

  test('rate() over container_cpu_usage_seconds_total returns the CPU rate the simulated task produces', async () => {
    await until(() => `targets up: ${prometheus?.log}`, async () => (await query('min(up)'))[0]?.value[1] === '1' && (await query('up')).length === 2, 20_000, 250);
    // 15 s of 1 s scrapes; collection every 250 ms keeps the sampling jitter small.
    await new Promise((resolve) => setTimeout(resolve, 16_000));
    const rates = await query('rate(container_cpu_usage_seconds_total{job="ecs-sidecar"}[12s])');
    expect(rates.map((r) => r.metric.container).sort()).toEqual(['app-0', 'app-1']);
    for (const r of rates) {
      expect(Number(r.value[1])).toBeGreaterThan(CPU_CORES * 0.9);
      expect(Number(r.value[1])).toBeLessThan(CPU_CORES * 1.1);
    }
    // honor_labels: the sidecar's own labels reach the TSDB.
    expect(rates[0].metric).toMatchObject({ cluster: 'sim-cluster', launch_type: 'FARGATE', ecs_taskdef_name: 'sim' });
  }, 60_000);

  test('sum by task of the network rate counts the awsvpc namespace once, not once per container', async () => {
    const result = await query('sum by (task_id) (rate(container_network_receive_bytes_total{job="ecs-sidecar"}[12s]))');
    expect(result).toHaveLength(1);
    const rate = Number(result[0].value[1]);
    expect(rate).toBeGreaterThan(NETWORK_BYTES_PER_SECOND * 0.9);
    expect(rate).toBeLessThan(NETWORK_BYTES_PER_SECOND * 1.1);
  });

  test('sum by task of the network rate in bridge mode adds up each container\'s own namespace', async () => {
    const perContainer = await query('rate(container_network_receive_bytes_total{job="ecs-sidecar-bridge"}[12s])');
    expect(perContainer.map((r) => r.metric.container).sort()).toEqual(['app-0', 'app-1']);
    const result = await query('sum by (task_id) (rate(container_network_receive_bytes_total{job="ecs-sidecar-bridge"}[12s]))');
    expect(result).toHaveLength(1);
    const rate = Number(result[0].value[1]);
    // app-0 at 1x and app-1 at 2x the configured rate.
    expect(rate).toBeGreaterThan(3 * NETWORK_BYTES_PER_SECOND * 0.9);
    expect(rate).toBeLessThan(3 * NETWORK_BYTES_PER_SECOND * 1.1);
  });

  test('Prometheus scraped gzip (a multi-member body: self-metrics, then containers) and ingested every part of it', async () => {
    // (Call counts are cleared before each test: wait for the next 1 s scrape.)
    await until('a gzip scrape by Prometheus', () => gzipMembersServed.mock.calls.length >= 2, 5_000, 100);
    // Series from both members: the first holds the self-metrics, the second the containers.
    expect((await query('ecs_exporter_collections_total{job="ecs-sidecar",outcome="success"}')).length).toBe(1);
    expect((await query('container_memory_working_set_bytes{job="ecs-sidecar"}')).map((r) => r.metric.container).sort()).toEqual(['app-0', 'app-1']);
    expect((await query('process_resident_memory_bytes{job="ecs-sidecar"}')).length).toBe(1);
  });

  test('the up-style gauge reads 1 in Prometheus', async () => {
    expect((await query('ecs_exporter_collection_up')).map((r) => r.value[1])).toEqual(['1', '1']);
  });
});
