/**
 * The monitoring that ships in ../monitoring, against real data: promtool checks and unit-tests the
 * rules, and a real Prometheus 2.42, fed by the exporter (two Passive sidecars it scrapes, Fargate
 * awsvpc and EC2 bridge, and one Active sidecar that remote-writes to it), loads the rules and answers
 * every dashboard query, every template-variable query and every rule expression with data.
 * Under CI=true a missing prometheus/promtool FAILS this suite instead of skipping it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsErrorServer, enrichmentWorker } from './active/helpers';
import { describeWithPrometheus, PROMETHEUS, PROMTOOL, ServerProcess, startPrometheus, testConfig, until } from './helpers';
import { startActiveMode, type ActiveMode } from '../src/active';
import { startExporter, type ExporterHandle } from '../src/exporter';
import { silentLogger } from '../src/logger';
import { METRIC_CATALOG, SELF_METRICS } from '../src/metrics/catalog';
import { startSimulatedTask, type SimulatedTask } from '../src/simulator';

const MONITORING = join(__dirname, '..', '..', 'monitoring');
const RULES = join(MONITORING, 'prometheus', 'ecs-sidecar.rules.yml');
const RULE_TESTS = join(MONITORING, 'prometheus', 'ecs-sidecar.rules.test.yml');
const DASHBOARD = join(MONITORING, 'grafana', 'ecs-sidecar-dashboard.json');


/** Metric names the runtime can emit (catalog + self-metrics); an expression naming others cannot have data yet. */
const KNOWN_METRICS = new Set([...METRIC_CATALOG.map((m) => m.name), ...SELF_METRICS.map((m) => m.name)]);
function unknownMetrics(expr: string): string[] {
  const names = expr.match(/\b(?:container|ecs)_[a-z0-9_]+\b/g) ?? [];
  return [...new Set(names)].filter((n) => !KNOWN_METRICS.has(n) && !/_(bucket|sum|count)$/.test(n));
}

/** Grafana's variables, as the dashboard resolves them with every variable at "All". */
function substitute(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '30s')
    .replace(/\$\{?(cluster|service|task)\}?/g, '.*');
}

/** An alert's condition without its final threshold: the quantity it compares, which always has data. */
function withoutThreshold(expr: string): string {
  return expr.replace(/\s*(>|<|>=|<=|==|!=)\s*(bool\s+)?[0-9.e+-]+\s*$/, '');
}

interface DashboardPanel { title: string; targets?: Array<{ expr: string }>; panels?: DashboardPanel[] }
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
  panels: DashboardPanel[];
  templating: { list: Array<{ name: string; type: string; query: unknown; datasource?: { uid: string } }> };
};
const panelQueries = dashboard.panels
  .flatMap((p) => [p, ...(p.panels ?? [])])
  .flatMap((p) => (p.targets ?? []).map((t, i) => [`${p.title} #${i + 1}`, t.expr] as const));
const variableQueries = dashboard.templating.list
  .filter((v) => v.type === 'query')
  .map((v) => [v.name, (v.query as { query: string }).query] as const);

describe('the Grafana dashboard', () => {
  test('takes its datasource from a variable and filters every query by cluster, service and task', () => {
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
    expect(variableQueries.map(([name]) => name)).toEqual(['cluster', 'service', 'task']);
    for (const [, query] of variableQueries) expect(query).toMatch(/^label_values\(/);
    expect(panelQueries.length).toBeGreaterThan(10);
    for (const [title, expr] of panelQueries) {
      expect({ title, filtered: /cluster=~"\$cluster", service=~"\$service", task_id=~"\$task"/.test(expr) }).toEqual({ title, filtered: true });
    }
  });
});

describeWithPrometheus('promtool', () => {
  test('check rules accepts the rules file', () => {
    const result = spawnSync(PROMTOOL!, ['check', 'rules', RULES], { encoding: 'utf8' });
    expect({ status: result.status, output: result.stdout + result.stderr }).toMatchObject({ status: 0 });
  });

  test('test rules: every alert fires on its input and stays silent on the healthy series', () => {
    const result = spawnSync(PROMTOOL!, ['test', 'rules', RULE_TESTS], { encoding: 'utf8' });
    expect({ status: result.status, output: result.stdout + result.stderr }).toMatchObject({ status: 0 });
    const rules = readFileSync(RULES, 'utf8');
    const tests = readFileSync(RULE_TESTS, 'utf8');
    const alerts = [...rules.matchAll(/- alert: (\S+)/g)].map((m) => m[1]);
    const tested = new Set([...tests.matchAll(/alertname: (\S+)/g)].map((m) => m[1]));
    expect(alerts.filter((a) => !tested.has(a))).toEqual([]);
  });
});

describeWithPrometheus('dashboard and rules against a real Prometheus fed by the sidecar', () => {
  const tasks: SimulatedTask[] = [];
  const exporters: ExporterHandle[] = [];
  let active: ActiveMode | undefined;
  let aws: Awaited<ReturnType<typeof awsErrorServer>> | undefined;
  let prometheus: ServerProcess | undefined;
  let promUrl = '';
  let dataDir = '';

  beforeAll(async () => {
    for (const shape of ['fargate-v1', 'ec2-bridge-v2'] as const) {
      const task = await startSimulatedTask({ shape, containers: 2, cpuCores: 0.3 });
      tasks.push(task);
      exporters.push(await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: task.metadataUri, collectInterval: '500ms' }), { host: '127.0.0.1', logger: silentLogger }));
    }
    dataDir = mkdtempSync(join(tmpdir(), 'prometheus-monitoring-'));
    const configFile = join(dataDir, 'prometheus.yml');
    writeFileSync(configFile, [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${RULES}`,
      'scrape_configs:',
      ...exporters.flatMap((e, i) => [
        `  - job_name: passive-${i}`,
        '    honor_labels: true',
        `    metrics_path: ${e.config.metricsPath}`,
        '    static_configs:',
        `      - targets: ['127.0.0.1:${e.port}']`,
      ]),
      '',
    ].join('\n'));
    ({ url: promUrl, process: prometheus } = await startPrometheus(PROMETHEUS!, configFile, dataDir, ['--web.enable-remote-write-receiver']));

    // Active mode: a third sidecar remote-writes to the same Prometheus (AWS calls refused: metadata-only labels).
    const task = await startSimulatedTask({ shape: 'fargate-v1', containers: 2, cpuCores: 0.3 });
    tasks.push(task);
    aws = await awsErrorServer('AccessDeniedException', 400);
    const exporter = await startExporter(testConfig({
      ECS_CONTAINER_METADATA_URI_V4: task.metadataUri,
      collectInterval: '500ms',
      remoteWrite_url: `${promUrl}/api/v1/write`,
      remoteWrite_flushInterval: '200ms',
    }), { host: '127.0.0.1', logger: silentLogger, defaultMetrics: false });
    exporters.push(exporter);
    active = await startActiveMode(exporter, {
      awsEndpoint: aws.endpoint,
      awsWorkerPath: enrichmentWorker(),
      awsCredentials: async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-real-secret-key' }),
    });
    // Enough samples for rate() and increase(): a few scrapes and remote writes.
    await until(() => `data in Prometheus: ${prometheus?.log}`, async () =>
      (await query('count(up == 1)'))[0]?.value[1] === '2'
      && (await query('count(ecs_exporter_remote_write_samples_sent_total > 0)')).length === 1
      && (await query('count_over_time(container_cpu_usage_seconds_total[1m])')).every((r) => Number(r.value[1]) >= 4), 60_000, 500);
  }, 120_000);

  afterAll(async () => {
    for (const exporter of exporters) await exporter.stop();
    void active;
    await prometheus?.stop();
    for (const task of tasks) await task.stop();
    await aws?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    type Answer = { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    const body = (await res.json()) as Answer;
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data.result;
  }

  /** Asserts `expr` returns at least one series, retrying briefly (rules evaluate every second). */
  async function expectData(expr: string): Promise<void> {
    let last: unknown[] = [];
    await until(() => `data for ${expr} (last answer ${JSON.stringify(last)})`, async () => {
      last = await query(expr);
      return last.length > 0;
    }, 10_000, 500);
  }

  test.each(panelQueries)('dashboard panel %s returns data', async (_title, expr) => {
    const missing = unknownMetrics(expr);
    if (missing.length > 0) throw new Error(`names metrics the runtime does not emit: ${missing.join(', ')}`);
    await expectData(substitute(expr));
  });

  test.each(variableQueries)('dashboard variable $%s resolves to values', async (_name, variableQuery) => {
    const match = /^label_values\((.+),\s*(\w+)\)$/.exec(variableQuery)!;
    const url = `${promUrl}/api/v1/label/${match[2]}/values?match[]=${encodeURIComponent(substitute(match[1]))}`;
    const body = (await (await fetch(url)).json()) as { data: string[] };
    expect(body.data.length).toBeGreaterThan(0);
  });

  test('every rule loads and is healthy, and every rule expression returns data', async () => {
    await until('rules evaluated', async () => {
      const body = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ lastEvaluation: string }> }> } };
      return body.data.groups.every((g) => g.rules.every((r) => !r.lastEvaluation.startsWith('0001')));
    }, 10_000, 250);
    const body = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ name: string; rules: Array<{ name: string; type: 'recording' | 'alerting'; query: string; health: string; lastError?: string }> }> };
    };
    const rules = body.data.groups.flatMap((g) => g.rules);
    expect(rules.length).toBe([...readFileSync(RULES, 'utf8').matchAll(/- (alert|record): /g)].length);
    for (const rule of rules) {
      expect({ rule: rule.name, health: rule.health, error: rule.lastError ?? '' }).toEqual({ rule: rule.name, health: 'ok', error: '' });
      expect({ rule: rule.name, unknown: unknownMetrics(rule.query) }).toEqual({ rule: rule.name, unknown: [] });
      await expectData(rule.type === 'recording' ? rule.name : withoutThreshold(rule.query));
    }
  }, 120_000);
});
