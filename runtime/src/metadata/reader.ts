/**
 * The one reader of the task metadata: it turns the JSON the client fetched (`/task`, `/task/stats`
 * and the sidecar's own container document) into the typed values of `types.ts`. Every field that
 * can reach a label, a sample or the wire is type-checked here, where it enters: a field of the
 * wrong type is left out (and reported to `onInvalid` with its path), never the collection.
 * `null` stands for "absent" and is not reported: the endpoint uses it that way (stopped containers'
 * stats, cgroup v2's `io_serviced_recursive`).
 *
 * Passive and Active mode both read the task through here (the collector calls it).
 */
import type {
  BlkioEntry,
  ContainerHealth,
  ContainerMetadata,
  ContainerNetworkMetadata,
  ContainerStats,
  NetworkStats,
  TaskMetadata,
  TaskStats,
} from './types';

/** Told the path of each field left out for its type, e.g. `Containers[1].Labels.PROMETHEUS_EXPORTER_PATH`. */
export type InvalidFieldListener = (path: string) => void;

const ignore: InvalidFieldListener = () => undefined;

/** `/task`. Not an object at all gives an empty task (no labels, no containers). */
export function readTask(raw: unknown, onInvalid: InvalidFieldListener = ignore): TaskMetadata {
  const f = new Fields(raw, '', onInvalid);
  return compact({
    Cluster: f.string('Cluster'),
    TaskARN: f.string('TaskARN'),
    Family: f.string('Family'),
    // A string in the documentation; a number in some recordings. Either way a label value.
    Revision: f.stringOrNumber('Revision'),
    DesiredStatus: f.string('DesiredStatus'),
    KnownStatus: f.string('KnownStatus'),
    AvailabilityZone: f.string('AvailabilityZone'),
    PullStartedAt: f.string('PullStartedAt'),
    PullStoppedAt: f.string('PullStoppedAt'),
    LaunchType: f.string('LaunchType'),
    Limits: f.object('Limits', (l) => compact({ CPU: l.number('CPU'), Memory: l.number('Memory') })),
    ServiceName: f.string('ServiceName'),
    VPCID: f.string('VPCID'),
    EphemeralStorageMetrics: f.object('EphemeralStorageMetrics', (e) => compact({ Utilized: e.number('Utilized'), Reserved: e.number('Reserved') })),
    Containers: f.array('Containers', (item, path) => readContainer(item, onInvalid, path)) ?? [],
  });
}

/**
 * One container: an entry of `/task` `Containers`, or the document `GET $ECS_CONTAINER_METADATA_URI_V4`
 * returns for the sidecar itself. Undefined (and reported) when it is not an object.
 */
export function readContainer(raw: unknown, onInvalid: InvalidFieldListener = ignore, path = ''): ContainerMetadata | undefined {
  if (!isObject(raw)) {
    if (raw !== undefined) onInvalid(path || '(container)');
    return undefined;
  }
  const f = new Fields(raw, path, onInvalid);
  return compact({
    DockerId: f.string('DockerId'),
    Name: f.string('Name'),
    DockerName: f.string('DockerName'),
    Image: f.string('Image'),
    ImageID: f.string('ImageID'),
    Labels: f.object('Labels', (l) => l.stringRecord()),
    DesiredStatus: f.string('DesiredStatus'),
    KnownStatus: f.string('KnownStatus'),
    ExitCode: f.number('ExitCode'),
    Limits: f.object('Limits', (l) => compact({ CPU: l.number('CPU'), Memory: l.number('Memory') })),
    CreatedAt: f.string('CreatedAt'),
    StartedAt: f.string('StartedAt'),
    FinishedAt: f.string('FinishedAt'),
    RestartCount: f.number('RestartCount'),
    Type: f.string('Type'),
    Networks: f.array('Networks', (item, itemPath) => readNetwork(item, onInvalid, itemPath)),
    Health: f.object('Health', readHealth),
  });
}

function readNetwork(raw: unknown, onInvalid: InvalidFieldListener, path: string): ContainerNetworkMetadata | undefined {
  if (!isObject(raw)) return reportUnlessNull(raw, path, onInvalid);
  const f = new Fields(raw, path, onInvalid);
  return compact({
    NetworkMode: f.string('NetworkMode'),
    IPv4Addresses: f.array('IPv4Addresses', (item, itemPath) => (typeof item === 'string' ? item : reportUnlessNull(item, itemPath, onInvalid))),
    IPv4SubnetCIDRBlock: f.string('IPv4SubnetCIDRBlock'),
    MACAddress: f.string('MACAddress'),
    PrivateDNSName: f.string('PrivateDNSName'),
  });
}

function readHealth(f: Fields): ContainerHealth {
  return compact({ status: f.string('status'), statusSince: f.string('statusSince'), exitCode: f.number('exitCode'), output: f.string('output') });
}

/** `/task/stats`: per DockerId, the stats, or `null` for a container that is not running (or whose stats are unusable). */
export function readTaskStats(raw: unknown, onInvalid: InvalidFieldListener = ignore): TaskStats {
  if (!isObject(raw)) {
    reportUnlessNull(raw, '(stats)', onInvalid);
    return {};
  }
  // fromEntries defines own properties, so a key such as `__proto__` stays a key.
  return Object.fromEntries(Object.entries(raw).map(([dockerId, value]) => [dockerId, readContainerStats(value, onInvalid, dockerId)]));
}

/** One docker `StatsJSON`. `{}` (EC2's stopped container) stays `{}`; anything not an object is `null`. */
export function readContainerStats(raw: unknown, onInvalid: InvalidFieldListener = ignore, path = ''): ContainerStats | null {
  if (!isObject(raw)) return reportUnlessNull(raw, path, onInvalid) ?? null;
  const f = new Fields(raw, path, onInvalid);
  return compact({
    read: f.string('read'),
    preread: f.string('preread'),
    cpu_stats: f.object('cpu_stats', (cpu) => compact({
      cpu_usage: cpu.object('cpu_usage', (u) => compact({
        total_usage: u.number('total_usage'),
        usage_in_usermode: u.number('usage_in_usermode'),
        usage_in_kernelmode: u.number('usage_in_kernelmode'),
      })),
      system_cpu_usage: cpu.number('system_cpu_usage'),
      online_cpus: cpu.number('online_cpus'),
    })),
    memory_stats: f.object('memory_stats', (m) => compact({
      usage: m.number('usage'),
      max_usage: m.number('max_usage'),
      limit: m.number('limit'),
      stats: m.object('stats', (s) => s.numberRecord()),
    })),
    networks: f.object('networks', (n) => n.objectRecord(readNetworkStats)),
    blkio_stats: f.object('blkio_stats', (b) => compact({
      io_service_bytes_recursive: b.array('io_service_bytes_recursive', (item, itemPath) => readBlkioEntry(item, onInvalid, itemPath)),
      io_serviced_recursive: b.array('io_serviced_recursive', (item, itemPath) => readBlkioEntry(item, onInvalid, itemPath)),
    })),
    pids_stats: f.object('pids_stats', (p) => compact({ current: p.number('current') })),
  });
}

const NETWORK_COUNTERS = ['rx_bytes', 'rx_packets', 'rx_errors', 'rx_dropped', 'tx_bytes', 'tx_packets', 'tx_errors', 'tx_dropped'] as const;

function readNetworkStats(f: Fields): NetworkStats {
  const counters: Record<string, number> = {};
  for (const key of NETWORK_COUNTERS) {
    const value = f.number(key);
    if (value !== undefined) counters[key] = value;
  }
  return counters;
}

function readBlkioEntry(raw: unknown, onInvalid: InvalidFieldListener, path: string): BlkioEntry | undefined {
  if (!isObject(raw)) return reportUnlessNull(raw, path, onInvalid);
  const f = new Fields(raw, path, onInvalid);
  return compact({ major: f.number('major'), minor: f.number('minor'), op: f.string('op'), value: f.number('value') });
}

// ---------------------------------------------------------------- checked access to one JSON object

type JsonObject = Readonly<Record<string, unknown>>;

/** Typed getters over one JSON object (no object gives no fields); each wrong type is reported once. */
class Fields {
  private readonly json: JsonObject;

  constructor(raw: unknown, private readonly path: string, private readonly onInvalid: InvalidFieldListener) {
    this.json = isObject(raw) ? raw : {};
  }

  string(key: string): string | undefined {
    const value = this.get(key);
    return typeof value === 'string' ? value : this.invalid(key, value);
  }

  /** Finite numbers only (JSON has no NaN, but a reader must not rely on that). */
  number(key: string): number | undefined {
    const value = this.get(key);
    return typeof value === 'number' && Number.isFinite(value) ? value : this.invalid(key, value);
  }

  stringOrNumber(key: string): string | undefined {
    const value = this.get(key);
    return typeof value === 'number' && Number.isFinite(value) ? String(value) : this.string(key);
  }

  object<T>(key: string, read: (fields: Fields) => T): T | undefined {
    const value = this.get(key);
    return isObject(value) ? read(new Fields(value, this.at(key), this.onInvalid)) : this.invalid(key, value);
  }

  /** The items `read` accepts; an item it refuses is left out (the reader reports it). */
  array<T>(key: string, read: (item: unknown, path: string) => T | undefined): T[] | undefined {
    const value = this.get(key);
    if (!Array.isArray(value)) return this.invalid(key, value);
    const items: T[] = [];
    for (let i = 0; i < value.length; i++) {
      const item = read(value[i], `${this.at(key)}[${i}]`);
      if (item !== undefined) items.push(item);
    }
    return items;
  }

  /** Every key whose value is a string (docker labels). */
  stringRecord(): Readonly<Record<string, string>> {
    return this.record((key) => this.string(key));
  }

  /** Every key whose value is a finite number (memory_stats.stats). */
  numberRecord(): Readonly<Record<string, number>> {
    return this.record((key) => this.number(key));
  }

  /** Every key whose value is an object, read with `read` (networks by interface). */
  objectRecord<T>(read: (fields: Fields) => T): Readonly<Record<string, T>> {
    return this.record((key) => this.object(key, read));
  }

  private record<T>(read: (key: string) => T | undefined): Readonly<Record<string, T>> {
    const entries: [string, T][] = [];
    for (const key of Object.keys(this.json)) {
      const value = read(key);
      if (value !== undefined) entries.push([key, value]);
    }
    return Object.fromEntries(entries);
  }

  private get(key: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.json, key) ? this.json[key] : undefined;
  }

  private at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  private invalid(key: string, value: unknown): undefined {
    return reportUnlessNull(value, this.at(key), this.onInvalid);
  }
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Absent and `null` are "no value"; anything else that got here had the wrong type. */
function reportUnlessNull(value: unknown, path: string, onInvalid: InvalidFieldListener): undefined {
  if (value !== undefined && value !== null) onInvalid(path);
  return undefined;
}

/** The object without its undefined fields (so `in` and `Object.keys` see only what was read). */
function compact<T extends object>(object: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}
