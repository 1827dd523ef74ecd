/**
 * The heart of the exporter: a pure function from the typed `/task` and `/task/stats` (as the
 * metadata reader returns them) and the collection time to metric families. It reads top to bottom
 * like the catalog: labels, CPU, memory, limits, lifecycle, state (health, exit code), network,
 * block I/O, task-level. No I/O, no clock, no exceptions: odd values yield fewer series, the series
 * limit and the per-container caps bound the output, and what is left out is counted.
 */
import { clusterName, taskIdOf } from '../core/task-identity';
import type { Labels, MetricFamily } from '../model';
import { LabelSets } from './label-sets';
import { NO_STAMP, stampOf, type Stamp, type TimestampReplaceReason } from './read-time';
import { asCount, asText, asTimeMs } from './readers';
import { DEFAULT_MAX_SERIES, SampleSink, type SeriesDropReason } from './sample-sink';
import type { BlkioEntry, ContainerMetadata, ContainerStats, MemoryDetail, TaskMetadata, TaskStats } from '../metadata/types';

const NANOSECONDS_PER_SECOND = 1e9;
const BYTES_PER_MIB = 1024 * 1024;
/**
 * Per-container caps. Real tasks have one or two interfaces per namespace (eth0 or eth1; awsvpc
 * tasks with extra ENIs a few more) and one block device per mounted volume. 32 and 64 leave wide
 * room for those, while a broken or hostile stats body (20,000 interfaces is 160,000 network
 * series) stays bounded. The first ones by name are kept, so the kept set is stable.
 */
export const MAX_INTERFACES_PER_CONTAINER = 32;
export const MAX_DEVICES_PER_CONTAINER = 64;

/** How the task's containers share the network, which decides where network series go. */
export type NetworkLayout = 'awsvpc' | 'bridge' | 'host';

export interface TransformOptions {
  /** When the collection ran (ms since epoch): the timestamp of samples whose `read` a receiver would refuse. */
  readonly collectedAtMs: number;
  /** `maxSeriesPerCollection`. @default 20000 */
  readonly maxSeries?: number;
  /** Labels objects kept across the collections of one task (the collector passes its own). @default a new one */
  readonly labelSets?: LabelSets;
}

export interface TransformResult {
  readonly families: readonly MetricFamily[];
  readonly networkLayout: NetworkLayout;
  /** Application containers with stats (the agent's internal containers are not counted). */
  readonly runningContainers: number;
  readonly stoppedContainers: number;
  /** Series left out, by reason (only reasons that occurred). */
  readonly seriesDropped: Partial<Record<SeriesDropReason, number>>;
  /** Samples stamped with the collection time instead of their stats' `read`, by reason. */
  readonly timestampsReplaced: Partial<Record<TimestampReplaceReason, number>>;
}

/** Build every metric family from one `/task`, one `/task/stats` and the collection time. */
export function transformTaskStats(task: TaskMetadata, stats: TaskStats, options: TransformOptions): TransformResult {
  const out = new SampleSink(options.maxSeries ?? DEFAULT_MAX_SERIES);
  const labelSets = options.labelSets ?? new LabelSets();
  const taskLabels = labelSets.taskLabels(taskLabelsOf(task));
  const layout = networkLayoutOf(task);
  const containers = applicationContainers(task, stats, taskLabels, options.collectedAtMs, labelSets);
  const running = containers.filter(isRunning);

  // Index loops throughout: the image runs V8 interpreted, where `for...of` and array destructuring
  // allocate an iterator result per step (with the reader's, a fifth of a 200-container collection's
  // garbage: runtime/bench/FINDINGS.md).
  for (let i = 0; i < running.length; i++) {
    const c = running[i];
    addCpu(out, c);
    addMemory(out, c);
    addLimits(out, c, task);
    addLifecycle(out, c);
    addBlockIo(out, c, labelSets);
    if (layout === 'bridge') addNetwork(out, c.stats, c.labels, c.stamp, labelSets);
  }
  for (let i = 0; i < containers.length; i++) addState(out, containers[i], labelSets);
  if (layout === 'awsvpc') addTaskNetwork(out, running, taskLabels, labelSets);
  addTaskLevel(out, task, taskLabels);

  return {
    families: out.families(),
    networkLayout: layout,
    runningContainers: running.length,
    stoppedContainers: containers.length - running.length,
    seriesDropped: out.dropped(),
    timestampsReplaced: out.replaced(),
  };
}

interface AppContainer {
  readonly metadata: ContainerMetadata;
  /** Undefined when not running: stats `null` (Fargate), `{}` (EC2) or missing. */
  readonly stats?: ContainerStats;
  readonly labels: Labels;
  readonly stamp: Stamp;
}

type RunningContainer = AppContainer & { readonly stats: ContainerStats };

function isRunning(c: AppContainer): c is RunningContainer {
  return c.stats !== undefined;
}

/** The task's containers with a name and an id, first of each name, without the agent's own. */
function applicationContainers(
  task: TaskMetadata,
  stats: TaskStats,
  taskLabels: Labels,
  collectedAtMs: number,
  labelSets: LabelSets,
): AppContainer[] {
  const containers: AppContainer[] = [];
  const seenNames = new Set<string>();
  const all = task.Containers ?? [];
  for (let i = 0; i < all.length; i++) {
    const metadata = all[i];
    const name = asText(metadata.Name);
    const dockerId = asText(metadata.DockerId);
    if (name === undefined || dockerId === undefined || seenNames.has(name) || isAgentInternal(metadata)) continue;
    seenNames.add(name);
    const own = Object.prototype.hasOwnProperty.call(stats, dockerId) ? stats[dockerId] : null;
    const running = own !== null && (own.cpu_stats !== undefined || own.memory_stats !== undefined);
    const image = asText(metadata.Image);
    const labels = labelSets.container(`${name}\n${image ?? ''}`, taskLabels, () => withoutEmpty({ container: name, image, ...taskLabels }));
    containers.push(running ? { metadata, stats: own, labels, stamp: stampOf(own.read, collectedAtMs) } : { metadata, labels, stamp: NO_STAMP });
  }
  return containers;
}

/**
 * The agent's own containers are infrastructure, not applications: the pause container of EC2
 * awsvpc tasks (`~internal~ecs~pause`, Type `CNI_PAUSE`) and any other `~internal~` name.
 */
export function isAgentInternal(container: ContainerMetadata): boolean {
  return container.Name?.trim().startsWith('~internal~') === true || container.Type === 'CNI_PAUSE';
}

// ---------------------------------------------------------------- labels

/** The labels the metadata alone gives; values left out when empty. */
export function taskLabelsOf(task: TaskMetadata): Labels {
  return withoutEmpty({
    cluster: clusterName(asText(task.Cluster)),
    task_id: taskIdOf(asText(task.TaskARN)),
    ecs_taskdef_name: asText(task.Family),
    ecs_taskdef_version: asText(task.Revision),
    availability_zone: asText(task.AvailabilityZone),
    launch_type: asText(task.LaunchType),
  });
}


function withoutEmpty(labels: Record<string, string | undefined>): Labels {
  const out: Record<string, string> = {};
  for (const key in labels) {
    const value = labels[key];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

// ---------------------------------------------------------------- CPU

function addCpu(out: SampleSink, c: RunningContainer): void {
  const usage = c.stats.cpu_stats?.cpu_usage;
  out.add('container_cpu_usage_seconds_total', c.labels, seconds(usage?.total_usage), c.stamp);
  out.add('container_cpu_user_seconds_total', c.labels, seconds(usage?.usage_in_usermode), c.stamp);
  out.add('container_cpu_system_seconds_total', c.labels, seconds(usage?.usage_in_kernelmode), c.stamp);
}

function seconds(nanoseconds: number | undefined): number | undefined {
  const ns = asCount(nanoseconds);
  return ns === undefined ? undefined : ns / NANOSECONDS_PER_SECOND;
}

// ---------------------------------------------------------------- memory

function addMemory(out: SampleSink, c: RunningContainer): void {
  const memory = c.stats.memory_stats;
  if (memory === undefined) return;
  const stats: MemoryDetail = memory.stats ?? {};
  // cgroup v1 reports `cache`/`total_*` fields; v2 reports `anon`/`file` instead.
  const isCgroupV1 = stats.cache !== undefined || stats.total_inactive_file !== undefined || stats.total_rss !== undefined;
  const usage = asCount(memory.usage);
  const inactiveFile = isCgroupV1 ? asCount(stats.total_inactive_file) ?? asCount(stats.inactive_file) : asCount(stats.inactive_file);

  out.add('container_memory_usage_bytes', c.labels, usage, c.stamp);
  // What kubelet/cAdvisor call the working set; without inactive_file it is the usage itself.
  const workingSet = usage === undefined ? undefined : Math.max(0, usage - (inactiveFile ?? 0));
  out.add('container_memory_working_set_bytes', c.labels, workingSet, c.stamp);
  out.add('container_memory_rss', c.labels, isCgroupV1 ? asCount(stats.total_rss) ?? asCount(stats.rss) : asCount(stats.anon), c.stamp);
  out.add('container_memory_cache', c.labels, isCgroupV1 ? asCount(stats.total_cache) ?? asCount(stats.cache) : asCount(stats.file), c.stamp);
  out.add('container_memory_max_usage_bytes', c.labels, asCount(memory.max_usage), c.stamp);
}

// ---------------------------------------------------------------- limits, lifecycle and state (metadata)

function addLimits(out: SampleSink, c: RunningContainer, task: TaskMetadata): void {
  // memory_stats.limit is ~2^63 without a hard limit, so limits come from the metadata only.
  const limitMiB = positive(c.metadata.Limits?.Memory) ?? positive(task.Limits?.Memory);
  out.add('container_spec_memory_limit_bytes', c.labels, mib(limitMiB));
  out.add('container_spec_cpu_shares', c.labels, positive(c.metadata.Limits?.CPU));
}

function addLifecycle(out: SampleSink, c: RunningContainer): void {
  out.add('container_start_time_seconds', c.labels, epochSeconds(c.metadata.StartedAt));
  out.add('ecs_container_restarts_total', c.labels, asCount(c.metadata.RestartCount));
}

const HEALTH_STATUSES = ['healthy', 'unhealthy', 'unknown'] as const;

/** Health and exit code: every application container, stopped ones included (they have no stats). */
function addState(out: SampleSink, c: AppContainer, labelSets: LabelSets): void {
  const health = c.metadata.Health;
  if (health !== undefined) {
    const reported = asText(health.status)?.toLowerCase();
    const current = (HEALTH_STATUSES as readonly string[]).includes(reported ?? '') ? reported : 'unknown';
    for (let i = 0; i < HEALTH_STATUSES.length; i++) {
      const status = HEALTH_STATUSES[i];
      out.add('ecs_container_health_status', labelSets.with(c.labels, 'status', status), status === current ? 1 : 0);
    }
  }
  const exitCode = c.metadata.ExitCode;
  out.add('ecs_container_exit_code', c.labels, Number.isInteger(exitCode) ? exitCode : undefined);
}

function positive(value: number | undefined): number | undefined {
  const n = asCount(value);
  return n !== undefined && n > 0 ? n : undefined;
}

function mib(value: number | undefined): number | undefined {
  return value === undefined ? undefined : value * BYTES_PER_MIB;
}

function epochSeconds(time: string | undefined): number | undefined {
  const ms = asTimeMs(time);
  return ms === undefined ? undefined : ms / 1000;
}

// ---------------------------------------------------------------- network

/**
 * awsvpc (every Fargate task): all containers share one namespace and each container's stats repeat
 * the same task-wide counters, so they are emitted ONCE per task, without `container`/`image`
 * (like cAdvisor's pod-level network series). Bridge: each container has its own namespace, so
 * per container. Host: the counters would be the instance's, so none.
 */
export function networkLayoutOf(task: TaskMetadata): NetworkLayout {
  const modes = new Set<string>();
  const containers = task.Containers ?? [];
  for (let c = 0; c < containers.length; c++) {
    const networks = containers[c].Networks ?? [];
    for (let n = 0; n < networks.length; n++) {
      const network = networks[n];
      const mode = asText(network.NetworkMode);
      if (mode !== undefined) modes.add(mode.toLowerCase());
    }
  }
  if (modes.has('awsvpc') || asText(task.LaunchType)?.toUpperCase() === 'FARGATE') return 'awsvpc';
  if (modes.has('host')) return 'host';
  return 'bridge';
}

const NETWORK_FIELDS = [
  ['rx_bytes', 'container_network_receive_bytes_total'],
  ['tx_bytes', 'container_network_transmit_bytes_total'],
  ['rx_packets', 'container_network_receive_packets_total'],
  ['tx_packets', 'container_network_transmit_packets_total'],
  ['rx_errors', 'container_network_receive_errors_total'],
  ['tx_errors', 'container_network_transmit_errors_total'],
  ['rx_dropped', 'container_network_receive_packets_dropped_total'],
  ['tx_dropped', 'container_network_transmit_packets_dropped_total'],
] as const;

/** Interfaces by name; past MAX_INTERFACES_PER_CONTAINER their series are counted as dropped. */
function addNetwork(out: SampleSink, stats: ContainerStats, labels: Labels, stamp: Stamp, labelSets: LabelSets): void {
  const networks = stats.networks ?? {};
  const names = Object.keys(networks).filter((name) => name.trim() !== '').sort();
  for (let index = 0; index < names.length; index++) {
    const interfaceName = names[index];
    const counters = networks[interfaceName];
    if (index >= MAX_INTERFACES_PER_CONTAINER) {
      out.drop('interface_limit', NETWORK_FIELDS.filter(([field]) => asCount(counters[field]) !== undefined).length);
      continue;
    }
    // One labels object per interface, shared by its 8 series (the exposition renders it once).
    const interfaceLabels = labelSets.with(labels, 'interface', interfaceName);
    for (let i = 0; i < NETWORK_FIELDS.length; i++) {
      out.add(NETWORK_FIELDS[i][1], interfaceLabels, asCount(counters[NETWORK_FIELDS[i][0]]), stamp);
    }
  }
}

function addTaskNetwork(out: SampleSink, running: readonly RunningContainer[], taskLabels: Labels, labelSets: LabelSets): void {
  // Every container sees the same namespace; the freshest read is the best view of it.
  let source: RunningContainer | undefined;
  let sourceReadMs = 0;
  for (let i = 0; i < running.length; i++) {
    const c = running[i];
    if (c.stats.networks === undefined) continue;
    // Each container's `read` parsed once (Date.parse, interpreted, is a visible share at 200 containers).
    const readMs = readMsOf(c);
    if (source === undefined || readMs > sourceReadMs) {
      source = c;
      sourceReadMs = readMs;
    }
  }
  if (source !== undefined) addNetwork(out, source.stats, taskLabels, source.stamp, labelSets);
}

function readMsOf(c: RunningContainer): number {
  // An accepted stamp is the parsed `read` already (the usual case): no second Date.parse.
  if (c.stamp.replaced === undefined && c.stamp.timestampMs !== undefined) return c.stamp.timestampMs;
  return asTimeMs(c.stats.read) ?? 0;
}

// ---------------------------------------------------------------- block I/O

function addBlockIo(out: SampleSink, c: RunningContainer, labelSets: LabelSets): void {
  const blkio = c.stats.blkio_stats;
  if (blkio === undefined) return;
  addBlkioEntries(out, c, labelSets, blkio.io_service_bytes_recursive, 'container_fs_reads_bytes_total', 'container_fs_writes_bytes_total');
  addBlkioEntries(out, c, labelSets, blkio.io_serviced_recursive, 'container_fs_reads_total', 'container_fs_writes_total');
}

/** Devices by `major:minor`; past MAX_DEVICES_PER_CONTAINER their series are counted as dropped. */
function addBlkioEntries(
  out: SampleSink,
  c: RunningContainer,
  labelSets: LabelSets,
  entries: readonly BlkioEntry[] | undefined,
  readMetric: string,
  writeMetric: string,
): void {
  if (entries === undefined) return;
  const totals = blkioTotals(entries);
  for (let index = 0; index < totals.length; index++) {
    const total = totals[index];
    if (index >= MAX_DEVICES_PER_CONTAINER) {
      out.drop('device_limit', (total.read === undefined ? 0 : 1) + (total.write === undefined ? 0 : 1));
      continue;
    }
    const deviceLabels = labelSets.with(c.labels, 'device', total.device);
    out.add(readMetric, deviceLabels, total.read, c.stamp);
    out.add(writeMetric, deviceLabels, total.write, c.stamp);
  }
}

interface DeviceTotal {
  readonly major: number;
  readonly minor: number;
  readonly device: string;
  read: number | undefined;
  write: number | undefined;
}

/**
 * Read and write summed per device, sorted by `major:minor`. Docker lists a device's entries
 * together and a task container usually has one device: the entry's device is compared with the
 * previous entry's first, and a map by device is built only when another device comes back.
 */
function blkioTotals(entries: readonly BlkioEntry[]): DeviceTotal[] {
  const totals: DeviceTotal[] = [];
  let byDevice: Map<string, DeviceTotal> | undefined;
  let last: DeviceTotal | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    // The op first: cgroup v1 lists Sync, Async, Discard and Total too, whose numbers are not read.
    const op = opOf(entry.op);
    if (op !== 'read' && op !== 'write') continue;
    const major = asCount(entry.major);
    const minor = asCount(entry.minor);
    const value = asCount(entry.value);
    if (major === undefined || minor === undefined || value === undefined) continue;
    let total = last;
    if (total === undefined || total.major !== major || total.minor !== minor) {
      const device = `${major}:${minor}`;
      if (byDevice === undefined && totals.length > 0) byDevice = new Map(totals.map((known) => [known.device, known]));
      total = byDevice?.get(device);
      if (total === undefined) {
        total = { major, minor, device, read: undefined, write: undefined };
        totals.push(total);
        byDevice?.set(device, total);
      }
      last = total;
    }
    total[op] = (total[op] ?? 0) + value;
  }
  if (totals.length > 1) totals.sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));
  return totals;
}

/** `read` or `write` in any case and padding; the exact spellings docker sends skip the trim and lower-casing. */
function opOf(op: string | undefined): string | undefined {
  if (op === 'Read' || op === 'read') return 'read';
  if (op === 'Write' || op === 'write') return 'write';
  return asText(op)?.toLowerCase();
}

// ---------------------------------------------------------------- task level

function addTaskLevel(out: SampleSink, task: TaskMetadata, labels: Labels): void {
  out.add('ecs_task_cpu_limit_vcpus', labels, positive(task.Limits?.CPU));
  out.add('ecs_task_memory_limit_bytes', labels, mib(positive(task.Limits?.Memory)));
  out.add('ecs_task_ephemeral_storage_utilized_bytes', labels, mib(asCount(task.EphemeralStorageMetrics?.Utilized)));
  out.add('ecs_task_ephemeral_storage_reserved_bytes', labels, mib(asCount(task.EphemeralStorageMetrics?.Reserved)));
  out.add('ecs_task_image_pull_start_timestamp_seconds', labels, epochSeconds(task.PullStartedAt));
  out.add('ecs_task_image_pull_stop_timestamp_seconds', labels, epochSeconds(task.PullStoppedAt));
}
