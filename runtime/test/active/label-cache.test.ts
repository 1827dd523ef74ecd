/**
 * Active mode builds the wire label set of each of the sidecar's own series once, not on every
 * collection: the same series come back every time, and merging, validating, sorting and keying
 * ~20 labels per sample was most of Active mode's CPU per collection (runtime/bench).
 */
import { awsErrorServer, enrichmentWorker } from './helpers';
import { StrictReceiver } from './strict-receiver';
import { startActiveMode } from '../../src/active';
import * as series from '../../src/active/remote-write/series';
import { LabelSetCache } from '../../src/active/target-labels';
import { startExporter } from '../../src/exporter';
import { silentLogger } from '../../src/logger';
import { startSimulatedTask } from '../../src/simulator';
import { testConfig, until } from '../helpers';

test('unchanged series reuse their label sets; the samples still arrive under the same series', async () => {
  let clockMs = Date.parse('2026-01-01T00:00:00Z');
  const sim = await startSimulatedTask({ shape: 'fargate-v1', containers: 3, now: () => clockMs });
  const aws = await awsErrorServer('AccessDeniedException', 400);
  const receiver = new StrictReceiver();
  await receiver.start();
  const config = testConfig({
    ECS_CONTAINER_METADATA_URI_V4: sim.metadataUri,
    collectInterval: '1h',
    scrapeInterval: '1h',
    remoteWrite_url: receiver.url,
    remoteWrite_flushInterval: '50ms',
  });
  // The exporter's clock is the simulator's: stats read times far from the collection time would be replaced.
  const exporter = await startExporter(config, { host: '127.0.0.1', logger: silentLogger, defaultMetrics: false, now: () => clockMs });
  const build = jest.spyOn(series, 'seriesLabels');
  try {
    await startActiveMode(exporter, { awsEndpoint: aws.endpoint, awsWorkerPath: enrichmentWorker(), awsCredentials: async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-real-secret-key' }) });
    clockMs += 10_000;
    await exporter.collector.collectNow();
    const builtAfterWarmUp = build.mock.calls.length;
    expect(builtAfterWarmUp).toBeGreaterThan(50);

    clockMs += 10_000;
    await exporter.collector.collectNow();
    clockMs += 10_000;
    await exporter.collector.collectNow();
    // Every series of these two collections existed before: no label set was built again.
    expect(build.mock.calls.length).toBe(builtAfterWarmUp);

    // The writer's own loop (every 50 ms) delivers them; wait for it rather than draining beside it.
    const cpuApp0 = () => [...receiver.series.entries()].filter(([key]) => key.includes('"container_cpu_usage_seconds_total"') && key.includes('["container","app-0"]'));
    const delivered = () => (cpuApp0()[0]?.[1] ?? []).map((sample) => sample.timestampMs);
    const collectedAt = [clockMs - 20_000, clockMs - 10_000, clockMs];
    await until('the three collections of app-0', () => collectedAt.every((t) => delivered().includes(t)), 15_000);
    expect(cpuApp0()).toHaveLength(1);
    expect(delivered()).toEqual(expect.arrayContaining(collectedAt));
  } finally {
    build.mockRestore();
    await exporter.stop();
    await receiver.stop();
    await aws.close();
    await sim.stop();
  }
});

describe('LabelSetCache', () => {
  const target = { cluster: 'prod', container: 'sidecar' };

  test('series sharing one labels object each get their own label set, reused by the next round', () => {
    const cache = new LabelSetCache();
    const shared = { container: 'app' };
    const cpu = cache.labelsOf(target, 'cpu', shared);
    const memory = cache.labelsOf(target, 'memory', shared);
    expect(cpu.labels).toEqual([['__name__', 'cpu'], ['cluster', 'prod'], ['container', 'app']]);
    expect(memory.labels[0]).toEqual(['__name__', 'memory']);
    expect(cache.labelsOf(target, 'cpu', shared)).toBe(cpu);
    cache.endRound(false);
    // The next collection builds new label objects with the same content: same label sets.
    expect(cache.labelsOf(target, 'cpu', { container: 'app' })).toBe(cpu);
    expect(cache.labelsOf(target, 'memory', { container: 'app' })).toBe(memory);
  });

  test('a labels object that comes back in later collections is answered by object, without a text key', () => {
    const cache = new LabelSetCache();
    const app = { container: 'app' };
    const cpu = cache.labelsOf(target, 'cpu', app);
    cache.endRound(false);
    const stringify = jest.spyOn(JSON, 'stringify');
    try {
      // Each collection passes a new target object of the same content and the container's same labels object.
      expect(cache.labelsOf({ ...target }, 'cpu', app)).toBe(cpu);
      cache.endRound(false);
      cache.endRound(false);
      expect(cache.labelsOf({ ...target }, 'cpu', app)).toBe(cpu);
      expect(stringify.mock.calls.filter(([value]) => value === app)).toHaveLength(0);
    } finally {
      stringify.mockRestore();
    }
  });

  test('a labels object answered under one target is answered again under a new target', () => {
    const cache = new LabelSetCache();
    const shared = { container: 'app' };
    cache.labelsOf(target, 'cpu', shared);
    const other = cache.labelsOf({ ...target, cluster: 'staging' }, 'cpu', shared);
    expect(other.labels).toContainEqual(['cluster', 'staging']);
  });
});
