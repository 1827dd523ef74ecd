import { collect, loadShape, seriesOf, valuesBy } from './fixtures';
import { clusterName } from '../src/core/task-identity';
import { METRIC_CATALOG, allowedLabels } from '../src/metrics/catalog';

const MiB = 1024 * 1024;

describe('Fargate, awsvpc, cgroup v1 (recorded shape)', () => {
  const shape = loadShape('fargate-awsvpc-cgroupv1');
  const { families, networkLayout, runningContainers, stoppedContainers } = collect(shape.task, shape.stats);

  test('every sample has the same fields (stats series with a timestamp, metadata series without): one object shape for the interpreted renderer', () => {
    const shapes = new Set(families.flatMap((family) => family.samples.map((sample) => Object.keys(sample).join(','))));
    expect([...shapes]).toEqual(['labels,value,timestampMs']);
    const stamped = (name: string) => families.find((f) => f.name === name)!.samples[0].timestampMs;
    expect(stamped('container_cpu_usage_seconds_total')).toEqual(expect.any(Number));
    expect(stamped('ecs_container_exit_code')).toBeUndefined();
  });

  test('the stopped container (stats null) has no stats series, only its exit code', () => {
    expect(runningContainers).toBe(2);
    expect(stoppedContainers).toBe(1);
    for (const family of families) {
      if (family.name === 'ecs_container_exit_code') continue;
      for (const sample of family.samples) expect(sample.labels.container).not.toBe('db-migrate');
    }
    expect(valuesBy(families, 'ecs_container_exit_code', 'container')).toEqual({ 'db-migrate': 0 });
  });

  test('labels come from the metadata: cluster name from the ARN, task id from the task ARN', () => {
    const cpu = families.find((f) => f.name === 'container_cpu_usage_seconds_total')!;
    expect(cpu.samples[0].labels).toEqual({
      container: 'app',
      image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/checkout:1.4.2',
      cluster: 'prod-cluster',
      task_id: '5d0ba9c3b57f4c41a0bd9c8cfa0b3f2e',
      ecs_taskdef_name: 'checkout',
      ecs_taskdef_version: '7',
      availability_zone: 'us-west-2a',
      launch_type: 'FARGATE',
    });
  });

  test('CPU counters are cumulative seconds with the stats read time as timestamp', () => {
    expect(valuesBy(families, 'container_cpu_usage_seconds_total', 'container')).toEqual({ 'app': 12.3456789, 'asserts-sidecar': 2.5 });
    expect(valuesBy(families, 'container_cpu_user_seconds_total', 'container')).toEqual({ 'app': 10.98, 'asserts-sidecar': 2 });
    expect(valuesBy(families, 'container_cpu_system_seconds_total', 'container')).toEqual({ 'app': 1.23, 'asserts-sidecar': 0.5 });
    const cpu = families.find((f) => f.name === 'container_cpu_usage_seconds_total')!;
    expect(cpu.type).toBe('counter');
    expect(cpu.samples[0].timestampMs).toBe(Date.parse('2024-05-02T10:05:00.123Z'));
  });

  test('cgroup v1 memory: working set = usage - total_inactive_file; rss and cache from total_*', () => {
    expect(valuesBy(families, 'container_memory_usage_bytes', 'container')).toEqual({ 'app': 100 * MiB, 'asserts-sidecar': 50 * MiB });
    expect(valuesBy(families, 'container_memory_working_set_bytes', 'container')).toEqual({ 'app': 80 * MiB, 'asserts-sidecar': 46 * MiB });
    expect(valuesBy(families, 'container_memory_rss', 'container')).toEqual({ 'app': 60 * MiB, 'asserts-sidecar': 40 * MiB });
    expect(valuesBy(families, 'container_memory_cache', 'container')).toEqual({ 'app': 30 * MiB, 'asserts-sidecar': 8 * MiB });
    expect(valuesBy(families, 'container_memory_max_usage_bytes', 'container')).toEqual({ 'app': 150 * MiB, 'asserts-sidecar': 60 * MiB });
  });

  test('memory limit comes from the container metadata, not memory_stats.limit', () => {
    expect(valuesBy(families, 'container_spec_memory_limit_bytes', 'container')).toEqual({ 'app': 512 * MiB, 'asserts-sidecar': 128 * MiB });
    expect(valuesBy(families, 'container_spec_cpu_shares', 'container')).toEqual({ 'app': 256, 'asserts-sidecar': 64 });
  });

  test('awsvpc network counters are counted once per task, from the freshest read', () => {
    expect(networkLayout).toBe('awsvpc');
    const taskLabels = 'availability_zone=us-west-2a,cluster=prod-cluster,ecs_taskdef_name=checkout,ecs_taskdef_version=7,interface=eth1,launch_type=FARGATE,task_id=5d0ba9c3b57f4c41a0bd9c8cfa0b3f2e';
    expect(seriesOf(families, 'container_network_receive_bytes_total')).toEqual({ [taskLabels]: 5000100 });
    expect(seriesOf(families, 'container_network_transmit_bytes_total')).toEqual({ [taskLabels]: 3000200 });
    expect(seriesOf(families, 'container_network_receive_packets_total')).toEqual({ [taskLabels]: 4001 });
    expect(seriesOf(families, 'container_network_transmit_packets_total')).toEqual({ [taskLabels]: 3502 });
    expect(seriesOf(families, 'container_network_receive_errors_total')).toEqual({ [taskLabels]: 1 });
    expect(seriesOf(families, 'container_network_transmit_errors_total')).toEqual({ [taskLabels]: 0 });
    expect(seriesOf(families, 'container_network_receive_packets_dropped_total')).toEqual({ [taskLabels]: 2 });
    expect(seriesOf(families, 'container_network_transmit_packets_dropped_total')).toEqual({ [taskLabels]: 3 });
  });

  test('the freshest read is the network source even when an older read is stamped with the collection time', () => {
    const stats = structuredClone(shape.stats) as Record<string, { read: string; networks: { eth1: { rx_bytes: number } } }>;
    const [older, fresher] = ['5d0ba9c3b57f4c41a0bd9c8cfa0b3f2e-1111111111', '5d0ba9c3b57f4c41a0bd9c8cfa0b3f2e-2222222222'];
    const freshMs = Date.parse(stats[fresher].read);
    // Ten minutes old: its samples carry the collection time, which is later than the fresher read.
    stats[older].read = new Date(freshMs - 10 * 60_000).toISOString();
    stats[older].networks.eth1.rx_bytes = 1;
    const result = collect(shape.task, stats, { collectedAtMs: freshMs + 1000 });
    expect(result.timestampsReplaced).toEqual({ too_old: expect.any(Number) });
    expect(Object.values(seriesOf(result.families, 'container_network_receive_bytes_total'))).toEqual([5000100]);
  });

  test('cgroup v1 block I/O uses the capitalised Read/Write ops and ignores Sync/Async/Total', () => {
    expect(seriesOf(families, 'container_fs_reads_bytes_total')).toEqual({
      'availability_zone=us-west-2a,cluster=prod-cluster,container=app,device=259:0,ecs_taskdef_name=checkout,ecs_taskdef_version=7,image=111122223333.dkr.ecr.us-west-2.amazonaws.com/checkout:1.4.2,launch_type=FARGATE,task_id=5d0ba9c3b57f4c41a0bd9c8cfa0b3f2e': 1048576,
    });
    expect(valuesBy(families, 'container_fs_writes_bytes_total', 'container')).toEqual({ app: 4096 });
    expect(valuesBy(families, 'container_fs_reads_total', 'container')).toEqual({ app: 40 });
    expect(valuesBy(families, 'container_fs_writes_total', 'container')).toEqual({ app: 2 });
  });

  test('task limits and Fargate ephemeral storage', () => {
    expect(valuesBy(families, 'ecs_task_cpu_limit_vcpus', 'task_id')).toEqual({ '5d0ba9c3b57f4c41a0bd9c8cfa0b3f2e': 0.5 });
    expect(valuesBy(families, 'ecs_task_memory_limit_bytes', 'task_id')).toEqual({ '5d0ba9c3b57f4c41a0bd9c8cfa0b3f2e': 1024 * MiB });
    expect(valuesBy(families, 'ecs_task_ephemeral_storage_utilized_bytes', 'task_id')).toEqual({ '5d0ba9c3b57f4c41a0bd9c8cfa0b3f2e': 261 * MiB });
    expect(valuesBy(families, 'ecs_task_ephemeral_storage_reserved_bytes', 'task_id')).toEqual({ '5d0ba9c3b57f4c41a0bd9c8cfa0b3f2e': 20496 * MiB });
  });

  test('start time from StartedAt; no restart series without RestartCount', () => {
    expect(valuesBy(families, 'container_start_time_seconds', 'container')).toEqual({ 'app': Date.parse('2024-05-02T10:00:11Z') / 1000, 'asserts-sidecar': Date.parse('2024-05-02T10:00:11.5Z') / 1000 });
    expect(seriesOf(families, 'ecs_container_restarts_total')).toEqual({});
  });
});

describe('EC2, bridge, cgroup v2 (recorded shape)', () => {
  const shape = loadShape('ec2-bridge-cgroupv2');
  const { families, networkLayout, runningContainers, stoppedContainers } = collect(shape.task, shape.stats);

  test('the stopped container (stats {}) is skipped without error', () => {
    expect(runningContainers).toBe(2);
    expect(stoppedContainers).toBe(1);
    expect(Object.keys(valuesBy(families, 'container_memory_usage_bytes', 'container'))).toEqual(['nginx', 'worker']);
  });

  test('cluster short name, no task-level limits', () => {
    expect(families.find((f) => f.name === 'container_cpu_usage_seconds_total')!.samples[0].labels.cluster).toBe('default');
    expect(seriesOf(families, 'ecs_task_memory_limit_bytes')).toEqual({});
    expect(seriesOf(families, 'ecs_task_ephemeral_storage_utilized_bytes')).toEqual({});
  });

  test('cgroup v2 memory: working set = usage - inactive_file, floored at 0; rss = anon, cache = file; no max_usage', () => {
    expect(valuesBy(families, 'container_memory_working_set_bytes', 'container')).toEqual({ nginx: 20 * MiB - 7 * MiB, worker: 0 });
    expect(valuesBy(families, 'container_memory_rss', 'container')).toEqual({ nginx: 8 * MiB, worker: 2 * MiB });
    expect(valuesBy(families, 'container_memory_cache', 'container')).toEqual({ nginx: 11 * MiB, worker: 1 * MiB });
    expect(seriesOf(families, 'container_memory_max_usage_bytes')).toEqual({});
  });

  test('a container without a memory limit in metadata and no task limit has no limit series (never 2^63)', () => {
    expect(valuesBy(families, 'container_spec_memory_limit_bytes', 'container')).toEqual({ nginx: 256 * MiB });
  });

  test('bridge network counters are per container', () => {
    expect(networkLayout).toBe('bridge');
    expect(valuesBy(families, 'container_network_receive_bytes_total', 'container')).toEqual({ nginx: 7000, worker: 100 });
    expect(valuesBy(families, 'container_network_transmit_bytes_total', 'container')).toEqual({ nginx: 9000, worker: 200 });
    expect(valuesBy(families, 'container_network_transmit_packets_total', 'container')).toEqual({ nginx: 90, worker: 2 });
    expect(families.find((f) => f.name === 'container_network_receive_bytes_total')!.samples.every((s) => s.labels.interface === 'eth0')).toBe(true);
  });

  test('cgroup v2 block I/O uses lower-case ops, per device; io_serviced_recursive null gives no op counters', () => {
    const reads = families.find((f) => f.name === 'container_fs_reads_bytes_total')!.samples.map((s) => [s.labels.container, s.labels.device, s.value]);
    expect(reads).toEqual([['nginx', '259:0', 2097152], ['nginx', '259:1', 1024], ['worker', '259:0', 0]]);
    expect(valuesBy(families, 'container_fs_writes_bytes_total', 'container')).toEqual({ nginx: 0, worker: 65536 });
    expect(seriesOf(families, 'container_fs_reads_total')).toEqual({});
  });

  test('restart count is a counter per container', () => {
    expect(valuesBy(families, 'ecs_container_restarts_total', 'container')).toEqual({ nginx: 2, worker: 0 });
  });
});

describe('EC2, host networking (recorded shape)', () => {
  const shape = loadShape('ec2-host-cgroupv2');
  const { families, networkLayout } = collect(shape.task, shape.stats);

  test('host mode emits no network series', () => {
    expect(networkLayout).toBe('host');
    expect(families.filter((f) => f.name.startsWith('container_network_'))).toEqual([]);
  });

  test('host mode still reports CPU and memory', () => {
    expect(valuesBy(families, 'container_cpu_usage_seconds_total', 'container')).toEqual({ agent: 75 });
    expect(valuesBy(families, 'container_memory_working_set_bytes', 'container')).toEqual({ agent: 60 * MiB });
  });

  test('host mode ignores network stats even if the endpoint returned some (they would be the instance counters)', () => {
    const stats = JSON.parse(JSON.stringify(shape.stats));
    const id = Object.keys(stats)[0];
    stats[id].networks = { eth0: { rx_bytes: 1e12, tx_bytes: 1e12 } };
    expect(collect(shape.task, stats).families.filter((f) => f.name.startsWith('container_network_'))).toEqual([]);
  });

  test('block I/O ops are read and write in any case and padding; other ops are left out', () => {
    const stats = JSON.parse(JSON.stringify(shape.stats));
    const id = Object.keys(stats)[0];
    const entry = (op: unknown, value: number) => ({ major: 8, minor: 0, op, value });
    stats[id].blkio_stats = {
      io_service_bytes_recursive: [entry('Read', 1), entry('read', 2), entry(' READ ', 4), entry('Write', 8), entry('wRiTe', 16), entry('Total', 32), entry('Sync', 64), entry(7, 128)],
      io_serviced_recursive: null,
    };
    const withOps = collect(shape.task, stats).families;
    expect(valuesBy(withOps, 'container_fs_reads_bytes_total', 'device')).toEqual({ '8:0': 7 });
    expect(valuesBy(withOps, 'container_fs_writes_bytes_total', 'device')).toEqual({ '8:0': 24 });
  });

  test('block I/O entries of several devices in any order are summed per device, devices sorted', () => {
    const stats = JSON.parse(JSON.stringify(shape.stats));
    const id = Object.keys(stats)[0];
    const entry = (major: number, minor: number, op: string, value: number) => ({ major, minor, op, value });
    stats[id].blkio_stats = {
      io_service_bytes_recursive: [entry(259, 1, 'read', 1), entry(8, 0, 'read', 2), entry(259, 1, 'write', 4), entry(8, 0, 'read', 8), entry(259, 1, 'read', 16), entry(202, 0, 'write', 32)],
      io_serviced_recursive: null,
    };
    const name = (shape.task as { Containers: { DockerId: string; Name: string }[] }).Containers.find((c) => c.DockerId === id)!.Name;
    const withDevices = collect(shape.task, stats).families;
    const perDevice = (metric: string) => withDevices.find((f) => f.name === metric)!.samples
      .filter((sample) => sample.labels.container === name)
      .map((sample) => [sample.labels.device, sample.value]);
    expect(perDevice('container_fs_reads_bytes_total')).toEqual([['259:1', 17], ['8:0', 10]]);
    expect(perDevice('container_fs_writes_bytes_total')).toEqual([['202:0', 32], ['259:1', 4]]);
  });
});

describe('EC2, awsvpc, health checks, pause container (recorded shape)', () => {
  const shape = loadShape('ec2-awsvpc-health-cgroupv2');
  const { families, networkLayout, runningContainers, stoppedContainers } = collect(shape.task, shape.stats);
  const containersIn = (name: string) => new Set(families.find((f) => f.name === name)?.samples.map((s) => s.labels.container));

  test('the agent pause container (~internal~ecs~pause, CNI_PAUSE) is not exported nor counted', () => {
    expect(runningContainers).toBe(2);
    expect(stoppedContainers).toBe(1);
    for (const family of families) {
      for (const sample of family.samples) expect(sample.labels.container ?? '').not.toMatch(/internal/);
    }
  });

  test('health status: one series per status, 1 for the current one, stopped containers included', () => {
    const health = families.find((f) => f.name === 'ecs_container_health_status')!;
    const byContainer: Record<string, Record<string, number>> = {};
    for (const sample of health.samples) (byContainer[sample.labels.container] ??= {})[sample.labels.status] = sample.value;
    expect(byContainer).toEqual({
      web: { healthy: 1, unhealthy: 0, unknown: 0 },
      worker: { healthy: 0, unhealthy: 1, unknown: 0 },
      migrate: { healthy: 0, unhealthy: 0, unknown: 1 },
    });
    expect(health.type).toBe('gauge');
  });

  test('exit code only for the container that exited, though it has no stats', () => {
    expect(valuesBy(families, 'ecs_container_exit_code', 'container')).toEqual({ migrate: 137 });
    expect(containersIn('container_cpu_usage_seconds_total')).toEqual(new Set(['web', 'worker']));
  });

  test('awsvpc on EC2: network counters once per task, from the freshest application container', () => {
    expect(networkLayout).toBe('awsvpc');
    expect(seriesOf(families, 'container_network_receive_bytes_total')).toEqual({
      'availability_zone=eu-west-1a,cluster=default,ecs_taskdef_name=shop,ecs_taskdef_version=3,interface=eth0,launch_type=EC2,task_id=a1b2c3d4e5f60718293a4b5c6d7e8f90': 123456,
    });
  });

  test('image pull start and stop times of the task, in seconds', () => {
    expect(valuesBy(families, 'ecs_task_image_pull_start_timestamp_seconds', 'task_id')).toEqual({ a1b2c3d4e5f60718293a4b5c6d7e8f90: Date.parse('2024-07-01T09:00:00.5Z') / 1000 });
    expect(valuesBy(families, 'ecs_task_image_pull_stop_timestamp_seconds', 'task_id')).toEqual({ a1b2c3d4e5f60718293a4b5c6d7e8f90: Date.parse('2024-07-01T09:00:03.25Z') / 1000 });
  });

  test('a health status outside the three known ones reads as unknown', () => {
    const task = JSON.parse(JSON.stringify(shape.task));
    task.Containers[1].Health.status = 'STARTING';
    const web = collect(task, shape.stats).families.find((f) => f.name === 'ecs_container_health_status')!.samples.filter((s) => s.labels.container === 'web');
    expect(Object.fromEntries(web.map((s) => [s.labels.status, s.value]))).toEqual({ healthy: 0, unhealthy: 0, unknown: 1 });
  });
});

describe('catalog consistency', () => {
  test('every emitted family is in the catalog with its type and help, and labels within the allowed set', () => {
    for (const name of ['fargate-awsvpc-cgroupv1', 'ec2-bridge-cgroupv2', 'ec2-host-cgroupv2', 'ec2-awsvpc-health-cgroupv2'] as const) {
      const shape = loadShape(name);
      for (const family of collect(shape.task, shape.stats).families) {
        const entry = METRIC_CATALOG.find((e) => e.name === family.name);
        expect(entry).toBeDefined();
        expect(family.type).toBe(entry!.type);
        expect(family.help).toBe(entry!.help);
        for (const sample of family.samples) {
          for (const label of Object.keys(sample.labels)) expect(allowedLabels(entry!)).toContain(label);
        }
      }
    }
  });

  test('counter names end in _total and gauges do not', () => {
    for (const entry of METRIC_CATALOG) expect(entry.name.endsWith('_total')).toBe(entry.type === 'counter');
  });

  test('cluster name is taken from an ARN and kept when short', () => {
    expect(clusterName('arn:aws:ecs:us-east-1:123456789012:cluster/prod')).toBe('prod');
    expect(clusterName('arn:aws-cn:ecs:cn-north-1:123456789012:cluster/a/b')).toBe('a/b');
    expect(clusterName('prod')).toBe('prod');
  });
});
