/**
 * The one reader of the task metadata: it turns the JSON the client fetched (`/task`, `/task/stats`
 * and the sidecar's own container document) into the typed values of `types.ts`. Every field that
 * can reach a label, a sample or the wire is type-checked here, where it enters: a field of the
 * wrong type is left out (and reported to `onInvalid` with its path), never the collection. Only
 * those fields are read: the rest of a document (most of a docker `StatsJSON`) feeds nothing and is
 * neither copied nor judged.
 * `null` stands for "absent" and is not reported: the endpoint uses it that way (stopped containers'
 * stats, cgroup v2's `io_serviced_recursive`).
 *
 * Passive and Active mode both read the task through here (the collector calls it).
 *
 * The task metadata, which the exporter keeps between collections, is copied into object literals,
 * a field left out being `undefined`: one object shape per reader instead of a property added per
 * field, which costs more where the code runs interpreted (the image runs V8 without its optimizing
 * tiers; runtime/bench/FINDINGS.md). The stats, read once and dropped after the transform, are
 * checked in place instead (below).
 */
import type {
  ContainerHealth,
  ContainerMetadata,
  ContainerNetworkMetadata,
  ContainerStats,
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
 * Reads `/task` documents for the collector, each document once: the client answers a repeated
 * body with the object it parsed before (repeated-task-body.ts), and that object gives the same
 * typed task and the same reports of fields left out, without being read again.
 */
export class TaskReader {
  private lastRaw: unknown;
  private lastTask: TaskMetadata | undefined;
  private lastInvalid: readonly string[] = [];

  read(raw: unknown, onInvalid: InvalidFieldListener = ignore): TaskMetadata {
    if (this.lastTask !== undefined && raw === this.lastRaw) {
      for (let i = 0; i < this.lastInvalid.length; i++) onInvalid(this.lastInvalid[i]);
      return this.lastTask;
    }
    const invalid: string[] = [];
    const task = readTask(raw, (path) => {
      invalid.push(path);
      onInvalid(path);
    });
    this.lastRaw = raw;
    this.lastTask = task;
    this.lastInvalid = invalid;
    return task;
  }
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
    Image: f.string('Image'),
    Labels: f.object('Labels', readStringRecord),
    KnownStatus: f.string('KnownStatus'),
    ExitCode: f.number('ExitCode'),
    Limits: f.object('Limits', readLimits),
    StartedAt: f.string('StartedAt'),
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
  } as ContainerNetworkMetadata;
}

function readStringItem(f: Fields): string | undefined {
  return typeof f.raw === 'string' ? f.raw : f.reportSelf();
}

function readHealth(f: Fields): ContainerHealth {
  return {
    status: f.string('status'),
  } as ContainerHealth;
}

// ---------------------------------------------------------------- stats, checked in place

/**
 * `/task/stats`: per DockerId, the stats, or `null` for a container that is not running (or whose
 * stats are unusable). Unlike the task, the stats are checked where JSON.parse left them instead of
 * copied: they are the larger document, read once and dropped after the transform, and copying them
 * was most of the reader's time (runtime/bench/FINDINGS.md). A field of the wrong type (or `null`,
 * which means absent) becomes `undefined`, an interface or a block I/O entry that is not an object is
 * removed, and the fields nothing uses are left as they came, unread.
 */
export function readTaskStats(raw: unknown, onInvalid: InvalidFieldListener = ignore): TaskStats {
  if (!isObject(raw)) {
    reportUnlessNull(raw, '(stats)', onInvalid);
    return {};
  }
  const stats = raw as Out;
  const dockerIds = Object.keys(stats);
  for (let i = 0; i < dockerIds.length; i++) {
    const dockerId = dockerIds[i];
    const value = stats[dockerId];
    const checked = readContainerStats(value, onInvalid, dockerId);
    // Only a refused container is written (as null); `define` keeps a key such as `__proto__` a key.
    if (checked !== value) define(stats, dockerId, checked);
  }
  return stats as TaskStats;
}

const MEMORY_DETAIL_FIELDS = ['cache', 'rss', 'inactive_file', 'total_cache', 'total_rss', 'total_inactive_file', 'anon', 'file'] as const;
const NETWORK_COUNTERS = ['rx_bytes', 'rx_packets', 'rx_errors', 'rx_dropped', 'tx_bytes', 'tx_packets', 'tx_errors', 'tx_dropped'] as const;

/** One docker `StatsJSON`, checked in place. `{}` (EC2's stopped container) stays `{}`; anything not an object is `null`. */
export function readContainerStats(raw: unknown, onInvalid: InvalidFieldListener = ignore, path = ''): ContainerStats | null {
  if (!isObject(raw)) {
    reportUnlessNull(raw, path || '(container stats)', onInvalid);
    return null;
  }
  const stats = raw as Out;
  const check = new InPlaceCheck(onInvalid, path);
  check.string(stats, 'read');
  const cpu = check.object(stats, 'cpu_stats');
  const usage = cpu === undefined ? undefined : check.at('cpu_stats').object(cpu, 'cpu_usage');
  if (usage !== undefined) {
    check.at('cpu_stats.cpu_usage');
    check.number(usage, 'total_usage');
    check.number(usage, 'usage_in_usermode');
    check.number(usage, 'usage_in_kernelmode');
  }
  const memory = check.at('').object(stats, 'memory_stats');
  if (memory !== undefined) {
    check.at('memory_stats');
    check.number(memory, 'usage');
    check.number(memory, 'max_usage');
    const detail = check.object(memory, 'stats');
    if (detail !== undefined) {
      check.at('memory_stats.stats');
      for (let i = 0; i < MEMORY_DETAIL_FIELDS.length; i++) check.number(detail, MEMORY_DETAIL_FIELDS[i]);
    }
  }
  const networks = check.at('').object(stats, 'networks');
  if (networks !== undefined) checkNetworks(check, networks);
  const blkio = check.at('').object(stats, 'blkio_stats');
  if (blkio !== undefined) {
    checkBlkioEntries(check, blkio, 'io_service_bytes_recursive');
    checkBlkioEntries(check, blkio, 'io_serviced_recursive');
  }
  return stats as ContainerStats;
}

function checkNetworks(check: InPlaceCheck, networks: Out): void {
  const names = Object.keys(networks);
  for (let n = 0; n < names.length; n++) {
    const name = names[n];
    const counters = networks[name];
    if (!isObject(counters)) {
      // An interface is a key of its own: deleted, not left behind as undefined for the transform.
      if (counters !== null) check.at('networks').report(name);
      delete networks[name];
      continue;
    }
    check.at('networks', name);
    for (let i = 0; i < NETWORK_COUNTERS.length; i++) check.number(counters as Out, NETWORK_COUNTERS[i]);
  }
}

function checkBlkioEntries(check: InPlaceCheck, blkio: Out, key: string): void {
  const entries = check.at('blkio_stats').array(blkio, key);
  if (entries === undefined) return;
  let refused = false;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (!isObject(entry)) {
      if (entry !== null) check.at('blkio_stats', key, i).report('');
      refused = true;
      continue;
    }
    check.at('blkio_stats', key, i);
    check.number(entry as Out, 'major');
    check.number(entry as Out, 'minor');
    check.string(entry as Out, 'op');
    check.number(entry as Out, 'value');
  }
  if (refused) blkio[key] = entries.filter(isObject);
}

/**
 * Checks the fields of one container's stats where they are, and says where a refused one was. The
 * path is only built when something is reported, from the container's own path and the place the
 * checks are at (a section, a key in it such as an interface name or a list, an index in that
 * list), which `at` moves without building a string.
 */
class InPlaceCheck {
  private section = '';
  private name = '';
  private index = -1;

  constructor(
    private readonly onInvalid: InvalidFieldListener,
    private readonly path: string,
  ) {}

  at(section: string, name = '', index = -1): this {
    this.section = section;
    this.name = name;
    this.index = index;
    return this;
  }

  string(object: Out, key: string): void {
    const value = object[key];
    if (typeof value !== 'string' && value !== undefined) this.refuse(object, key, value);
  }

  /** Finite numbers only (JSON has no NaN, but a reader must not rely on that). */
  number(object: Out, key: string): void {
    const value = object[key];
    // `value - value` is 0 for finite numbers only: Number.isFinite without a call.
    if (typeof value === 'number' ? value - value !== 0 : value !== undefined) this.refuse(object, key, value);
  }

  object(object: Out, key: string): Out | undefined {
    const value = object[key];
    if (isObject(value)) return value as Out;
    if (value !== undefined) this.refuse(object, key, value);
    return undefined;
  }

  array(object: Out, key: string): readonly unknown[] | undefined {
    const value = object[key];
    if (Array.isArray(value)) return value;
    if (value !== undefined) this.refuse(object, key, value);
    return undefined;
  }

  /** A field of the wrong type becomes undefined; reported unless it was null (absent). */
  private refuse(object: Out, key: string, value: unknown): void {
    if (value !== null) this.report(key);
    object[key] = undefined;
  }

  report(key: string): void {
    let path = this.section === '' ? this.path : joinPath(this.path, this.section);
    if (this.name !== '') path = joinPath(path, this.name);
    if (this.index >= 0) path += `[${this.index}]`;
    this.onInvalid(key === '' ? path : joinPath(path, key));
  }
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
  /**
   * Read with plain lookups: every key read by name is a stats or metadata field, none of them a
   * property of Object.prototype, and the records read only own keys. (An own `__proto__` key,
   * which JSON.parse makes a data property, shadows the accessor.)
   */
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

  // The getters read `this.json[key]` themselves rather than through a helper: each is called for
  // every field of every container, interpreted, where a call costs more than the lookup.

  string(key: string): string | undefined {
    const value = this.json[key];
    return typeof value === 'string' ? value : this.invalid(key, value);
  }

  /** Finite numbers only (JSON has no NaN, but a reader must not rely on that). */
  number(key: string): number | undefined {
    const value = this.json[key];
    // `value - value` is 0 for finite numbers only: Number.isFinite without a call.
    return typeof value === 'number' && value - value === 0 ? value : this.invalid(key, value);
  }

  stringOrNumber(key: string): string | undefined {
    const value = this.json[key];
    return typeof value === 'number' && Number.isFinite(value) ? String(value) : this.string(key);
  }

  object<T>(key: string, read: (fields: Fields) => T): T | undefined {
    const value = this.json[key];
    return isObject(value) ? read(new Fields(value, this.onInvalid, this, key)) : this.invalid(key, value);
  }

  /** The items `read` accepts; an item it refuses is left out (the reader reports it). */
  array<T>(key: string, read: (item: Fields) => T | undefined): T[] | undefined {
    const value = this.json[key];
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

  /** This value itself is of the wrong type (an array item, a document): reported unless absent or (unless `evenNull`) null. */
  reportSelf(evenNull = false): undefined {
    if (this.raw !== undefined && (evenNull || this.raw !== null)) this.onInvalid(this.path());
    return undefined;
  }

  private path(): string {
    const base = this.parent === undefined ? this.key : joinPath(this.parent.path(), this.key);
    return this.index < 0 ? base : `${base}[${this.index}]`;
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
