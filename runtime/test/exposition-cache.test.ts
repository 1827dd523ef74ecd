import { exposedValue, get, testConfig } from './helpers';
import { startExporter, type ExporterHandle } from '../src/exporter';
import * as exposition from '../src/exposition';
import { silentLogger } from '../src/logger';
import { startSimulatedTask, type SimulatedTask } from '../src/simulator';

const FAST_CLIENT = { clock: { sleep: async () => undefined }, timeoutMs: 300 };
const APP_0_CPU = 'container_cpu_usage_seconds_total{container="app-0",image="public.ecr.aws/sim/app:1.0.0",cluster="sim-cluster",task_id="0f1e2d3c4b5a69788796a5b4c3d2e1f0",ecs_taskdef_name="sim",ecs_taskdef_version="1",availability_zone="us-west-2a",launch_type="FARGATE"}';

/** Renders (to text or to bytes) of the container families (not the small self-metric sources). */
function containerRenders(spies: readonly jest.SpyInstance[]): number {
  return spies.flatMap((spy) => spy.mock.calls).filter(([families]) => (families as { name: string }[]).some((f) => f.name === 'container_cpu_usage_seconds_total')).length;
}

describe('container exposition is rendered once per collection, not per scrape', () => {
  let clockMs = Date.parse('2026-01-01T00:00:00Z');
  let task: SimulatedTask;
  let exporter: ExporterHandle;
  let render: jest.SpyInstance[];

  beforeAll(async () => {
    task = await startSimulatedTask({ shape: 'fargate-v1', containers: 3, cpuCores: 0.5, now: () => clockMs });
    exporter = await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: task.metadataUri }), { host: '127.0.0.1', logger: silentLogger, metadataClient: FAST_CLIENT });
    await exporter.collector.collectNow();
  });
  beforeEach(() => {
    render = [jest.spyOn(exposition, 'renderFamilies'), jest.spyOn(exposition, 'renderFamiliesToBytes')];
  });
  afterEach(() => render.forEach((spy) => spy.mockRestore()));
  afterAll(async () => {
    await exporter.stop();
    await task.stop();
  });

  test('many scrapes of one collection render the container families at most once', async () => {
    await exporter.collector.collectNow();
    const bodies = [];
    for (let i = 0; i < 5; i++) bodies.push((await get(exporter.metricsUrl)).body);
    expect(containerRenders(render)).toBe(1);
    for (const body of bodies) expect(exposedValue(body, APP_0_CPU)).toBe(exposedValue(bodies[0], APP_0_CPU));
  });

  test('the text is rendered when the collection happens, so scrapes after it render nothing', async () => {
    await exporter.collector.collectNow();
    expect(containerRenders(render)).toBe(1);
    await get(exporter.metricsUrl);
    await get(exporter.metricsUrl);
    expect(containerRenders(render)).toBe(1);
  });

  test('a new collection replaces the rendered text with the new values', async () => {
    await exporter.collector.collectNow();
    const before = exposedValue((await get(exporter.metricsUrl)).body, APP_0_CPU)!;
    clockMs += 10_000;
    await exporter.collector.collectNow();
    const after = exposedValue((await get(exporter.metricsUrl)).body, APP_0_CPU)!;
    // 0.5 cores for 10 s of simulated time.
    expect(after - before).toBeCloseTo(5, 6);
  });

  test('a failed collection stops serving the old container series', async () => {
    task.fail({ status: 500 });
    try {
      await exporter.collector.collectNow();
      const { body } = await get(exporter.metricsUrl);
      expect(body).not.toContain('container_cpu_usage_seconds_total{');
      expect(exposedValue(body, 'ecs_exporter_collection_up')).toBe(0);
    } finally {
      task.recover();
    }
    await exporter.collector.collectNow();
    expect(exposedValue((await get(exporter.metricsUrl)).body, APP_0_CPU)).toBeDefined();
  });
});
