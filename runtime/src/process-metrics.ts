/**
 * The standard `process_*` and `nodejs_*` series (the names and help of prom-client's default
 * metrics, which dashboards and alerts already use), as prom-client metrics with cheap `collect()`s.
 * prom-client's own `collectDefaultMetrics` is not used: it loads @opentelemetry/api for the CPU
 * counters (~8.7 MiB RSS on Node 24), keeps a GC observer and an event-loop monitor running, and
 * its per-space heap gauges add 24 series nobody asked for (runtime/bench/FINDINGS.md).
 *
 * Kept: CPU (user, system, total), resident/virtual/heap memory, open and max descriptors, start
 * time, V8 heap total/used/external, Node version, active handles/requests/resources by type.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monotonicMs } from './core/clock';
import { Counter, Gauge, type Registry } from './prom-client';

/** Values of /proc/self/status, read once for the three memory gauges of one scrape. */
interface ProcStatus {
  readonly rssBytes?: number;
  readonly virtualBytes?: number;
  readonly dataBytes?: number;
}

/** One scrape collects a group of gauges in a row: one read serves the whole group. */
const READ_REUSE_MS = 5;

/** The registries every metric here registers with. */
type Registers = Registry[];

export function registerProcessMetrics(registry: Registry): void {
  const registers = [registry];
  registerCpuCounters(registers);
  registerMemoryGauges(registers);
  registerDescriptorGauges(registers);
  new Gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', registers }).set(Math.round(Date.now() / 1000 - process.uptime()));
  registerHeapGauges(registers);
  registerVersionInfo(registers);
  registerActiveByType(registers);
}

function registerCpuCounters(registers: Registers): void {
  cpuCounter(registers, 'process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', (u) => u.user);
  cpuCounter(registers, 'process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', (u) => u.system);
  cpuCounter(registers, 'process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (u) => u.user + u.system);
}

// CPU: each counter advances by what process.cpuUsage() says was used since its own last collect,
// so each stays monotonic and exact whichever of the three a caller collects.
function cpuCounter(registers: Registers, name: string, help: string, pick: (usage: NodeJS.CpuUsage) => number): void {
  let last = 0;
  new Counter({
    name,
    help,
    registers,
    collect() {
      const total = pick(process.cpuUsage());
      if (total > last) this.inc((total - last) / 1e6);
      last = Math.max(last, total);
    },
  });
}

function registerMemoryGauges(registers: Registers): void {
  const status = new ScrapeReading(readProcStatus);
  const memoryGauge = (name: string, help: string, pick: (s: ProcStatus) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const value = pick(status.current());
        if (value !== undefined) this.set(value);
      },
    });
  // Outside Linux there is no /proc: the resident size still comes from libuv.
  memoryGauge('process_resident_memory_bytes', 'Resident memory size in bytes.', (s) => s.rssBytes ?? process.memoryUsage.rss());
  memoryGauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', (s) => s.virtualBytes);
  memoryGauge('process_heap_bytes', 'Process heap size in bytes.', (s) => s.dataBytes);
}

/** The last value `read` returned, read again once it is older than READ_REUSE_MS. */
class ScrapeReading<T> {
  private value: T | undefined;
  private readAtMs = -Infinity;

  constructor(private readonly read: () => T) {}

  current(): T {
    const now = monotonicMs();
    if (this.value === undefined || now - this.readAtMs > READ_REUSE_MS) {
      this.value = this.read();
      this.readAtMs = now;
    }
    return this.value;
  }
}

function registerDescriptorGauges(registers: Registers): void {
  new Gauge({
    name: 'process_open_fds',
    help: 'Number of open file descriptors.',
    registers,
    collect() {
      try {
        // readdir opens one descriptor of its own for /proc/self/fd, listed there too.
        this.set(readdirSync('/proc/self/fd').length - 1);
      } catch {
        // Not Linux: the series is left out.
      }
    },
  });
  const maxFds = readMaxFds();
  if (maxFds !== undefined) new Gauge({ name: 'process_max_fds', help: 'Maximum number of open file descriptors.', registers }).set(maxFds);
}

function registerHeapGauges(registers: Registers): void {
  // process.memoryUsage() also reads /proc/self/stat (for rss): once per scrape serves all three.
  const usage = new ScrapeReading(() => process.memoryUsage());
  const heapGauge = (name: string, help: string, pick: (m: NodeJS.MemoryUsage) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(pick(usage.current()));
      },
    });
  heapGauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', (m) => m.heapTotal);
  heapGauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', (m) => m.heapUsed);
  heapGauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', (m) => m.external);
}

function registerVersionInfo(registers: Registers): void {
  const [major, minor, patch] = process.versions.node.split('.').map(Number);
  new Gauge({ name: 'nodejs_version_info', help: 'Node.js version info.', labelNames: ['version', 'major', 'minor', 'patch'], registers })
    .set({ version: process.version, major, minor, patch }, 1);
}

// The README names these (e.g. the enrichment child shows as ChildProcess/Pipe while it runs).
function registerActiveByType(registers: Registers): void {
  const internals = process as unknown as { _getActiveHandles?: () => unknown[]; _getActiveRequests?: () => unknown[] };
  if (typeof internals._getActiveHandles === 'function') {
    countByType(registers, 'nodejs_active_handles', 'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.', () => typeNames(internals._getActiveHandles!()));
  }
  if (typeof internals._getActiveRequests === 'function') {
    countByType(registers, 'nodejs_active_requests', 'Number of active libuv requests grouped by request type. Every request type is C++ class name.', () => typeNames(internals._getActiveRequests!()));
  }
  countByType(registers, 'nodejs_active_resources', 'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.', () => process.getActiveResourcesInfo());
}

function countByType(registers: Registers, name: string, help: string, list: () => readonly string[]): void {
  new Gauge({
    name,
    help,
    labelNames: ['type'],
    registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const type of list()) counts.set(type, (counts.get(type) ?? 0) + 1);
      for (const [type, count] of counts) this.set({ type }, count);
    },
  });
}

function typeNames(objects: readonly unknown[]): string[] {
  return objects.map((o) => (o as object | null)?.constructor?.name ?? 'unknown');
}

function readProcStatus(): ProcStatus {
  let text: string;
  try {
    text = readFileSync('/proc/self/status', 'latin1');
  } catch {
    return {};
  }
  return { rssBytes: statusKiB(text, 'VmRSS:'), virtualBytes: statusKiB(text, 'VmSize:'), dataBytes: statusKiB(text, 'VmData:') };
}

/** A `Name:   1234 kB` line of /proc/self/status, in bytes. */
function statusKiB(text: string, key: string): number | undefined {
  const at = text.indexOf(key);
  if (at === -1) return undefined;
  const kib = parseInt(text.slice(at + key.length, text.indexOf('\n', at)), 10);
  return Number.isFinite(kib) ? kib * 1024 : undefined;
}

function readMaxFds(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    return line ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}
