import { collect, loadShape } from './fixtures';
import { METADATA_REPROS } from './metadata-repros';
import { readContainer, readContainerStats, readTask, readTaskStats, TaskReader } from '../src/metadata/reader';

function readWithPaths<T>(read: (onInvalid: (path: string) => void) => T): { value: T; invalid: string[] } {
  const invalid: string[] = [];
  const value = read((path) => invalid.push(path));
  return { value, invalid };
}

describe('the metadata reader keeps the recorded shapes whole', () => {
  test.each(['fargate-awsvpc-cgroupv1', 'ec2-bridge-cgroupv2', 'ec2-host-cgroupv2', 'ec2-awsvpc-health-cgroupv2'] as const)('%s: no field is reported invalid', (name) => {
    const shape = loadShape(name);
    expect(readWithPaths((onInvalid) => readTask(shape.task, onInvalid)).invalid).toEqual([]);
    expect(readWithPaths((onInvalid) => readTaskStats(shape.stats, onInvalid)).invalid).toEqual([]);
  });

  test('the fields the exporter uses come through with their values', () => {
    const task = readTask(loadShape('ec2-awsvpc-health-cgroupv2').task);
    expect(task).toMatchObject({ Cluster: 'default', Family: 'shop', Revision: '3', AvailabilityZone: 'eu-west-1a', LaunchType: 'EC2', PullStartedAt: '2024-07-01T09:00:00.5Z' });
    expect(task.Containers?.map((c) => c.Name)).toEqual(['~internal~ecs~pause', 'web', 'worker', 'migrate']);
    expect(task.Containers?.[1].Health).toEqual({ status: 'HEALTHY' });
    expect(task.Containers?.[3].ExitCode).toBe(137);
    expect(task.Containers?.[1].Networks?.[0]).toMatchObject({ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.4.21'] });
  });
});

describe('the collector reads each /task document once', () => {
  test('the same document again (a repeated answer) gives the same task and the same reports; another document is read', () => {
    const reader = new TaskReader();
    const raw = { ...(loadShape('fargate-awsvpc-cgroupv1').task as object), Family: ['checkout'] };
    const first = readWithPaths((onInvalid) => reader.read(raw, onInvalid));
    expect(first.invalid).toEqual(['Family']);
    const again = readWithPaths((onInvalid) => reader.read(raw, onInvalid));
    expect(again.value).toBe(first.value);
    expect(again.invalid).toEqual(['Family']);
    const other = readWithPaths((onInvalid) => reader.read({ ...raw, Family: 'checkout' }, onInvalid));
    expect(other.value).not.toBe(first.value);
    expect(other).toMatchObject({ value: { Family: 'checkout' }, invalid: [] });
  });
});

describe('a field of the wrong type loses that field, never the task', () => {
  test.each(METADATA_REPROS.map((r) => [r.name, r] as const))('%s', (_name, repro) => {
    const { value: task, invalid } = readWithPaths((onInvalid) => readTask(repro.task, onInvalid));
    expect(invalid).toEqual(repro.invalidPath === undefined ? [] : [repro.invalidPath]);
    // Everything else is still there: the task id label and (unless Containers itself was bad) the containers.
    expect(task.TaskARN).toBe('arn:aws:ecs:us-west-2:111122223333:task/prod-cluster/5d0ba9c3b57f4c41a0bd9c8cfa0b3f2e');
    if (repro.invalidPath !== 'Containers') expect(task.Containers?.length).toBeGreaterThanOrEqual(3);
    expect(() => collect(repro.task, repro.stats)).not.toThrow();
  });

  test('Revision as a number becomes the string label value', () => {
    const task = readTask({ Revision: 7 });
    expect(task.Revision).toBe('7');
    const families = collect({ ...(loadShape('fargate-awsvpc-cgroupv1').task as object), Revision: 7 }, loadShape('fargate-awsvpc-cgroupv1').stats).families;
    expect(families[0].samples[0].labels.ecs_taskdef_version).toBe('7');
  });

  test('Containers that is not an array reads as no containers', () => {
    expect(readTask({ Containers: { app: { Name: 'app' } } }).Containers).toEqual([]);
    expect(readTask({ Containers: 'app' }).Containers).toEqual([]);
    expect(readTask({}).Containers).toEqual([]);
  });

  test('null and non-object containers are skipped, the others kept', () => {
    const { value, invalid } = readWithPaths((onInvalid) => readTask({ Containers: [null, 3, 'x', { Name: 'app', DockerId: 'a' }] }, onInvalid));
    expect(value.Containers).toEqual([{ Name: 'app', DockerId: 'a' }]);
    expect(invalid).toEqual(['Containers[0]', 'Containers[1]', 'Containers[2]']);
  });

  test('docker label values that are not strings are left out, the other labels kept', () => {
    const container = readContainer({ Name: 'app', Labels: { a: 'x', PROMETHEUS_EXPORTER_PATH: 8080, b: null, c: { d: 1 }, e: ['f'] } });
    expect(container?.Labels).toEqual({ a: 'x' });
  });

  test('numbers must be finite numbers: numeric strings and booleans are left out', () => {
    const container = readContainer({ Name: 'app', ExitCode: '137', RestartCount: true, Limits: { CPU: 256, Memory: '512' } });
    expect(container).toEqual({ Name: 'app', Limits: { CPU: 256 } });
  });

  test('a Health that is not an object is left out; a status that is not a string too', () => {
    expect(readContainer({ Name: 'a', Health: 'HEALTHY' })).toEqual({ Name: 'a' });
    const { value, invalid } = readWithPaths((onInvalid) => readContainer({ Name: 'a', Health: { status: 1, output: 'ok' } }, onInvalid));
    expect(value?.Health).toEqual({});
    expect(invalid).toEqual(['Health.status']);
  });

  test('only the fields the exporter uses are read: the others are neither copied nor judged', () => {
    const { value, invalid } = readWithPaths((onInvalid) => readContainer({ Name: 'a', DockerName: 7, CreatedAt: {}, Networks: [{ NetworkMode: 'awsvpc', MACAddress: 1 }] }, onInvalid));
    expect(value).toEqual({ Name: 'a', Networks: [{ NetworkMode: 'awsvpc' }] });
    expect(value).not.toHaveProperty('DockerName');
    expect(value).not.toHaveProperty('CreatedAt');
    expect(value?.Networks?.[0]).not.toHaveProperty('MACAddress');
    expect(invalid).toEqual([]);
  });

  test('the sidecar\'s own container document reads like a task container; not an object gives undefined', () => {
    expect(readContainer({ Name: 'asserts-sidecar', DockerId: 'abc', Labels: { x: 'y' } })).toEqual({ Name: 'asserts-sidecar', DockerId: 'abc', Labels: { x: 'y' } });
    expect(readContainer(null)).toBeUndefined();
    expect(readContainer([])).toBeUndefined();
  });

  test('null means absent and is not reported', () => {
    const { invalid } = readWithPaths((onInvalid) => readTask({ Cluster: null, Containers: [{ Name: 'a', ExitCode: null, Labels: null }] }, onInvalid));
    expect(invalid).toEqual([]);
  });
});

describe('stats are typed per container', () => {
  test('null (Fargate) and {} (EC2) stay what they are: not running', () => {
    expect(readTaskStats({ a: null, b: {} })).toEqual({ a: null, b: {} });
  });

  test('stats that are not an object read as null and are reported', () => {
    const { value, invalid } = readWithPaths((onInvalid) => readTaskStats({ a: 5, b: 'x', c: [] }, onInvalid));
    expect(value).toEqual({ a: null, b: null, c: null });
    expect(invalid).toEqual(['a', 'b', 'c']);
  });

  test('a DockerId such as __proto__ stays a key and pollutes nothing', () => {
    const stats = readTaskStats(JSON.parse('{"__proto__": {"read": "x"}, "a": null}'));
    expect(Object.keys(stats)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).read).toBeUndefined();
  });

  test('stats are checked where they were parsed: the same objects come back, a field of the wrong type or null made undefined, unused fields untouched', () => {
    const raw = JSON.parse('{"a": {"read": 5, "memory_stats": {"usage": 10, "limit": "x", "stats": {"cache": null, "rss": 3, "pgfault": "y"}}, "pids_stats": {"current": "z"}}, "b": 4}');
    const memory = raw.a.memory_stats;
    const { value, invalid } = readWithPaths((onInvalid) => readTaskStats(raw, onInvalid));
    expect(value).toBe(raw);
    expect(value.a?.memory_stats).toBe(memory);
    expect(raw).toEqual({ a: { memory_stats: { usage: 10, limit: 'x', stats: { rss: 3, pgfault: 'y' } }, pids_stats: { current: 'z' } }, b: null });
    expect(Object.keys(raw.a)).toContain('read');
    expect(invalid).toEqual(['a.read', 'b']);
  });

  test('memory stats keep finite numbers only; interfaces and blkio entries must be objects', () => {
    const { value, invalid } = readWithPaths((onInvalid) => readContainerStats({
      memory_stats: { usage: 10, stats: { anon: 1, file: 'x', inactive_file: 2 } },
      networks: { eth0: { rx_bytes: 5, tx_bytes: '6' }, eth1: 7 },
      blkio_stats: { io_service_bytes_recursive: [{ major: 1, minor: 0, op: 'read', value: 3 }, null, 'x'], io_serviced_recursive: null },
    }, onInvalid, 'id'));
    expect(value).toEqual({
      memory_stats: { usage: 10, stats: { anon: 1, inactive_file: 2 } },
      networks: { eth0: { rx_bytes: 5 } },
      blkio_stats: { io_service_bytes_recursive: [{ major: 1, minor: 0, op: 'read', value: 3 }] },
    });
    expect(invalid).toEqual(['id.memory_stats.stats.file', 'id.networks.eth0.tx_bytes', 'id.networks.eth1', 'id.blkio_stats.io_service_bytes_recursive[2]']);
  });
});
