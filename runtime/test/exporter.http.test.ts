import { exposedValue, get, testConfig } from './helpers';
import { startExporter, type ExporterHandle } from '../src/exporter';
import { silentLogger } from '../src/logger';
import { startSimulatedTask, type SimulatedTask } from '../src/simulator';

const FAST_CLIENT = { clock: { sleep: async () => undefined }, timeoutMs: 300 };

describe('metrics endpoint against a simulated Fargate task', () => {
  let task: SimulatedTask;
  let exporter: ExporterHandle;

  beforeAll(async () => {
    task = await startSimulatedTask({ shape: 'fargate-v1', containers: 2 });
    exporter = await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: task.metadataUri }), { host: '127.0.0.1', logger: silentLogger, metadataClient: FAST_CLIENT });
    await exporter.collector.collectNow();
  });
  afterAll(async () => {
    await exporter.stop();
    await task.stop();
  });

  test('serves Prometheus text with container metrics and the up gauge at 1', async () => {
    const res = await get(exporter.metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).toContain('# TYPE container_cpu_usage_seconds_total counter');
    expect(res.body).toMatch(/^container_cpu_usage_seconds_total\{container="app-0",image="public.ecr.aws\/sim\/app:1.0.0",cluster="sim-cluster",task_id="0f1e2d3c4b5a69788796a5b4c3d2e1f0",ecs_taskdef_name="sim",ecs_taskdef_version="1",availability_zone="us-west-2a",launch_type="FARGATE"\} [0-9.e+-]+$/m);
    expect(exposedValue(res.body, 'ecs_exporter_collection_up')).toBe(1);
    expect(exposedValue(res.body, 'ecs_exporter_last_successful_collection_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(res.body).toContain('process_resident_memory_bytes');
  });

  test('every answer carries a current Date header, formatted by the server itself', async () => {
    for (const url of [exporter.metricsUrl, `${exporter.url}/health`, `${exporter.url}/nope`]) {
      const date = Date.parse((await get(url)).headers.get('date') ?? '');
      expect(Math.abs(date - Date.now())).toBeLessThan(5_000);
    }
  });

  test('HELP and TYPE appear once per family', async () => {
    const { body } = await get(exporter.metricsUrl);
    const types = body.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
    expect(new Set(types).size).toBe(types.length);
    const helps = body.split('\n').filter((l) => l.startsWith('# HELP ')).map((l) => l.split(' ')[2]);
    expect(new Set(helps).size).toBe(helps.length);
  });

  test('the stopped container (null stats) has no stats series, only its exit code', async () => {
    const { body } = await get(exporter.metricsUrl);
    const lines = body.split('\n').filter((line) => line.includes('container="init"'));
    expect(lines.map((line) => line.split('{')[0])).toEqual(['ecs_container_exit_code']);
  });

  test('health answers 200 OK', async () => {
    const res = await get(exporter.url + '/health');
    expect(res.status).toBe(200);
    expect(res.body).toBe('OK');
  });

  test('unknown paths are 404, other methods 405, HEAD has no body', async () => {
    expect((await get(exporter.url + '/metrics')).status).toBe(404);
    const post = await get(exporter.metricsUrl, {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await get(exporter.metricsUrl, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  test('query strings are ignored when routing', async () => {
    expect((await get(exporter.metricsUrl + '?x=1')).status).toBe(200);
  });

  test('metadata request outcomes and latency are self-metrics', async () => {
    const { body } = await get(exporter.metricsUrl);
    expect(exposedValue(body, 'ecs_exporter_metadata_requests_total{endpoint="task_stats",outcome="success"}')).toBeGreaterThanOrEqual(1);
    expect(exposedValue(body, 'ecs_exporter_metadata_request_duration_seconds_count{endpoint="task"}')).toBeGreaterThanOrEqual(1);
    expect(exposedValue(body, 'ecs_exporter_containers{state="running"}')).toBe(2);
    expect(exposedValue(body, 'ecs_exporter_containers{state="stopped"}')).toBe(1);
  });

  test('extra family sources (e.g. remote-write self-metrics) are rendered too', async () => {
    exporter.addFamilySource(() => [{ name: 'ecs_exporter_test_extra', help: 'extra', type: 'gauge', samples: [{ labels: {}, value: 7 }] }]);
    expect(exposedValue((await get(exporter.metricsUrl)).body, 'ecs_exporter_test_extra')).toBe(7);
  });
});

describe('basic auth on the metrics endpoint', () => {
  let task: SimulatedTask;
  let exporter: ExporterHandle;
  const basic = (user: string, password: string) => ({ Authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') });

  beforeAll(async () => {
    task = await startSimulatedTask({ shape: 'ec2-bridge-v2', containers: 1 });
    exporter = await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: task.metadataUri, httpAuth_username: 'scraper', httpAuth_password: 'pa:ss' }), { host: '127.0.0.1', logger: silentLogger, metadataClient: FAST_CLIENT });
    await exporter.collector.collectNow();
  });
  afterAll(async () => {
    await exporter.stop();
    await task.stop();
  });

  test('no credentials: 401 with a Basic challenge', async () => {
    const res = await get(exporter.metricsUrl);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(res.body).not.toContain('container_');
  });

  test('wrong credentials: 401', async () => {
    expect((await get(exporter.metricsUrl, basic('scraper', 'nope'))).status).toBe(401);
    expect((await get(exporter.metricsUrl, { Authorization: 'Bearer x' })).status).toBe(401);
  });

  test('right credentials (password with a colon): 200', async () => {
    const res = await get(exporter.metricsUrl, basic('scraper', 'pa:ss'));
    expect(res.status).toBe(200);
    expect(res.body).toContain('container_memory_working_set_bytes{container="app-0"');
  });

  test('the scheme is case-insensitive (RFC 9110): "basic" and "BASIC" are accepted', async () => {
    const token = Buffer.from('scraper:pa:ss').toString('base64');
    expect((await get(exporter.metricsUrl, { Authorization: `basic ${token}` })).status).toBe(200);
    expect((await get(exporter.metricsUrl, { Authorization: `BASIC ${token}` })).status).toBe(200);
    // The credentials themselves stay case-sensitive.
    expect((await get(exporter.metricsUrl, { Authorization: `basic ${token.toLowerCase()}` })).status).toBe(401);
    expect((await get(exporter.metricsUrl, { Authorization: `Bearer ${token}` })).status).toBe(401);
  });

  test('health stays open so the ECS health check works', async () => {
    expect((await get(exporter.url + '/health')).status).toBe(200);
  });
});

describe('metadata outage', () => {
  let task: SimulatedTask;
  let exporter: ExporterHandle;

  beforeEach(async () => {
    task = await startSimulatedTask({ shape: 'ec2-host-v2', containers: 1 });
    exporter = await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: task.metadataUri }), { host: '127.0.0.1', logger: silentLogger, metadataClient: FAST_CLIENT });
    expect(await exporter.collector.collectNow()).toBe(true);
  });
  afterEach(async () => {
    await exporter.stop();
    await task.stop();
  });

  test.each([
    ['HTTP 500', { status: 500 }, 'http_error'],
    ['HTTP 404 (not retried)', { status: 404 }, 'http_error'],
    ['a body that is not JSON', 'malformed', 'invalid_body'],
    ['no answer (timeout)', 'hang', 'timeout'],
  ] as const)('on %s the exporter keeps serving, up drops to 0 and recovers', async (_name, failure, outcome) => {
    task.fail(failure);
    expect(await exporter.collector.collectNow()).toBe(false);
    let res = await get(exporter.metricsUrl);
    expect(res.status).toBe(200);
    expect(exposedValue(res.body, 'ecs_exporter_collection_up')).toBe(0);
    expect(res.body).not.toContain('container_cpu_usage_seconds_total{');
    expect(exposedValue(res.body, `ecs_exporter_metadata_requests_total{endpoint="task_stats",outcome="${outcome}"}`)).toBeGreaterThanOrEqual(1);
    expect(exposedValue(res.body, 'ecs_exporter_collections_total{outcome="failure"}')).toBe(1);

    task.recover();
    expect(await exporter.collector.collectNow()).toBe(true);
    res = await get(exporter.metricsUrl);
    expect(exposedValue(res.body, 'ecs_exporter_collection_up')).toBe(1);
    expect(res.body).toContain('container_cpu_usage_seconds_total{container="app-0"');
  });
});

describe('metadata client retries', () => {
  test('the 500s right after task start are retried and the collection succeeds', async () => {
    const task = await startSimulatedTask({ failFirstRequests: 2 });
    const sleeps: number[] = [];
    const exporter = await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: task.metadataUri }), {
      host: '127.0.0.1',
      logger: silentLogger,
      metadataClient: { clock: { sleep: async (ms) => void sleeps.push(ms) }, random: () => 0.5 },
    });
    try {
      // startExporter began the first collection; collectNow() joins it rather than starting another.
      expect(await exporter.collector.collectNow()).toBe(true);
      const { body } = await get(exporter.metricsUrl);
      expect(exposedValue(body, 'ecs_exporter_collection_up')).toBe(1);
      const errors = (exposedValue(body, 'ecs_exporter_metadata_requests_total{endpoint="task",outcome="http_error"}') ?? 0)
        + (exposedValue(body, 'ecs_exporter_metadata_requests_total{endpoint="task_stats",outcome="http_error"}') ?? 0);
      expect(errors).toBe(2);
      expect(sleeps.every((ms) => ms === 125 || ms === 250)).toBe(true);
    } finally {
      await exporter.stop();
      await task.stop();
    }
  });
});

describe('graceful stop', () => {
  test('stop() closes the server and the collection loop', async () => {
    const task = await startSimulatedTask();
    const exporter = await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: task.metadataUri }), { host: '127.0.0.1', logger: silentLogger });
    const url = exporter.url + '/health';
    expect((await get(url)).status).toBe(200);
    await exporter.stop();
    await expect(fetch(url)).rejects.toThrow();
    await task.stop();
  });
});
