import { collect, loadShape, valuesBy, type ShapeName } from './fixtures';
import { buildStats, buildTask, SIMULATED_SHAPES, startSimulatedTask, type ShapeOptions, type SimulatedShape } from '../src/simulator';

const RECORDED: Record<SimulatedShape, ShapeName> = {
  'fargate-v1': 'fargate-awsvpc-cgroupv1',
  'ec2-bridge-v2': 'ec2-bridge-cgroupv2',
  'ec2-host-v2': 'ec2-host-cgroupv2',
};

/** Recordings that no simulated shape copies, whose fields a simulated container may still use (e.g. `Health`). */
const OTHER_RECORDINGS: readonly ShapeName[] = ['ec2-awsvpc-health-cgroupv2'];

/** Every key path of the simulated value must exist in the recorded one (the simulator invents no field). */
function unknownPaths(simulated: unknown, recorded: unknown, path = ''): string[] {
  if (simulated === null || typeof simulated !== 'object') return [];
  if (Array.isArray(simulated)) {
    const reference = Array.isArray(recorded) ? recorded[0] : undefined;
    return simulated.flatMap((item) => unknownPaths(item, reference, `${path}[]`));
  }
  if (recorded === null || typeof recorded !== 'object' || Array.isArray(recorded)) return [`${path} (not an object in the recording)`];
  const missing: string[] = [];
  for (const [key, value] of Object.entries(simulated)) {
    const isDynamicKey = /^(networks|Labels)$/.test(path.split('.').pop() ?? '');
    if (!isDynamicKey && !(key in recorded)) missing.push(`${path}.${key}`);
    else if (!isDynamicKey) missing.push(...unknownPaths(value, (recorded as Record<string, unknown>)[key], `${path}.${key}`));
  }
  return missing;
}

/** Merge two recordings; `a` wins, except where it has null or nothing and `b` has structure. */
function deepMerge(a: unknown, b: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(a) && a.length > 0) return a;
  if (Array.isArray(b) && (a === null || a === undefined || Array.isArray(a))) return b;
  if (isObject(a) && isObject(b)) {
    const out: Record<string, unknown> = { ...b };
    for (const [key, value] of Object.entries(a)) out[key] = deepMerge(value, b[key]);
    return out;
  }
  return a === null || a === undefined ? b : a;
}

function options(shape: SimulatedShape, containers = 2): ShapeOptions {
  return { shape, containers, cpuCores: 0.5, networkBytesPerSecond: 1000, includeStopped: true };
}

describe('simulated task shapes', () => {
  test.each(SIMULATED_SHAPES)('%s uses only field names of its recorded shape', (shape) => {
    const recorded = loadShape(RECORDED[shape]);
    const task = buildTask(options(shape), Date.UTC(2024, 0, 1));
    const stats = buildStats(options(shape), Date.UTC(2024, 0, 1, 0, 1), 60);
    // Container fields: those of this shape's recording first, then any other recording's
    // (e.g. ExitCode/FinishedAt of a stopped container, which the host recording lacks).
    const containersOf = (name: ShapeName) => (loadShape(name).task as { Containers: object[] }).Containers;
    const others = [...Object.values(RECORDED).filter((name) => name !== RECORDED[shape]), ...OTHER_RECORDINGS].flatMap(containersOf);
    const recordedContainer = [...containersOf(RECORDED[shape]), ...others].reduce(deepMerge, {});
    const statsOf = (name: ShapeName) => Object.values(loadShape(name).stats as Record<string, unknown>).filter((s) => s !== null);
    const otherStats = Object.values(RECORDED).filter((name) => name !== RECORDED[shape]).flatMap(statsOf);
    const recordedStats = [...statsOf(RECORDED[shape]), ...otherStats].reduce(deepMerge, {});
    expect(unknownPaths({ ...task, Containers: undefined }, recorded.task)).toEqual([]);
    for (const container of task.Containers ?? []) expect(unknownPaths(container, recordedContainer)).toEqual([]);
    for (const s of Object.values(stats)) expect(unknownPaths(s, recordedStats)).toEqual([]);
  });

  test('Fargate shape has a stopped container with null stats, EC2 bridge one with {}', () => {
    const fargate = buildStats(options('fargate-v1'), Date.now(), 1);
    expect(Object.values(fargate).filter((s) => s === null)).toHaveLength(1);
    const bridge = buildStats(options('ec2-bridge-v2'), Date.now(), 1);
    expect(Object.values(bridge).filter((s) => s !== null && Object.keys(s).length === 0)).toHaveLength(1);
  });

  test('counters advance exactly at the configured CPU rate', () => {
    const opts = options('fargate-v1');
    const at = (seconds: number) => collect(buildTask(opts, 0), buildStats(opts, seconds * 1000, seconds)).families;
    const before = valuesBy(at(10), 'container_cpu_usage_seconds_total', 'container');
    const after = valuesBy(at(70), 'container_cpu_usage_seconds_total', 'container');
    expect((after['app-0'] - before['app-0']) / 60).toBeCloseTo(0.5, 9);
  });

  test('N containers are configurable (1, 10 and 50 for the benchmark)', () => {
    for (const n of [1, 10, 50]) {
      const opts = { ...options('ec2-bridge-v2', n), includeStopped: false };
      const result = collect(buildTask(opts, 0), buildStats(opts, 1000, 1));
      expect(result.runningContainers).toBe(n);
    }
  });

  test('served over HTTP with a clock the test controls, and a failure switch', async () => {
    let now = Date.UTC(2024, 0, 1);
    const task = await startSimulatedTask({ shape: 'ec2-bridge-v2', containers: 1, cpuCores: 2, now: () => now });
    try {
      const stats = async () => (await (await fetch(`${task.metadataUri}/task/stats`)).json()) as Record<string, { cpu_stats?: { cpu_usage: { total_usage: number } } }>;
      const first = Object.values(await stats())[0]!.cpu_stats!.cpu_usage.total_usage;
      now += 30_000;
      const second = Object.values(await stats())[0]!.cpu_stats!.cpu_usage.total_usage;
      expect(second - first).toBe(60e9);
      task.fail({ status: 503 });
      expect((await fetch(`${task.metadataUri}/task`)).status).toBe(503);
      task.recover();
      expect((await fetch(`${task.metadataUri}/task`)).status).toBe(200);
      expect(task.requests['/task/stats']).toBe(2);
    } finally {
      await task.stop();
    }
  });

  test('Fargate: ClockDrift moves with every answer, as the agent reports it, and the rest of /task does not', async () => {
    let now = Date.UTC(2024, 0, 1, 0, 0, 0, 123);
    const task = await startSimulatedTask({ shape: 'fargate-v1', containers: 2, now: () => now });
    try {
      const body = async () => (await fetch(`${task.metadataUri}/task`)).text();
      const first = await body();
      now += 7;
      const second = await body();
      expect(second).not.toBe(first);
      const [a, b] = [first, second].map((text) => JSON.parse(text) as Record<string, unknown>);
      expect(a.ClockDrift).toEqual({ ClockErrorBound: 0.423, ReferenceTimestamp: '2024-01-01T00:00:00Z', ClockSynchronizationStatus: 'SYNCHRONIZED' });
      expect(b.ClockDrift).toMatchObject({ ClockErrorBound: 0.43 });
      expect({ ...b, ClockDrift: undefined }).toEqual({ ...a, ClockDrift: undefined });
    } finally {
      await task.stop();
    }
  });

  test('bad simulator options are refused with the field named', async () => {
    await expect(startSimulatedTask({ containers: -1 })).rejects.toThrow(/containers must be a non-negative integer/);
  });
});
