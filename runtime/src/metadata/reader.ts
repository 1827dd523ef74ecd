/**
 * The one reader of the task metadata: it turns the JSON the client fetched (`/task`, `/task/stats`
 * and the sidecar's own container document) into the typed values of `types.ts`. Every field that
 * can reach a label, a sample or the wire is type-checked here, where it enters: a field of the
 * wrong type is left out (and reported to `onInvalid` with its path), never the collection.
 * `null` stands for "absent" and is not reported: the endpoint uses it that way (stopped containers'
 * stats, cgroup v2's `io_serviced_recursive`).
 *
 * Passive and Active mode both read the task through here (the collector calls it).
 *
 * Every reader returns an object literal, a field left out being `undefined`: one object shape
 * per reader instead of a property added per field, which costs more where the code runs
 * interpreted (the image runs V8 without its optimizing tiers; runtime/bench/FINDINGS.md).
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
  const f = new Fields(raw, onInvalid, undefined, '');
  return {
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
    Limits: f.object('Limits', readLimits),
    ServiceName: f.string('ServiceName'),
    VPCID: f.string('VPCID'),
    EphemeralStorageMetrics: f.object('EphemeralStorageMetrics', readEphemeralStorage),
    Containers: f.array('Containers', readContainerAt) ?? [],
  } as TaskMetadata;
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
  return readContainerAt(new Fields(raw, onInvalid, undefined, path));
}

function readContainerAt(f: Fields): ContainerMetadata | undefined {
  // A null container is reported too: `Containers` has no use for null entries.
  if (!f.isObject) return f.reportSelf(true);
  return {
    DockerId: f.string('DockerId'),
    Name: f.string('Name'),
    DockerName: f.string('DockerName'),
    Image: f.string('Image'),
    ImageID: f.string('ImageID'),
    Labels: f.object('Labels', readStringRecord),
    DesiredStatus: f.string('DesiredStatus'),
    KnownStatus: f.string('KnownStatus'),
    ExitCode: f.number('ExitCode'),
    Limits: f.object('Limits', readLimits),
    CreatedAt: f.string('CreatedAt'),
    StartedAt: f.string('StartedAt'),
    FinishedAt: f.string('FinishedAt'),
    RestartCount: f.number('RestartCount'),
    Type: f.string('Type'),
    Networks: f.array('Networks', readNetwork),
    Health: f.object('Health', readHealth),
  } as ContainerMetadata;
}

function readLimits(f: Fields): { CPU?: number; Memory?: number } {
  return {
    CPU: f.number('CPU'),
    Memory: f.number('Memory'),
  };
}

function readEphemeralStorage(f: Fields): { Utilized?: number; Reserved?: number } {
  return {
    Utilized: f.number('Utilized'),
    Reserved: f.number('Reserved'),
  };
}

function readStringRecord(f: Fields): Readonly<Record<string, string>> {
  return f.stringRecord();
}

function readNetwork(f: Fields): ContainerNetworkMetadata | undefined {
  if (!f.isObject) return f.reportSelf();
  return {
    NetworkMode: f.string('NetworkMode'),
    IPv4Addresses: f.array('IPv4Addresses', readStringItem),
    IPv4SubnetCIDRBlock: f.string('IPv4SubnetCIDRBlock'),
    MACAddress: f.string('MACAddress'),
    PrivateDNSName: f.string('PrivateDNSName'),
  } as ContainerNetworkMetadata;
}

function readStringItem(f: Fields): string | undefined {
  return typeof f.raw === 'string' ? f.raw : f.reportSelf();
}

function readHealth(f: Fields): ContainerHealth {
  return {
    status: f.string('status'),
    statusSince: f.string('statusSince'),
    exitCode: f.number('exitCode'),
    output: f.string('output'),
  } as ContainerHealth;
}

/** `/task/stats`: per DockerId, the stats, or `null` for a container that is not running (or whose stats are unusable). */
export function readTaskStats(raw: unknown, onInvalid: InvalidFieldListener = ignore): TaskStats {
  if (!isObject(raw)) {
    reportUnlessNull(raw, '(stats)', onInvalid);
    return {};
  }
  const out: Out = {};
  const dockerIds = Object.keys(raw);
  for (let i = 0; i < dockerIds.length; i++) {
    const dockerId = dockerIds[i];
    // An own property even for a key such as `__proto__`, which stays a key.
    define(out, dockerId, readContainerStatsAt(new Fields(raw[dockerId], onInvalid, undefined, dockerId)));
  }
  return out as TaskStats;
}

/** One docker `StatsJSON`. `{}` (EC2's stopped container) stays `{}`; anything not an object is `null`. */
export function readContainerStats(raw: unknown, onInvalid: InvalidFieldListener = ignore, path = ''): ContainerStats | null {
  return readContainerStatsAt(new Fields(raw, onInvalid, undefined, path));
}

function readContainerStatsAt(f: Fields): ContainerStats | null {
  if (!f.isObject) return f.reportSelf() ?? null;
  return {
    read: f.string('read'),
    preread: f.string('preread'),
    cpu_stats: f.object('cpu_stats', readCpuStats),
    memory_stats: f.object('memory_stats', readMemoryStats),
    networks: f.object('networks', readNetworks),
    blkio_stats: f.object('blkio_stats', readBlkioStats),
    pids_stats: f.object('pids_stats', readPidsStats),
  } as ContainerStats;
}

function readCpuStats(f: Fields): NonNullable<ContainerStats['cpu_stats']> {
  return {
    cpu_usage: f.object('cpu_usage', readCpuUsage),
    system_cpu_usage: f.number('system_cpu_usage'),
    online_cpus: f.number('online_cpus'),
  };
}

function readCpuUsage(f: Fields): Out {
  return {
    total_usage: f.number('total_usage'),
    usage_in_usermode: f.number('usage_in_usermode'),
    usage_in_kernelmode: f.number('usage_in_kernelmode'),
  };
}

function readMemoryStats(f: Fields): NonNullable<ContainerStats['memory_stats']> {
  return {
    usage: f.number('usage'),
    max_usage: f.number('max_usage'),
    limit: f.number('limit'),
    stats: f.object('stats', readNumberRecord),
  };
}

function readNumberRecord(f: Fields): Readonly<Record<string, number>> {
  return f.numberRecord();
}

function readNetworks(f: Fields): Readonly<Record<string, NetworkStats>> {
  return f.objectRecord(readNetworkStats);
}

function readBlkioStats(f: Fields): NonNullable<ContainerStats['blkio_stats']> {
  return {
    io_service_bytes_recursive: f.array('io_service_bytes_recursive', readBlkioEntry),
    io_serviced_recursive: f.array('io_serviced_recursive', readBlkioEntry),
  };
}

function readPidsStats(f: Fields): { current?: number } {
  return {
    current: f.number('current'),
  };
}

const NETWORK_COUNTERS = ['rx_bytes', 'rx_packets', 'rx_errors', 'rx_dropped', 'tx_bytes', 'tx_packets', 'tx_errors', 'tx_dropped'] as const;

function readNetworkStats(f: Fields): NetworkStats {
  const counters: Record<string, number> = {};
  for (let i = 0; i < NETWORK_COUNTERS.length; i++) {
    const key = NETWORK_COUNTERS[i];
    const value = f.number(key);
    if (value !== undefined) counters[key] = value;
  }
  return counters;
}

function readBlkioEntry(f: Fields): BlkioEntry | undefined {
  if (!f.isObject) return f.reportSelf();
  return {
    major: f.number('major'),
    minor: f.number('minor'),
    op: f.string('op'),
    value: f.number('value'),
  } as BlkioEntry;
}

// ---------------------------------------------------------------- checked access to one JSON object

type JsonObject = Readonly<Record<string, unknown>>;
type Out = Record<string, unknown>;

const NO_FIELDS: JsonObject = Object.freeze({});

/**
 * Typed getters over one JSON value (a value that is not an object has no fields); each wrong type
 * is reported once, with its path. The path is only built when something is reported: a nested
 * value knows its parent, its key and (in an array) its index.
 */
class Fields {
  readonly isObject: boolean;
  private readonly json: JsonObject;

  constructor(
    readonly raw: unknown,
    private readonly onInvalid: InvalidFieldListener,
    private readonly parent: Fields | undefined,
    /** The key in the parent, or the whole path of a value read on its own. */
    private readonly key: string,
    private readonly index = -1,
  ) {
    this.isObject = isObject(raw);
    this.json = this.isObject ? (raw as JsonObject) : NO_FIELDS;
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
    return isObject(value) ? read(new Fields(value, this.onInvalid, this, key)) : this.invalid(key, value);
  }

  /** The items `read` accepts; an item it refuses is left out (the reader reports it). */
  array<T>(key: string, read: (item: Fields) => T | undefined): T[] | undefined {
    const value = this.get(key);
    if (!Array.isArray(value)) return this.invalid(key, value);
    const items: T[] = [];
    for (let i = 0; i < value.length; i++) {
      const item = read(new Fields(value[i], this.onInvalid, this, key, i));
      if (item !== undefined) items.push(item);
    }
    return items;
  }

  /** Every key whose value is a string (docker labels). */
  stringRecord(): Readonly<Record<string, string>> {
    const out: Out = {};
    const keys = Object.keys(this.json);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = this.json[key];
      if (typeof value === 'string') define(out, key, value);
      else this.invalid(key, value);
    }
    return out as Record<string, string>;
  }

  /** Every key whose value is a finite number (memory_stats.stats). */
  numberRecord(): Readonly<Record<string, number>> {
    const out: Out = {};
    const keys = Object.keys(this.json);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = this.json[key];
      if (typeof value === 'number' && Number.isFinite(value)) define(out, key, value);
      else this.invalid(key, value);
    }
    return out as Record<string, number>;
  }

  /** Every key whose value is an object, read with `read` (networks by interface). */
  objectRecord<T>(read: (fields: Fields) => T): Readonly<Record<string, T>> {
    const out: Out = {};
    const keys = Object.keys(this.json);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = this.object(key, read);
      if (value !== undefined) define(out, key, value);
    }
    return out as Record<string, T>;
  }

  /** This value itself is of the wrong type (an array item, a document): reported unless absent or (unless `evenNull`) null. */
  reportSelf(evenNull = false): undefined {
    if (this.raw !== undefined && (evenNull || this.raw !== null)) this.onInvalid(this.path());
    return undefined;
  }

  private path(): string {
    const base = this.parent === undefined ? this.key : joinPath(this.parent.path(), this.key);
    return this.index < 0 ? base : `${base}[${this.index}]`;
  }

  /**
   * Every key read by name is a stats or metadata field, none of them a property of
   * Object.prototype, and the records read only own keys: a plain lookup is enough. (An own
   * `__proto__` key, which JSON.parse makes a data property, shadows the accessor.)
   */
  private get(key: string): unknown {
    return this.json[key];
  }

  private invalid(key: string, value: unknown): undefined {
    if (value !== undefined && value !== null) this.onInvalid(joinPath(this.path(), key));
    return undefined;
  }
}

function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Absent and `null` are "no value"; anything else that got here had the wrong type. */
function reportUnlessNull(value: unknown, path: string, onInvalid: InvalidFieldListener): undefined {
  if (value !== undefined && value !== null) onInvalid(path);
  return undefined;
}

/** An own, enumerable field even for keys from the input such as `__proto__` (as Object.fromEntries makes them). */
function define(out: Out, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
