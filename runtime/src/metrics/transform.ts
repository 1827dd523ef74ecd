/**
 * The heart of the exporter: a pure function from (`/task`, `/task/stats`) to metric families.
 * It reads top to bottom like the catalog: labels, CPU, memory, limits, lifecycle, network, block
 * I/O, task-level. No I/O, no clock, no exceptions: malformed input yields fewer series.
 */
import type { Labels, MetricFamily, Sample } from '../model';
import { METRIC_CATALOG } from './catalog';
import { asArray, asCount, asObject, asText, asTimeMs, dig, type JsonObject } from './readers';

const NANOSECONDS_PER_SECOND = 1e9;
const BYTES_PER_MIB = 1024 * 1024;

/** How the task's containers share the network, which decides where network series go. */
export type NetworkLayout = 'awsvpc' | 'bridge' | 'host';

/** The container metadata the transform resolved, for callers that need it (e.g. task scraping). */
export interface TransformResult {
  readonly families: readonly MetricFamily[];
  readonly networkLayout: NetworkLayout;
  readonly runningContainers: number;
  readonly stoppedContainers: number;
}

/** Build every metric family from one `/task` and one `/task/stats` response. */
export function transformTaskStats(task: unknown, stats: unknown): TransformResult {
  const out = new SampleSink();
  const taskLabels = taskLabelsOf(task);
  const statsById = asObject(stats) ?? {};
  const layout = networkLayoutOf(task);

  const running: RunningContainer[] = [];
  let stopped = 0;
  const seenNames = new Set<string>();
  for (const raw of asArray(dig(task, 'Containers'))) {
    const container = asObject(raw);
    const name = asText(container?.Name);
    const dockerId = asText(container?.DockerId);
    if (container === undefined || name === undefined || dockerId === undefined || seenNames.has(name)) continue;
    seenNames.add(name);
    const containerStats = asObject(statsById[dockerId]);
    // Not running: `null` on Fargate, `{}` on EC2 (or missing). Skipped without error.
    if (containerStats === undefined || (asObject(containerStats.cpu_stats) === undefined && asObject(containerStats.memory_stats) === undefined)) {
      stopped++;
      continue;
    }
    const labels = withoutEmpty({ container: name, image: asText(container.Image), ...taskLabels });
    running.push({ metadata: container, stats: containerStats, labels, readMs: asTimeMs(containerStats.read) });
  }

  for (const c of running) {
    addCpu(out, c);
    addMemory(out, c);
    addLimits(out, c, task);
    addLifecycle(out, c);
    addBlockIo(out, c);
    if (layout === 'bridge') addNetwork(out, c.stats, c.labels, c.readMs);
  }
  if (layout === 'awsvpc') addTaskNetwork(out, running, taskLabels);
  addTaskLevel(out, task, taskLabels);

  return { families: out.families(), networkLayout: layout, runningContainers: running.length, stoppedContainers: stopped };
}

interface RunningContainer {
  readonly metadata: JsonObject;
  readonly stats: JsonObject;
  readonly labels: Labels;
  readonly readMs?: number;
}

// ---------------------------------------------------------------- labels

/** The labels the metadata alone gives; values left out when empty. */
export function taskLabelsOf(task: unknown): Labels {
  const taskArn = asText(dig(task, 'TaskARN'));
  return withoutEmpty({
    cluster: clusterName(asText(dig(task, 'Cluster'))),
    task_id: taskArn?.split('/').pop(),
    ecs_taskdef_name: asText(dig(task, 'Family')),
    ecs_taskdef_version: asText(dig(task, 'Revision')),
    availability_zone: asText(dig(task, 'AvailabilityZone')),
    launch_type: asText(dig(task, 'LaunchType')),
  });
}

/** `arn:aws:ecs:us-east-1:123:cluster/prod` (Fargate) and `prod` (EC2) both give `prod`. */
export function clusterName(cluster: string | undefined): string | undefined {
  if (cluster === undefined) return undefined;
  const match = /^arn:[^:]+:ecs:[^:]*:[^:]*:cluster\/(.+)$/.exec(cluster);
  return match ? match[1] : cluster;
}

function withoutEmpty(labels: Record<string, string | undefined>): Labels {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

// ---------------------------------------------------------------- CPU

function addCpu(out: SampleSink, c: RunningContainer): void {
  const usage = dig(c.stats, 'cpu_stats', 'cpu_usage');
  out.add('container_cpu_usage_seconds_total', c.labels, seconds(dig(usage, 'total_usage')), c.readMs);
  out.add('container_cpu_user_seconds_total', c.labels, seconds(dig(usage, 'usage_in_usermode')), c.readMs);
  out.add('container_cpu_system_seconds_total', c.labels, seconds(dig(usage, 'usage_in_kernelmode')), c.readMs);
}

function seconds(nanoseconds: unknown): number | undefined {
  const ns = asCount(nanoseconds);
  return ns === undefined ? undefined : ns / NANOSECONDS_PER_SECOND;
}

// ---------------------------------------------------------------- memory

function addMemory(out: SampleSink, c: RunningContainer): void {
  const memory = asObject(c.stats.memory_stats);
  if (memory === undefined) return;
  const stats = asObject(memory.stats) ?? {};
  // cgroup v1 reports `cache`/`total_*` fields; v2 reports `anon`/`file` instead.
  const isCgroupV1 = 'cache' in stats || 'total_inactive_file' in stats || 'total_rss' in stats;
  const usage = asCount(memory.usage);
  const inactiveFile = isCgroupV1 ? asCount(stats.total_inactive_file) ?? asCount(stats.inactive_file) : asCount(stats.inactive_file);

  out.add('container_memory_usage_bytes', c.labels, usage, c.readMs);
  // What kubelet/cAdvisor call the working set; without inactive_file it is the usage itself.
  const workingSet = usage === undefined ? undefined : Math.max(0, usage - (inactiveFile ?? 0));
  out.add('container_memory_working_set_bytes', c.labels, workingSet, c.readMs);
  out.add('container_memory_rss', c.labels, isCgroupV1 ? asCount(stats.total_rss) ?? asCount(stats.rss) : asCount(stats.anon), c.readMs);
  out.add('container_memory_cache', c.labels, isCgroupV1 ? asCount(stats.total_cache) ?? asCount(stats.cache) : asCount(stats.file), c.readMs);
  out.add('container_memory_max_usage_bytes', c.labels, asCount(memory.max_usage), c.readMs);
}

// ---------------------------------------------------------------- limits and lifecycle (metadata)

function addLimits(out: SampleSink, c: RunningContainer, task: unknown): void {
  // memory_stats.limit is ~2^63 without a hard limit, so limits come from the metadata only.
  const containerMiB = positive(dig(c.metadata, 'Limits', 'Memory'));
  const taskMiB = positive(dig(task, 'Limits', 'Memory'));
  const limitMiB = containerMiB ?? taskMiB;
  out.add('container_spec_memory_limit_bytes', c.labels, limitMiB === undefined ? undefined : limitMiB * BYTES_PER_MIB);
  out.add('container_spec_cpu_shares', c.labels, positive(dig(c.metadata, 'Limits', 'CPU')));
}

function addLifecycle(out: SampleSink, c: RunningContainer): void {
  const startedMs = asTimeMs(c.metadata.StartedAt);
  out.add('container_start_time_seconds', c.labels, startedMs === undefined ? undefined : startedMs / 1000);
  out.add('ecs_container_restarts_total', c.labels, asCount(c.metadata.RestartCount));
}

function positive(value: unknown): number | undefined {
  const n = asCount(value);
  return n !== undefined && n > 0 ? n : undefined;
}

// ---------------------------------------------------------------- network

/**
 * awsvpc (every Fargate task): all containers share one namespace and each container's stats repeat
 * the same task-wide counters, so they are emitted ONCE per task, without `container`/`image`
 * (like cAdvisor's pod-level network series). Bridge: each container has its own namespace, so
 * per container. Host: the counters would be the instance's, so none.
 */
export function networkLayoutOf(task: unknown): NetworkLayout {
  const modes = new Set<string>();
  for (const container of asArray(dig(task, 'Containers'))) {
    for (const network of asArray(dig(container, 'Networks'))) {
      const mode = asText(dig(network, 'NetworkMode'));
      if (mode !== undefined) modes.add(mode.toLowerCase());
    }
  }
  if (modes.has('awsvpc') || asText(dig(task, 'LaunchType'))?.toUpperCase() === 'FARGATE') return 'awsvpc';
  if (modes.has('host')) return 'host';
  return 'bridge';
}

const NETWORK_FIELDS: readonly (readonly [string, string])[] = [
  ['rx_bytes', 'container_network_receive_bytes_total'],
  ['tx_bytes', 'container_network_transmit_bytes_total'],
  ['rx_packets', 'container_network_receive_packets_total'],
  ['tx_packets', 'container_network_transmit_packets_total'],
  ['rx_errors', 'container_network_receive_errors_total'],
  ['tx_errors', 'container_network_transmit_errors_total'],
  ['rx_dropped', 'container_network_receive_packets_dropped_total'],
  ['tx_dropped', 'container_network_transmit_packets_dropped_total'],
];

function addNetwork(out: SampleSink, stats: JsonObject, labels: Labels, readMs: number | undefined): void {
  const networks = asObject(stats.networks) ?? {};
  for (const interfaceName of Object.keys(networks).sort()) {
    const counters = asObject(networks[interfaceName]);
    if (counters === undefined || interfaceName.trim() === '') continue;
    for (const [field, metric] of NETWORK_FIELDS) {
      out.add(metric, { ...labels, interface: interfaceName }, asCount(counters[field]), readMs);
    }
  }
}

function addTaskNetwork(out: SampleSink, running: readonly RunningContainer[], taskLabels: Labels): void {
  // Every container sees the same namespace; the freshest read is the best view of it.
  let source: RunningContainer | undefined;
  for (const c of running) {
    if (asObject(c.stats.networks) === undefined) continue;
    if (source === undefined || (c.readMs ?? 0) > (source.readMs ?? 0)) source = c;
  }
  if (source !== undefined) addNetwork(out, source.stats, taskLabels, source.readMs);
}

// ---------------------------------------------------------------- block I/O

function addBlockIo(out: SampleSink, c: RunningContainer): void {
  const blkio = asObject(c.stats.blkio_stats);
  if (blkio === undefined) return;
  addBlkioEntries(out, c, blkio.io_service_bytes_recursive, 'container_fs_reads_bytes_total', 'container_fs_writes_bytes_total');
  addBlkioEntries(out, c, blkio.io_serviced_recursive, 'container_fs_reads_total', 'container_fs_writes_total');
}

function addBlkioEntries(out: SampleSink, c: RunningContainer, entries: unknown, readMetric: string, writeMetric: string): void {
  // Ops are `Read`/`Write` on cgroup v1 and `read`/`write` on v2; a device may appear more than once.
  const totals = new Map<string, { read?: number; write?: number }>();
  for (const raw of asArray(entries)) {
    const major = asCount(dig(raw, 'major'));
    const minor = asCount(dig(raw, 'minor'));
    const op = asText(dig(raw, 'op'))?.toLowerCase();
    const value = asCount(dig(raw, 'value'));
    if (major === undefined || minor === undefined || value === undefined || (op !== 'read' && op !== 'write')) continue;
    const device = `${major}:${minor}`;
    const total = totals.get(device) ?? {};
    total[op] = (total[op] ?? 0) + value;
    totals.set(device, total);
  }
  for (const device of [...totals.keys()].sort()) {
    const total = totals.get(device)!;
    out.add(readMetric, { ...c.labels, device }, total.read, c.readMs);
    out.add(writeMetric, { ...c.labels, device }, total.write, c.readMs);
  }
}

// ---------------------------------------------------------------- task level

function addTaskLevel(out: SampleSink, task: unknown, labels: Labels): void {
  out.add('ecs_task_cpu_limit_vcpus', labels, positive(dig(task, 'Limits', 'CPU')));
  const memoryMiB = positive(dig(task, 'Limits', 'Memory'));
  out.add('ecs_task_memory_limit_bytes', labels, memoryMiB === undefined ? undefined : memoryMiB * BYTES_PER_MIB);
  const utilized = asCount(dig(task, 'EphemeralStorageMetrics', 'Utilized'));
  const reserved = asCount(dig(task, 'EphemeralStorageMetrics', 'Reserved'));
  out.add('ecs_task_ephemeral_storage_utilized_bytes', labels, utilized === undefined ? undefined : utilized * BYTES_PER_MIB);
  out.add('ecs_task_ephemeral_storage_reserved_bytes', labels, reserved === undefined ? undefined : reserved * BYTES_PER_MIB);
}

// ---------------------------------------------------------------- assembly

/** Collects samples per catalog family; undefined values are simply not emitted. */
class SampleSink {
  private static readonly known = new Set(METRIC_CATALOG.map((entry) => entry.name));
  private readonly samples = new Map<string, Sample[]>();

  add(name: string, labels: Labels, value: number | undefined, timestampMs?: number): void {
    // A name outside the catalog is a bug in this file, not bad input.
    if (!SampleSink.known.has(name)) throw new Error(`metric ${name} is not in the catalog`);
    if (value === undefined || !Number.isFinite(value)) return;
    const list = this.samples.get(name) ?? [];
    list.push(timestampMs === undefined ? { labels, value } : { labels, value, timestampMs });
    this.samples.set(name, list);
  }

  /** Families in catalog order, only those with samples. */
  families(): MetricFamily[] {
    return METRIC_CATALOG.filter((entry) => this.samples.has(entry.name)).map((entry) => ({
      name: entry.name,
      help: entry.help,
      type: entry.type,
      samples: this.samples.get(entry.name)!,
    }));
  }
}
