import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { exposedValue, get, testConfig } from './helpers';
import { startExporter } from '../src/exporter';
import { silentLogger } from '../src/logger';
import { SelfMetrics } from '../src/self-metrics';
import { startSimulatedTask } from '../src/simulator';

const PROCESS_SERIES = [
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_virtual_memory_bytes',
  'process_heap_bytes',
  'process_open_fds',
  'process_max_fds',
  'process_start_time_seconds',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
];

function vmRssBytes(): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
}

describe('process metrics', () => {
  test('the standard process_* and nodejs_* series are exposed, with the types dashboards expect', async () => {
    const text = await new SelfMetrics().registry.metrics();
    for (const name of PROCESS_SERIES) expect(exposedValue(text, name)).toBeGreaterThanOrEqual(0);
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
    expect(text).toMatch(/^nodejs_version_info\{version="v\d+\.\d+\.\d+",major="\d+",minor="\d+",patch="\d+"\} 1$/m);
    expect(text).toMatch(/^nodejs_active_resources\{type="[A-Za-z]+"\} \d+$/m);
  });

  test('the resident memory is the one /proc reports (within 20%)', async () => {
    const text = await new SelfMetrics().registry.metrics();
    const rss = exposedValue(text, 'process_resident_memory_bytes')!;
    const proc = vmRssBytes();
    expect(rss).toBeGreaterThan(proc * 0.8);
    expect(rss).toBeLessThan(proc * 1.2);
  });

  test('open and max descriptors match /proc; the start time is this process\'s', async () => {
    const text = await new SelfMetrics().registry.metrics();
    const open = exposedValue(text, 'process_open_fds')!;
    expect(Math.abs(open - readdirSync('/proc/self/fd').length)).toBeLessThanOrEqual(3);
    const maxFds = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))![1]);
    expect(exposedValue(text, 'process_max_fds')).toBe(maxFds);
    expect(Math.abs(exposedValue(text, 'process_start_time_seconds')! - (Date.now() / 1000 - process.uptime()))).toBeLessThanOrEqual(1);
  });

  test('CPU seconds only grow, user + system = total, and they follow process.cpuUsage()', async () => {
    const metrics = new SelfMetrics();
    let previous = -1;
    for (let i = 0; i < 5; i++) {
      const spinUntil = Date.now() + 20;
      while (Date.now() < spinUntil) Math.sqrt(Math.random());
      const text = await metrics.registry.metrics();
      const total = exposedValue(text, 'process_cpu_seconds_total')!;
      const parts = exposedValue(text, 'process_cpu_user_seconds_total')! + exposedValue(text, 'process_cpu_system_seconds_total')!;
      expect(total).toBeGreaterThan(previous);
      expect(Math.abs(total - parts)).toBeLessThan(0.01);
      const usage = process.cpuUsage();
      expect(total).toBeLessThanOrEqual((usage.user + usage.system) / 1e6 + 1e-6);
      expect(total).toBeGreaterThan((usage.user + usage.system) / 1e6 - 0.05);
      previous = total;
    }
  });

  test('getMetricsAsJSON gives them in structured form (Active mode reads it)', async () => {
    const json = await new SelfMetrics().registry.getMetricsAsJSON();
    const rss = json.find((m) => m.name === 'process_resident_memory_bytes');
    expect(rss?.values[0].value).toBeGreaterThan(0);
  });

  test('left out: the event-loop-lag family (HDR histogram walks per scrape), per-space heap and GC series', async () => {
    const text = await new SelfMetrics().registry.metrics();
    expect(text).not.toMatch(/^nodejs_eventloop_lag/m);
    expect(text).not.toMatch(/^nodejs_heap_space_size/m);
    expect(text).not.toMatch(/^nodejs_gc_duration_seconds/m);
  });

  test('the runtime loads prom-client\'s metric modules, never its index (which loads every default metric and @opentelemetry/api)', () => {
    const src = join(__dirname, '..', 'src');
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : name.endsWith('.ts') ? [join(dir, name)] : []));
    })(src);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect({ file, valueImport: /^import (?!type )[^;]*from 'prom-client';/m.test(text) || /(?<!`)require\('prom-client'\)/.test(text) }).toEqual({ file, valueImport: false });
    }
  });
});

describe('disableExporterMetrics=true', () => {
  test('leaves out process_* and nodejs_*, keeps ecs_exporter_*', async () => {
    const task = await startSimulatedTask({ shape: 'fargate-v1', containers: 1 });
    const exporter = await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: task.metadataUri, disableExporterMetrics: 'true' }), { host: '127.0.0.1', logger: silentLogger });
    try {
      await exporter.collector.collectNow();
      const { body } = await get(exporter.metricsUrl);
      expect(body).not.toMatch(/^(process|nodejs)_/m);
      expect(exposedValue(body, 'ecs_exporter_collection_up')).toBe(1);
      expect(body).toContain('container_cpu_usage_seconds_total{');
    } finally {
      await exporter.stop();
      await task.stop();
    }
  });

  test('by default they are there', async () => {
    const task = await startSimulatedTask({ shape: 'fargate-v1', containers: 1 });
    const exporter = await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: task.metadataUri }), { host: '127.0.0.1', logger: silentLogger });
    try {
      const { body } = await get(exporter.metricsUrl);
      expect(body).toMatch(/^process_resident_memory_bytes \d+/m);
    } finally {
      await exporter.stop();
      await task.stop();
    }
  });
});
