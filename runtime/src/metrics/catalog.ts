/**
 * The metric catalog: the single source of truth for every container/task metric's name, type,
 * unit, help, labels and source field. The transform emits only names from this table, and a test
 * checks that the README's catalog is exactly `renderCatalogMarkdown()` so the two cannot drift.
 */
import type { MetricType } from '../model';

/** Labels every container series carries (values from `/task` alone; empty values are left out). */
export const TASK_LABELS = ['cluster', 'task_id', 'ecs_taskdef_name', 'ecs_taskdef_version', 'availability_zone', 'launch_type'] as const;
export const CONTAINER_LABELS = ['container', 'image', ...TASK_LABELS] as const;

export type MetricScope = 'container' | 'task' | 'network';

export interface CatalogEntry {
  readonly name: string;
  readonly type: MetricType;
  readonly unit: string;
  readonly help: string;
  /**
   * `container`: one series per running container; `task`: one per task; `network`: per interface,
   * per container in bridge mode, once per task (without `container`/`image`) in awsvpc mode.
   */
  readonly scope: MetricScope;
  /** Labels beyond the scope's standard set. */
  readonly extraLabels: readonly string[];
  /** Where the value comes from. */
  readonly source: string;
  /** cgroup v1/v2 (or launch type) differences. */
  readonly notes: string;
}

const counter = 'counter' as const;
const gauge = 'gauge' as const;

export const METRIC_CATALOG: readonly CatalogEntry[] = [
  { name: 'container_cpu_usage_seconds_total', type: counter, unit: 'seconds', scope: 'container', extraLabels: [], help: 'Cumulative CPU time consumed by the container.', source: 'cpu_stats.cpu_usage.total_usage / 1e9', notes: 'same on v1 and v2' },
  { name: 'container_cpu_user_seconds_total', type: counter, unit: 'seconds', scope: 'container', extraLabels: [], help: 'Cumulative user CPU time consumed by the container.', source: 'cpu_stats.cpu_usage.usage_in_usermode / 1e9', notes: 'same on v1 and v2' },
  { name: 'container_cpu_system_seconds_total', type: counter, unit: 'seconds', scope: 'container', extraLabels: [], help: 'Cumulative system (kernel) CPU time consumed by the container.', source: 'cpu_stats.cpu_usage.usage_in_kernelmode / 1e9', notes: 'same on v1 and v2' },
  { name: 'container_memory_usage_bytes', type: gauge, unit: 'bytes', scope: 'container', extraLabels: [], help: 'Current memory usage of the container, including page cache.', source: 'memory_stats.usage', notes: 'same on v1 and v2' },
  { name: 'container_memory_working_set_bytes', type: gauge, unit: 'bytes', scope: 'container', extraLabels: [], help: 'Current working set of the container: usage minus inactive file cache, floored at 0.', source: 'memory_stats.usage - memory_stats.stats inactive file', notes: 'v1: total_inactive_file (else inactive_file); v2: inactive_file' },
  { name: 'container_memory_rss', type: gauge, unit: 'bytes', scope: 'container', extraLabels: [], help: 'Anonymous (RSS) memory of the container.', source: 'memory_stats.stats', notes: 'v1: total_rss (else rss); v2: anon' },
  { name: 'container_memory_cache', type: gauge, unit: 'bytes', scope: 'container', extraLabels: [], help: 'Page cache memory of the container.', source: 'memory_stats.stats', notes: 'v1: total_cache (else cache); v2: file' },
  { name: 'container_memory_max_usage_bytes', type: gauge, unit: 'bytes', scope: 'container', extraLabels: [], help: 'Maximum memory usage recorded for the container.', source: 'memory_stats.max_usage', notes: 'v1 only (cgroup v2 has no max_usage)' },
  { name: 'container_spec_memory_limit_bytes', type: gauge, unit: 'bytes', scope: 'container', extraLabels: [], help: 'Memory hard limit of the container from the task metadata (container limit, else task limit).', source: '/task Containers[].Limits.Memory (MiB), else /task Limits.Memory', notes: 'never memory_stats.limit (about 2^63 without a hard limit)' },
  { name: 'container_spec_cpu_shares', type: gauge, unit: 'CPU units', scope: 'container', extraLabels: [], help: 'CPU units reserved for the container (1024 = 1 vCPU).', source: '/task Containers[].Limits.CPU', notes: 'left out when 0' },
  { name: 'container_start_time_seconds', type: gauge, unit: 'seconds since epoch', scope: 'container', extraLabels: [], help: 'Start time of the container since the Unix epoch.', source: '/task Containers[].StartedAt', notes: '' },
  { name: 'ecs_container_restarts_total', type: counter, unit: 'restarts', scope: 'container', extraLabels: [], help: 'Number of times ECS restarted the container in place (container restart policy).', source: '/task Containers[].RestartCount', notes: 'present only when a restart policy is on' },
  { name: 'ecs_container_health_status', type: gauge, unit: '1 or 0', scope: 'container', extraLabels: ['status'], help: 'Health check status of the container: 1 for the current status (healthy, unhealthy, unknown), 0 for the others.', source: '/task Containers[].Health.status', notes: 'containers with a health check only; stopped containers included' },
  { name: 'ecs_container_exit_code', type: gauge, unit: 'exit code', scope: 'container', extraLabels: [], help: 'Exit code of the container\'s last run.', source: '/task Containers[].ExitCode', notes: 'containers that have exited (stopped containers included, though they have no stats)' },
  { name: 'container_network_receive_bytes_total', type: counter, unit: 'bytes', scope: 'network', extraLabels: ['interface'], help: 'Cumulative bytes received.', source: 'networks.<interface>.rx_bytes', notes: 'awsvpc: once per task; bridge: per container; host: none' },
  { name: 'container_network_transmit_bytes_total', type: counter, unit: 'bytes', scope: 'network', extraLabels: ['interface'], help: 'Cumulative bytes transmitted.', source: 'networks.<interface>.tx_bytes', notes: 'awsvpc: once per task; bridge: per container; host: none' },
  { name: 'container_network_receive_packets_total', type: counter, unit: 'packets', scope: 'network', extraLabels: ['interface'], help: 'Cumulative packets received.', source: 'networks.<interface>.rx_packets', notes: 'awsvpc: once per task; bridge: per container; host: none' },
  { name: 'container_network_transmit_packets_total', type: counter, unit: 'packets', scope: 'network', extraLabels: ['interface'], help: 'Cumulative packets transmitted.', source: 'networks.<interface>.tx_packets', notes: 'awsvpc: once per task; bridge: per container; host: none' },
  { name: 'container_network_receive_errors_total', type: counter, unit: 'errors', scope: 'network', extraLabels: ['interface'], help: 'Cumulative errors while receiving.', source: 'networks.<interface>.rx_errors', notes: 'awsvpc: once per task; bridge: per container; host: none' },
  { name: 'container_network_transmit_errors_total', type: counter, unit: 'errors', scope: 'network', extraLabels: ['interface'], help: 'Cumulative errors while transmitting.', source: 'networks.<interface>.tx_errors', notes: 'awsvpc: once per task; bridge: per container; host: none' },
  { name: 'container_network_receive_packets_dropped_total', type: counter, unit: 'packets', scope: 'network', extraLabels: ['interface'], help: 'Cumulative packets dropped while receiving.', source: 'networks.<interface>.rx_dropped', notes: 'awsvpc: once per task; bridge: per container; host: none' },
  { name: 'container_network_transmit_packets_dropped_total', type: counter, unit: 'packets', scope: 'network', extraLabels: ['interface'], help: 'Cumulative packets dropped while transmitting.', source: 'networks.<interface>.tx_dropped', notes: 'awsvpc: once per task; bridge: per container; host: none' },
  { name: 'container_fs_reads_bytes_total', type: counter, unit: 'bytes', scope: 'container', extraLabels: ['device'], help: 'Cumulative bytes read from block devices.', source: 'blkio_stats.io_service_bytes_recursive op Read/read', notes: 'v1 op `Read`, v2 op `read`; device = "major:minor"' },
  { name: 'container_fs_writes_bytes_total', type: counter, unit: 'bytes', scope: 'container', extraLabels: ['device'], help: 'Cumulative bytes written to block devices.', source: 'blkio_stats.io_service_bytes_recursive op Write/write', notes: 'v1 op `Write`, v2 op `write`; device = "major:minor"' },
  { name: 'container_fs_reads_total', type: counter, unit: 'operations', scope: 'container', extraLabels: ['device'], help: 'Cumulative read operations on block devices.', source: 'blkio_stats.io_serviced_recursive op Read/read', notes: 'usually v1 only (docker leaves it empty on v2)' },
  { name: 'container_fs_writes_total', type: counter, unit: 'operations', scope: 'container', extraLabels: ['device'], help: 'Cumulative write operations on block devices.', source: 'blkio_stats.io_serviced_recursive op Write/write', notes: 'usually v1 only (docker leaves it empty on v2)' },
  { name: 'ecs_task_cpu_limit_vcpus', type: gauge, unit: 'vCPUs', scope: 'task', extraLabels: [], help: 'Task-level CPU limit.', source: '/task Limits.CPU', notes: 'absent when the task definition sets no task size' },
  { name: 'ecs_task_memory_limit_bytes', type: gauge, unit: 'bytes', scope: 'task', extraLabels: [], help: 'Task-level memory limit.', source: '/task Limits.Memory (MiB)', notes: 'absent when the task definition sets no task size' },
  { name: 'ecs_task_ephemeral_storage_utilized_bytes', type: gauge, unit: 'bytes', scope: 'task', extraLabels: [], help: 'Ephemeral storage used by the task.', source: '/task EphemeralStorageMetrics.Utilized (MiB)', notes: 'Fargate only' },
  { name: 'ecs_task_ephemeral_storage_reserved_bytes', type: gauge, unit: 'bytes', scope: 'task', extraLabels: [], help: 'Ephemeral storage reserved for the task.', source: '/task EphemeralStorageMetrics.Reserved (MiB)', notes: 'Fargate only' },
  { name: 'ecs_task_image_pull_start_timestamp_seconds', type: gauge, unit: 'seconds since epoch', scope: 'task', extraLabels: [], help: 'Time the task started pulling its container images.', source: '/task PullStartedAt', notes: 'absent when the agent did not pull (images cached)' },
  { name: 'ecs_task_image_pull_stop_timestamp_seconds', type: gauge, unit: 'seconds since epoch', scope: 'task', extraLabels: [], help: 'Time the task finished pulling its container images.', source: '/task PullStoppedAt', notes: 'absent when the agent did not pull (images cached)' },
];

/** The exporter's own metrics (registered with prom-client in `self-metrics.ts`). */
export interface SelfMetricEntry {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly unit: string;
  readonly help: string;
  readonly labels: readonly string[];
}

export const SELF_METRICS: readonly SelfMetricEntry[] = [
  { name: 'ecs_exporter_collection_up', type: 'gauge', unit: '1 or 0', labels: [], help: '1 when the last collection from the task metadata endpoint succeeded, else 0.' },
  { name: 'ecs_exporter_last_successful_collection_timestamp_seconds', type: 'gauge', unit: 'seconds since epoch', labels: [], help: 'Time of the last successful collection.' },
  { name: 'ecs_exporter_collections_total', type: 'counter', unit: 'collections', labels: ['outcome'], help: 'Collections attempted, by outcome (success, failure).' },
  { name: 'ecs_exporter_metadata_requests_total', type: 'counter', unit: 'requests', labels: ['endpoint', 'outcome'], help: 'HTTP attempts against the task metadata endpoint, by endpoint (task, task_stats) and outcome (success, http_error, network_error, timeout, invalid_body).' },
  { name: 'ecs_exporter_metadata_request_duration_seconds', type: 'histogram', unit: 'seconds', labels: ['endpoint'], help: 'Latency of HTTP attempts against the task metadata endpoint.' },
  { name: 'ecs_exporter_containers', type: 'gauge', unit: 'containers', labels: ['state'], help: 'Application containers in the last collection, by state (running = has stats, stopped = null or empty stats); the agent\'s internal containers (pause) are not counted.' },
  { name: 'ecs_exporter_series_dropped_total', type: 'counter', unit: 'series', labels: ['reason'], help: 'Series left out of collections, by reason (series_limit: over maxSeriesPerCollection; interface_limit: over 32 network interfaces per container; device_limit: over 64 block devices per container; invalid_value: a metadata or stats field of the wrong type, left out where it was read).' },
  { name: 'ecs_exporter_sample_timestamps_replaced_total', type: 'counter', unit: 'samples', labels: ['reason'], help: 'Samples stamped with the collection time instead of their stats read time, which a receiver would refuse (too_old: more than 5 minutes before the collection; in_future: more than 5 minutes after it; unparsable).' },
  // Active mode only (runtime/src/active/remote-write/stats.ts).
  { name: 'ecs_exporter_remote_write_samples_sent_total', type: 'counter', unit: 'samples', labels: [], help: 'Active mode: samples the remote-write receiver accepted.' },
  { name: 'ecs_exporter_remote_write_samples_failed_total', type: 'counter', unit: 'samples', labels: [], help: 'Active mode: samples the receiver refused for good with a 4xx status (never resent; the sum of samples_rejected_total over its reasons).' },
  { name: 'ecs_exporter_remote_write_samples_rejected_total', type: 'counter', unit: 'samples', labels: ['reason'], help: 'Active mode: samples the receiver refused for good, by reason read from its answer (out_of_bounds, out_of_order, duplicate, too_large, unauthorized, bad_request, other).' },
  { name: 'ecs_exporter_remote_write_samples_dropped_total', type: 'counter', unit: 'samples', labels: [], help: 'Active mode: samples dropped because the queue was full (oldest first) or still queued when the shutdown deadline passed.' },
  { name: 'ecs_exporter_remote_write_samples_out_of_order_total', type: 'counter', unit: 'samples', labels: [], help: 'Active mode: samples not queued because their timestamp was not newer than the last one of their series.' },
  { name: 'ecs_exporter_remote_write_samples_retried_total', type: 'counter', unit: 'samples', labels: [], help: 'Active mode: samples sent again after a 429, a 5xx or a network error.' },
  { name: 'ecs_exporter_remote_write_requests_retried_total', type: 'counter', unit: 'requests', labels: [], help: 'Active mode: remote-write requests sent again after a 429, a 5xx or a network error.' },
  { name: 'ecs_exporter_remote_write_queue_samples', type: 'gauge', unit: 'samples', labels: [], help: 'Active mode: samples waiting in the remote-write queue.' },
  { name: 'ecs_exporter_remote_write_queue_capacity_samples', type: 'gauge', unit: 'samples', labels: [], help: 'Active mode: capacity of the remote-write queue (remoteWrite_maxPendingSamples).' },
  { name: 'ecs_exporter_remote_write_last_success_timestamp_seconds', type: 'gauge', unit: 'seconds since epoch', labels: [], help: 'Active mode: time of the last request the receiver accepted (0 before the first).' },
];

export function catalogEntry(name: string): CatalogEntry {
  const entry = METRIC_CATALOG.find((e) => e.name === name);
  if (entry === undefined) throw new Error(`metric ${name} is not in the catalog`);
  return entry;
}

/** The label names a series of this entry may carry. */
export function allowedLabels(entry: CatalogEntry): readonly string[] {
  const base = entry.scope === 'task' ? TASK_LABELS : CONTAINER_LABELS;
  return [...base, ...entry.extraLabels];
}

const SCOPE_LABELS: Readonly<Record<MetricScope, string>> = {
  container: 'container labels',
  task: 'task labels',
  network: 'container labels (awsvpc: task labels)',
};

/** The README "Metric catalog" tables, generated from the code tables. */
export function renderCatalogMarkdown(): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    `Container labels: ${CONTAINER_LABELS.map((l) => `\`${l}\``).join(', ')}. Task labels: the same without \`container\` and \`image\`.`,
    '',
    '| name | type | unit | labels | source field | cgroup v1/v2 and notes |',
    '|---|---|---|---|---|---|',
    ...METRIC_CATALOG.map((e) => {
      const labels = [SCOPE_LABELS[e.scope], ...e.extraLabels.map((l) => `\`${l}\``)].join(' + ');
      return `| \`${e.name}\` | ${e.type} | ${e.unit} | ${labels} | \`${escape(e.source)}\` | ${escape(e.notes)} |`;
    }),
    '',
    'Self-metrics of the exporter (plus prom-client\'s standard `process_*` and `nodejs_*` metrics):',
    '',
    '| name | type | unit | labels | meaning |',
    '|---|---|---|---|---|',
    ...SELF_METRICS.map((e) => `| \`${e.name}\` | ${e.type} | ${e.unit} | ${e.labels.map((l) => `\`${l}\``).join(', ') || '-'} | ${escape(e.help)} |`),
  ];
  return lines.join('\n');
}
