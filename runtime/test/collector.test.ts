import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadShape } from './fixtures';
import { Collector, type Scheduler } from '../src/collector';
import { createLogger } from '../src/logger';
import { MetadataClient } from '../src/metadata/client';
import type { TaskMetadata, TaskStats } from '../src/metadata/types';
import { SelfMetrics } from '../src/self-metrics';
import { startSimulatedTask } from '../src/simulator';

/** A scheduler the test fires by hand. */
class ManualScheduler implements Scheduler {
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  private next = 1;
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { callback, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fire(): void {
    const [id, timer] = [...this.pending.entries()][0];
    this.pending.delete(id);
    timer.callback();
  }
}

const shape = loadShape('ec2-bridge-cgroupv2');
/** Lets a collection in progress finish: it yields to I/O (two immediates) between its steps. */
const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

function setup(failing: { value: boolean }) {
  const scheduler = new ManualScheduler();
  const logs: { level: string; msg: string }[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line)) });
  let calls = 0;
  const client = {
    fetchTask: async () => {
      calls++;
      if (failing.value) throw new Error('metadata /task: HTTP 500 after 3 attempts');
      return shape.task as TaskMetadata;
    },
    fetchTaskStats: async () => shape.stats as TaskStats,
  };
  let clock = 1_700_000_000_000;
  const selfMetrics = new SelfMetrics({ defaultMetrics: false });
  const collector = new Collector({ client, selfMetrics, logger, intervalMs: 15_000, scheduler, now: () => clock });
  return { scheduler, logs, collector, selfMetrics, calls: () => calls, tick: (ms: number) => (clock += ms) };
}

describe('collection loop', () => {
  test('collects at start, then every interval through the injected scheduler, and stops cleanly', async () => {
    const { scheduler, collector, calls, tick } = setup({ value: false });
    const seen: number[] = [];
    collector.onCollection((families, atMs) => void seen.push(atMs, families.length));
    collector.start();
    await flush();
    expect(calls()).toBe(1);
    expect([...scheduler.pending.values()].map((t) => t.ms)).toEqual([15_000]);
    tick(15_000);
    scheduler.fire();
    await flush();
    expect(calls()).toBe(2);
    expect(seen[0]).toBe(1_700_000_000_000);
    expect(seen[2]).toBe(1_700_000_015_000);
    expect(collector.latest?.networkLayout).toBe('bridge');
    await collector.stop();
    expect(scheduler.pending.size).toBe(0);
  });

  test('an outage is logged once when it starts and once when it ends; up follows it', async () => {
    const failing = { value: true };
    const { collector, logs, selfMetrics } = setup(failing);
    const up = async () => (await selfMetrics.registry.getSingleMetric('ecs_exporter_collection_up')!.get()).values[0].value;
    for (let i = 0; i < 3; i++) expect(await collector.collectNow()).toBe(false);
    expect(await up()).toBe(0);
    expect(collector.latest).toBeUndefined();
    failing.value = false;
    expect(await collector.collectNow()).toBe(true);
    expect(await up()).toBe(1);
    expect(logs.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(['collection failed; serving self-metrics only until the metadata endpoint recovers']);
    expect(logs.filter((l) => l.msg === 'collection recovered')).toHaveLength(1);
  });

  test('a failing listener is logged and does not break collection', async () => {
    const { collector, logs } = setup({ value: false });
    collector.onCollection(() => {
      throw new Error('boom');
    });
    expect(await collector.collectNow()).toBe(true);
    expect(logs.some((l) => l.level === 'error' && l.msg === 'collection listener failed')).toBe(true);
  });

  test('failure listeners see each failed collection after up=0 is recorded; success listeners do not', async () => {
    const failing = { value: true };
    const { collector, selfMetrics, tick } = setup(failing);
    const up = async () => (await selfMetrics.registry.getSingleMetric('ecs_exporter_collection_up')!.get()).values[0].value;
    const failures: Array<[number, number]> = [];
    let successes = 0;
    collector.onCollection(() => void successes++);
    collector.onCollectionFailure(async (atMs) => void failures.push([atMs, await up()]));
    expect(await collector.collectNow()).toBe(false);
    tick(15_000);
    expect(await collector.collectNow()).toBe(false);
    expect(failures).toEqual([[1_700_000_000_000, 0], [1_700_000_015_000, 0]]);
    expect(successes).toBe(0);
    failing.value = false;
    expect(await collector.collectNow()).toBe(true);
    expect(failures).toHaveLength(2);
    expect(successes).toBe(1);
  });

  test('the latest task metadata survives a failed collection (Active mode scrape targets)', async () => {
    const failing = { value: false };
    const { collector } = setup(failing);
    await collector.collectNow();
    failing.value = true;
    await collector.collectNow();
    expect(collector.latestTask?.Family).toBe('web');
  });
});

describe('what a collection leaves out is counted and logged once per reason', () => {
  function setupLimited() {
    const logs: { level: string; msg: string; reason?: string; example?: string }[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line)) });
    const task = { ...(shape.task as object), Family: ['web'] };
    const client = { fetchTask: async () => task, fetchTaskStats: async () => shape.stats };
    const selfMetrics = new SelfMetrics({ defaultMetrics: false });
    // Two days after the recorded stats were read: every stats sample's timestamp is too old.
    const now = () => Date.parse('2024-06-12T08:10:00Z');
    const scheduler = new ManualScheduler();
    const collector = new Collector({ client, selfMetrics, logger, intervalMs: 15_000, scheduler, now, maxSeriesPerCollection: 10 });
    return { collector, selfMetrics, logs };
  }

  test('series over maxSeriesPerCollection, fields of the wrong type and refused timestamps: counters grow every collection, one warning each', async () => {
    const { collector, selfMetrics, logs } = setupLimited();
    expect(await collector.collectNow()).toBe(true);
    expect(await collector.collectNow()).toBe(true);
    expect(collector.latest!.families.reduce((n, f) => n + f.samples.length, 0)).toBe(10);

    const text = await selfMetrics.registry.metrics();
    const value = (series: string) => Number(text.split('\n').find((l) => l.startsWith(series + ' '))?.split(' ')[1]);
    expect(value('ecs_exporter_series_dropped_total{reason="invalid_value"}')).toBe(2);
    expect(value('ecs_exporter_series_dropped_total{reason="series_limit"}')).toBe(72);
    expect(value('ecs_exporter_series_dropped_total{reason="interface_limit"}')).toBe(0);
    // Of the 10 series kept, the 7 from stats carry a timestamp (CPU, memory); limits come from metadata.
    expect(value('ecs_exporter_sample_timestamps_replaced_total{reason="too_old"}')).toBe(14);
    expect(value('ecs_exporter_sample_timestamps_replaced_total{reason="in_future"}')).toBe(0);

    const warnings = logs.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.reason).sort()).toEqual(['invalid_value', 'series_limit', 'too_old']);
    expect(warnings.find((l) => l.reason === 'invalid_value')!.example).toBe('Family');
  });

  test('a bad task still gives the collection and the task labels that were valid', async () => {
    const { collector } = setupLimited();
    await collector.collectNow();
    const labels = collector.latest!.families[0].samples[0].labels;
    expect(labels.ecs_taskdef_name).toBeUndefined();
    expect(labels.cluster).toBe('default');
    expect(collector.latestTask?.Family).toBeUndefined();
  });
});

test('a failed request is reported only once the other request of the collection has finished too', async () => {
  let finishStats: (stats: TaskStats) => void = () => {};
  const client = {
    fetchTask: async (): Promise<TaskMetadata> => { throw new Error('metadata /task: HTTP 500 after 3 attempts'); },
    fetchTaskStats: () => new Promise<TaskStats>((resolve) => { finishStats = resolve; }),
  };
  const logger = createLogger({ level: 'error', write: () => {} });
  const selfMetrics = new SelfMetrics({ defaultMetrics: false });
  const collector = new Collector({ client, selfMetrics, logger, intervalMs: 15_000, scheduler: new ManualScheduler() });
  let failures = 0;
  collector.onCollectionFailure(() => { failures++; });
  const done = collector.collectNow();
  await flush();
  // /task/stats is still in flight (its attempts not all counted yet): nothing is reported.
  expect(failures).toBe(0);
  finishStats(shape.stats as TaskStats);
  expect(await done).toBe(false);
  expect(failures).toBe(1);
});

test('the parsed documents are garbage once read: a collection does not hold them while its listeners run', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  let parsedStats: WeakRef<object> | undefined;
  const client = {
    fetchTask: async () => structuredClone(shape.task) as TaskMetadata,
    fetchTaskStats: async () => {
      const document = structuredClone(shape.stats) as TaskStats;
      parsedStats = new WeakRef(document);
      return document;
    },
  };
  const logger = createLogger({ level: 'error', write: () => {} });
  const selfMetrics = new SelfMetrics({ defaultMetrics: false });
  const collector = new Collector({ client, selfMetrics, logger, intervalMs: 15_000, scheduler: new ManualScheduler() });
  let releaseListener: (() => void) | undefined;
  collector.onCollection(() => new Promise<void>((resolve) => { releaseListener = resolve; }));
  const done = collector.collectNow();
  await flush();
  // The listener (the served exposition's render, Active mode's queueing) is running.
  expect(releaseListener).toBeDefined();
  gc();
  // Held across the collection's later awaits, ~2 MB of parsed objects per 200 containers would
  // survive young-generation GCs into the old generation.
  expect(parsedStats?.deref()).toBeUndefined();
  releaseListener!();
  expect(await done).toBe(true);
});

test('the simulated Fargate task, whose ClockDrift moves with every answer: its task is read once, its stats every collection', async () => {
  let now = Date.now();
  const task = await startSimulatedTask({ shape: 'fargate-v1', containers: 2, now: () => now });
  const client = new MetadataClient({ baseUrl: task.metadataUri });
  const logger = createLogger({ level: 'error', write: () => {} });
  const selfMetrics = new SelfMetrics({ defaultMetrics: false });
  const collector = new Collector({ client, selfMetrics, logger, intervalMs: 15_000, scheduler: new ManualScheduler(), now: () => now });
  try {
    expect(await collector.collectNow()).toBe(true);
    const first = collector.latest!;
    now += 1_003;
    expect(await collector.collectNow()).toBe(true);
    const second = collector.latest!;
    expect(task.requests['/task']).toBe(2);
    expect(second.task).toBe(first.task);
    const cpu = (c: typeof first) => c.families.find((f) => f.name === 'container_cpu_usage_seconds_total')!.samples[0].value;
    expect(cpu(second)).toBeGreaterThan(cpu(first));
  } finally {
    await client.close();
    await task.stop();
  }
});
