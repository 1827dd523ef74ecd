/**
 * The scrape endpoints of a task, found the way the central discovery finds them: running containers
 * with the docker labels PROMETHEUS_EXPORTER_PATH and PROMETHEUS_EXPORTER_PORT, except the sidecar.
 * awsvpc and host containers share the sidecar's network namespace or host, so they are reached on
 * 127.0.0.1; bridge containers on their own address from the metadata `Networks`. The task comes
 * typed from the reader, which already left out fields of the wrong type; a container whose labels
 * name no usable port or path is skipped, never the task.
 */
import { text } from '../../core/fields';
import type { Logger } from '../../logger';
import type { ContainerMetadata, TaskMetadata } from '../../metadata/types';

export const PATH_LABEL = 'PROMETHEUS_EXPORTER_PATH';
export const PORT_LABEL = 'PROMETHEUS_EXPORTER_PORT';

/** Where and how to scrape one container. */
export interface ScrapeEndpoint {
  readonly containerName: string;
  readonly url: string;
  /** `instance` label: the address the central discovery would use (task/container IP and port). */
  readonly instance: string;
}

export interface DiscoveryOptions {
  /** DockerId of the sidecar itself, which is never scraped (its metrics are collected directly). */
  readonly selfDockerId?: string;
  readonly logger?: Logger;
}

export function discoverEndpoints(task: TaskMetadata, options: DiscoveryOptions = {}): ScrapeEndpoint[] {
  return (task.Containers ?? []).flatMap((container) => endpointOf(container, options) ?? []);
}

function endpointOf(container: ContainerMetadata, options: DiscoveryOptions): ScrapeEndpoint | undefined {
  const path = container.Labels?.[PATH_LABEL];
  const portText = container.Labels?.[PORT_LABEL];
  const name = container.Name;
  if (path === undefined || portText === undefined || name === undefined || name === '') return undefined;
  if (options.selfDockerId !== undefined && container.DockerId === options.selfDockerId) return undefined;
  if (container.KnownStatus !== undefined && container.KnownStatus !== 'RUNNING') return undefined;
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535) || !/^\/[^\s]*$/.test(path)) {
    options.logger?.debug('scrape target skipped: invalid docker labels', { container: name, [PORT_LABEL]: portText, [PATH_LABEL]: path });
    return undefined;
  }
  const { mode, ip } = firstNetwork(container);
  const sharesNamespace = mode === undefined || mode === 'awsvpc' || mode === 'host';
  const host = sharesNamespace ? '127.0.0.1' : ip;
  if (!host) {
    options.logger?.debug('scrape target skipped: bridge container without an IPv4 address', { container: name });
    return undefined;
  }
  return { containerName: name, url: `http://${host}:${port}${path}`, instance: `${ip ?? host}:${port}` };
}

/** Network mode and first IPv4 address of a container's first network (metadata `Networks[0]`). */
export function firstNetwork(container: ContainerMetadata | undefined): { readonly mode?: string; readonly ip?: string } {
  const network = container?.Networks?.[0];
  if (network === undefined) return {};
  return { mode: text(network.NetworkMode) ?? 'unknown', ip: text(network.IPv4Addresses?.[0]) };
}
