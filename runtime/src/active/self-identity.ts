/**
 * Which container of the task is the sidecar itself: its name gives its own series `job` and
 * `container`, its DockerId keeps it out of the scrape targets, and its IP with the listen port gives
 * `instance`, as the central scraper would set it. Asked once of `$ECS_CONTAINER_METADATA_URI_V4`;
 * when that fails, the task container whose docker labels point at this exporter's port and path,
 * with ONE warning. Without either, the series still carry every label that needs no identity.
 */
import { httpGet } from './http-get';
import type { Logger } from '../logger';
import { firstNetwork, PATH_LABEL, PORT_LABEL } from './scrape/discovery';
import { text } from '../core/fields';
import { readContainer } from '../metadata/reader';
import type { ContainerMetadata, TaskMetadata } from '../metadata/types';

export interface OwnContainer {
  readonly name?: string;
  readonly dockerId?: string;
  /** `<task IP>:<port>` when the IP is known. */
  readonly instance?: string;
}

export interface SelfIdentityOptions {
  readonly metadataUri: string;
  /** The port the exporter listens on. */
  readonly port: number;
  readonly metricsPath: string;
  readonly logger: Logger;
}

const TIMEOUT_MS = 2_000;
const MAX_BYTES = 1024 * 1024;

export class SelfIdentity {
  private fetched: ContainerMetadata | undefined;
  private warned = false;

  constructor(private readonly options: SelfIdentityOptions) {}

  /** Asks the metadata endpoint for the sidecar's own container; never throws. */
  async resolve(): Promise<void> {
    try {
      const response = await httpGet(this.options.metadataUri, { timeoutMs: TIMEOUT_MS, maxBytes: MAX_BYTES, headers: { accept: 'application/json' } });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      const own = readContainer(JSON.parse(response.body));
      if (text(own?.Name) === undefined) throw new Error('no container Name');
      this.fetched = own;
    } catch (err) {
      this.options.logger.debug('own container metadata unavailable; identifying the sidecar by its docker labels', { reason: (err as Error).message });
    }
  }

  /** The sidecar's container in `task`, as well as it can be told. */
  in(task: TaskMetadata | undefined): OwnContainer {
    const own = this.fetched ?? this.byDockerLabels(task);
    if (!this.fetched && !this.warned && task !== undefined) {
      this.warned = true;
      this.options.logger.warn(own
        ? 'own container metadata unavailable: the sidecar is identified by its docker labels'
        : 'cannot identify the sidecar\'s own container (metadata and docker labels): its own series go out without job/container', {
        container: own?.Name, [PORT_LABEL]: String(this.options.port), [PATH_LABEL]: this.options.metricsPath,
      });
    }
    const ip = firstNetwork(own).ip ?? taskIp(task);
    return {
      name: text(own?.Name),
      dockerId: text(own?.DockerId),
      instance: ip !== undefined ? `${ip}:${this.options.port}` : undefined,
    };
  }

  private byDockerLabels(task: TaskMetadata | undefined): ContainerMetadata | undefined {
    return task?.Containers?.find((c) => c.Labels?.[PORT_LABEL] === String(this.options.port) && c.Labels?.[PATH_LABEL] === this.options.metricsPath);
  }
}

/** awsvpc: every container has the task's address, so any of them tells it. */
function taskIp(task: TaskMetadata | undefined): string | undefined {
  for (const container of task?.Containers ?? []) {
    const network = firstNetwork(container);
    if (network.mode === 'awsvpc') return network.ip;
  }
  return undefined;
}
