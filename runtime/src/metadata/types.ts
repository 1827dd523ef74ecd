/**
 * The fields of the ECS Task Metadata Endpoint v4 that the exporter uses (and only those), as
 * `reader.ts` returns them. Every field is optional (the endpoint adds fields over time and omits
 * others per launch type) and these types are true at run time: the reader checked each value where
 * it entered and left out any of the wrong type (strings are strings, numbers are finite, label
 * values are strings, `Revision` is a string even when the endpoint sent a number). Only the reader
 * builds these values.
 */

/** One entry of `/task` `Containers[].Networks[]`. */
export interface ContainerNetworkMetadata {
  readonly NetworkMode?: string;
  readonly IPv4Addresses?: readonly string[];
}

/** One entry of `/task` `Containers[]`. */
export interface ContainerMetadata {
  readonly DockerId?: string;
  readonly Name?: string;
  readonly Image?: string;
  readonly Labels?: Readonly<Record<string, string>>;
  /** `RUNNING`, `STOPPED`, ... */
  readonly KnownStatus?: string;
  readonly ExitCode?: number;
  /** CPU in CPU units (1024 = 1 vCPU), Memory in MiB. */
  readonly Limits?: { readonly CPU?: number; readonly Memory?: number };
  readonly StartedAt?: string;
  readonly RestartCount?: number;
  /** `NORMAL`; `CNI_PAUSE` for the agent's pause container of EC2 awsvpc tasks. */
  readonly Type?: string;
  readonly Networks?: readonly ContainerNetworkMetadata[];
  /** Present for containers with a health check. */
  readonly Health?: ContainerHealth;
}

/** `/task` `Containers[].Health`. */
export interface ContainerHealth {
  /** `HEALTHY`, `UNHEALTHY` or `UNKNOWN`. */
  readonly status?: string;
}

/** `/task`. */
export interface TaskMetadata {
  /** ARN on Fargate, short name on EC2. */
  readonly Cluster?: string;
  readonly TaskARN?: string;
  readonly Family?: string;
  readonly Revision?: string;
  readonly AvailabilityZone?: string;
  readonly PullStartedAt?: string;
  readonly PullStoppedAt?: string;
  /** FARGATE, EC2, EXTERNAL, MANAGED_INSTANCES. */
  readonly LaunchType?: string;
  /** CPU in vCPUs, Memory in MiB; absent when the task definition sets no task-level size. */
  readonly Limits?: { readonly CPU?: number; readonly Memory?: number };
  readonly ServiceName?: string;
  readonly VPCID?: string;
  /** Fargate only, MiB. */
  readonly EphemeralStorageMetrics?: { readonly Utilized?: number; readonly Reserved?: number };
  readonly Containers?: readonly ContainerMetadata[];
}

export interface BlkioEntry {
  readonly major?: number;
  readonly minor?: number;
  /** `Read`/`Write` on cgroup v1, `read`/`write` on cgroup v2. */
  readonly op?: string;
  readonly value?: number;
}

export interface NetworkStats {
  readonly rx_bytes?: number;
  readonly rx_packets?: number;
  readonly rx_errors?: number;
  readonly rx_dropped?: number;
  readonly tx_bytes?: number;
  readonly tx_packets?: number;
  readonly tx_errors?: number;
  readonly tx_dropped?: number;
}

/**
 * `memory_stats.stats`: the fields the memory series come from. cgroup v1 reports `cache`, `rss`,
 * `inactive_file` and their hierarchical `total_*`; cgroup v2 reports `anon`, `file` and `inactive_file`.
 */
export interface MemoryDetail {
  readonly cache?: number;
  readonly rss?: number;
  readonly inactive_file?: number;
  readonly total_cache?: number;
  readonly total_rss?: number;
  readonly total_inactive_file?: number;
  readonly anon?: number;
  readonly file?: number;
}

/** A docker `StatsJSON` as served by `/task/stats` for one container. */
export interface ContainerStats {
  readonly read?: string;
  readonly cpu_stats?: {
    readonly cpu_usage?: {
      readonly total_usage?: number;
      readonly usage_in_usermode?: number;
      readonly usage_in_kernelmode?: number;
    };
  };
  readonly memory_stats?: {
    readonly usage?: number;
    readonly max_usage?: number;
    readonly stats?: MemoryDetail;
  };
  readonly networks?: Readonly<Record<string, NetworkStats>>;
  readonly blkio_stats?: {
    readonly io_service_bytes_recursive?: readonly BlkioEntry[];
    readonly io_serviced_recursive?: readonly BlkioEntry[];
  };
}

/**
 * `/task/stats`: keyed by DockerId. A container that is not running is `null` (Fargate) or `{}` (EC2).
 */
export type TaskStats = Readonly<Record<string, ContainerStats | null>>;
