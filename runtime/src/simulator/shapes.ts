/**
 * Builders of `/task` and `/task/stats` responses in the recorded ECS shapes (the same field names
 * as the fixtures under runtime/test/fixtures; a test compares their structure), with counters that
 * are a pure function of elapsed time so tests know exactly what rate they should observe.
 */
import type { ContainerHealth, ContainerMetadata, ContainerNetworkMetadata, ContainerStats, TaskMetadata, TaskStats } from '../metadata/types';

/** A document as the endpoint sends it: the fields the exporter reads, and others it never looks at. */
type Sent<T> = T & { readonly [field: string]: unknown };

/**
 * - `fargate-v1`: Fargate, awsvpc (`eth1`, the same task-wide counters under every container),
 *   cgroup v1, plus a stopped container whose stats are `null`.
 * - `ec2-bridge-v2`: EC2, bridge (`eth0` per container), cgroup v2, plus a stopped container `{}`.
 * - `ec2-host-v2`: EC2, host networking (no network stats), cgroup v2.
 */
export type SimulatedShape = 'fargate-v1' | 'ec2-bridge-v2' | 'ec2-host-v2';
export const SIMULATED_SHAPES: readonly SimulatedShape[] = ['fargate-v1', 'ec2-bridge-v2', 'ec2-host-v2'];

export interface ShapeOptions {
  readonly shape: SimulatedShape;
  /** Running containers (the stopped one is extra). */
  readonly containers: number;
  /** CPU each running container burns, in cores: total_usage grows by this x 1e9 ns per second. */
  readonly cpuCores: number;
  /** Bytes per second received (and half of it transmitted) per network namespace. */
  readonly networkBytesPerSecond: number;
  /** Add the stopped container (null / {} stats). */
  readonly includeStopped: boolean;
}

const MiB = 1024 * 1024;
const TASK_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const ACCOUNT = '111122223333';

interface Region {
  readonly region: string;
  readonly az: string;
}

const FARGATE: Region = { region: 'us-west-2', az: 'us-west-2a' };
const EC2: Region = { region: 'eu-west-1', az: 'eu-west-1b' };

export function containerName(index: number): string {
  return `app-${index}`;
}

function dockerId(shape: SimulatedShape, index: number): string {
  // Fargate ids are `<task id>-<number>`; EC2 ids are 64 hex digits.
  if (shape === 'fargate-v1') return `${TASK_ID}-${String(1000000000 + index)}`;
  return (index.toString(16).padStart(8, '0') + 'c0ffee').repeat(5).slice(0, 64);
}

const STOPPED_INDEX = 999;

/** `/task` for the shape. Independent of time except through `startedAtMs` (the server moves `ClockDrift`: `taskAt`). */
export function buildTask(options: ShapeOptions, startedAtMs: number): Sent<TaskMetadata> {
  const fargate = options.shape === 'fargate-v1';
  const where = fargate ? FARGATE : EC2;
  const cluster = fargate ? `arn:aws:ecs:${where.region}:${ACCOUNT}:cluster/sim-cluster` : 'sim-cluster';
  const taskArn = `arn:aws:ecs:${where.region}:${ACCOUNT}:task/sim-cluster/${TASK_ID}`;
  const networkMode = fargate ? 'awsvpc' : options.shape === 'ec2-bridge-v2' ? 'bridge' : 'host';
  const started = new Date(startedAtMs).toISOString();

  const network = (index: number): Sent<ContainerNetworkMetadata> =>
    fargate
      ? { NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.2.106'], MACAddress: '0a:de:f6:10:51:19', IPv4SubnetCIDRBlock: '10.0.2.0/24', PrivateDNSName: 'ip-10-0-2-106.us-west-2.compute.internal' }
      : { NetworkMode: networkMode, IPv4Addresses: networkMode === 'bridge' ? [`172.17.0.${(index % 250) + 2}`] : [] };
  const container = (index: number, running: boolean): Sent<ContainerMetadata> => {
    const name = running ? containerName(index) : 'init';
    return {
      DockerId: dockerId(options.shape, index),
      Name: name,
      DockerName: fargate ? name : `ecs-sim-1-${name}-a1b2c3d4e5f6`,
      Image: `public.ecr.aws/sim/${running ? 'app' : 'init'}:1.0.${index % 10}`,
      ImageID: 'sha256:' + 'ab'.repeat(32),
      Labels: {
        'com.amazonaws.ecs.cluster': cluster,
        'com.amazonaws.ecs.container-name': name,
        'com.amazonaws.ecs.task-arn': taskArn,
        'com.amazonaws.ecs.task-definition-family': 'sim',
        'com.amazonaws.ecs.task-definition-version': '1',
      },
      DesiredStatus: running ? 'RUNNING' : 'STOPPED',
      KnownStatus: running ? 'RUNNING' : 'STOPPED',
      // Running containers carry a health check (ECS reports `Health` only for those that have one).
      ...(running ? { Health: health(started) } : { ExitCode: 0, FinishedAt: started }),
      Limits: { CPU: 256, Memory: 512 },
      CreatedAt: started,
      StartedAt: started,
      Type: 'NORMAL',
      ...(options.shape === 'ec2-bridge-v2' ? { RestartCount: 0 } : {}),
      Networks: [network(index)],
    };
  };

  const containers = Array.from({ length: options.containers }, (_, i) => container(i, true));
  if (options.includeStopped) containers.push(container(STOPPED_INDEX, false));

  return {
    Cluster: cluster,
    TaskARN: taskArn,
    Family: 'sim',
    Revision: '1',
    DesiredStatus: 'RUNNING',
    KnownStatus: 'RUNNING',
    AvailabilityZone: where.az,
    LaunchType: fargate ? 'FARGATE' : 'EC2',
    ...(fargate ? fargateTaskFields(options.containers, startedAtMs) : {}),
    ...(options.shape === 'ec2-bridge-v2' ? { ServiceName: 'sim-svc', VPCID: 'vpc-0123456789abcdef0' } : {}),
    Containers: containers,
  };
}

function health(since: string): Sent<ContainerHealth> {
  return { status: 'HEALTHY', statusSince: since };
}

/**
 * Fargate tasks always have a task size (0.25 vCPU / 512 MiB per simulated container here),
 * ephemeral storage and the clock's drift (which the server sets per request: `taskAt`).
 */
function fargateTaskFields(containers: number, startedAtMs: number): Sent<Partial<TaskMetadata>> {
  return {
    Limits: { CPU: Math.max(0.25, containers * 0.25), Memory: Math.max(512, containers * 512) },
    EphemeralStorageMetrics: { Utilized: 261, Reserved: 20496 },
    ClockDrift: clockDriftAt(startedAtMs),
  };
}

/**
 * `/task` as served at `nowMs`: the agent reports the clock's error bound as it is at each request
 * (and the time of the last synchronisation), so the bytes of two answers differ there even when the
 * task did not change.
 */
export function taskAt(task: Sent<TaskMetadata>, nowMs: number): Sent<TaskMetadata> {
  return 'ClockDrift' in task ? { ...task, ClockDrift: clockDriftAt(nowMs) } : task;
}

function clockDriftAt(nowMs: number): Record<string, unknown> {
  return {
    // Between 0.3 and 0.8 ms, moving every millisecond; synchronised every 16 s.
    ClockErrorBound: 0.3 + (nowMs % 500) / 1000,
    ReferenceTimestamp: new Date(nowMs - (nowMs % 16_000)).toISOString().replace('.000Z', 'Z'),
    ClockSynchronizationStatus: 'SYNCHRONIZED',
  };
}

/** `/task/stats` at `nowMs`, `elapsedSeconds` after the simulated task started. */
export function buildStats(options: ShapeOptions, nowMs: number, elapsedSeconds: number): TaskStats {
  const read = new Date(nowMs).toISOString();
  const preread = new Date(nowMs - 1000).toISOString();
  const out: Record<string, ContainerStats | null> = {};
  for (let i = 0; i < options.containers; i++) {
    out[dockerId(options.shape, i)] = containerStats(options, i, elapsedSeconds, read, preread);
  }
  if (options.includeStopped) out[dockerId(options.shape, STOPPED_INDEX)] = options.shape === 'fargate-v1' ? null : ({} as ContainerStats);
  return out;
}

function containerStats(options: ShapeOptions, index: number, elapsed: number, read: string, preread: string): ContainerStats {
  const v1 = options.shape === 'fargate-v1';
  const cpuNs = Math.round(options.cpuCores * elapsed * 1e9);
  const cpuUsage = { total_usage: cpuNs, usage_in_usermode: Math.round(cpuNs * 0.8), usage_in_kernelmode: cpuNs - Math.round(cpuNs * 0.8) };
  // Memory: fixed per container so exact values are easy to assert: usage 100 MiB + index MiB,
  // inactive file 20 MiB, so working set = 80 MiB + index MiB.
  const usage = 100 * MiB + index * MiB;
  const memoryStats: Record<string, number> = v1
    ? {
      cache: 30 * MiB,
      rss: 60 * MiB,
      inactive_file: 20 * MiB,
      total_cache: 30 * MiB,
      total_rss: 60 * MiB,
      total_inactive_file: 20 * MiB,
      total_active_file: 10 * MiB,
      hierarchical_memory_limit: 512 * MiB,
    }
    : { anon: 60 * MiB, file: 30 * MiB, inactive_file: 20 * MiB, active_file: 10 * MiB, kernel_stack: 49152, slab: 524288 };
  const rx = Math.round(options.networkBytesPerSecond * elapsed);
  // awsvpc: every container reports the same namespace counters; bridge: each its own (scaled by index+1).
  const scale = options.shape === 'ec2-bridge-v2' ? index + 1 : 1;
  const networks = {
    rx_bytes: rx * scale,
    rx_packets: Math.round(rx / 1000) * scale,
    rx_errors: 0,
    rx_dropped: 0,
    tx_bytes: Math.round(rx / 2) * scale,
    tx_packets: Math.round(rx / 2000) * scale,
    tx_errors: 0,
    tx_dropped: 0,
  };
  const blkio = blkioStats(v1, 4096 * Math.round(elapsed * 10));
  return {
    read,
    preread,
    pids_stats: { current: 5 },
    blkio_stats: blkio,
    cpu_stats: { cpu_usage: cpuUsage, system_cpu_usage: Math.round(elapsed * 2e9), online_cpus: 2 },
    memory_stats: { usage, ...(v1 ? { max_usage: usage + 10 * MiB } : {}), stats: memoryStats, limit: v1 ? 512 * MiB : 9223372036854771712 },
    ...(options.shape === 'ec2-host-v2' ? {} : { networks: { [v1 ? 'eth1' : 'eth0']: networks } }),
    ...(v1 ? { network_rate_stats: { rx_bytes_per_sec: options.networkBytesPerSecond, tx_bytes_per_sec: options.networkBytesPerSecond / 2 } } : {}),
  } as ContainerStats;
}

/** Block I/O as docker reports it: capitalised ops on cgroup v1, lower-case (and no op counts) on v2. */
function blkioStats(v1: boolean, blkRead: number): Record<string, unknown> {
  return v1
    ? {
      io_service_bytes_recursive: [
        { major: 259, minor: 0, op: 'Read', value: blkRead },
        { major: 259, minor: 0, op: 'Write', value: blkRead / 2 },
        { major: 259, minor: 0, op: 'Total', value: blkRead * 1.5 },
      ],
      io_serviced_recursive: [
        { major: 259, minor: 0, op: 'Read', value: blkRead / 4096 },
        { major: 259, minor: 0, op: 'Write', value: blkRead / 8192 },
      ],
    }
    : {
      io_service_bytes_recursive: [
        { major: 259, minor: 0, op: 'read', value: blkRead },
        { major: 259, minor: 0, op: 'write', value: blkRead / 2 },
      ],
      io_serviced_recursive: null,
    };
}
