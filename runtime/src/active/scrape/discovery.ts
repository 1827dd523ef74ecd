/**
 * The scrape endpoints of a task, found the way the central discovery finds them: running containers
 * with the docker labels PROMETHEUS_EXPORTER_PATH and PROMETHEUS_EXPORTER_PORT, except the sidecar.
 * awsvpc and host containers share the sidecar's network namespace or host, so they are reached on
 * 127.0.0.1; bridge containers on their own address from the metadata `Networks`. A container whose
 * fields have the wrong type is skipped, never the task.
 */
import { isRecord, text } from '../../core/fields';
import type { Logger } from '../../logger';
import type { TaskMetadata } from '../../metadata/types';

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
  const containers: unknown = task.Containers;
  if (!Array.isArray(containers)) return [];
  const endpoints: ScrapeEndpoint[] = [];
  for (const container of containers) {
    const endpoint = isRecord(container) ? endpointOf(container, options) : undefined;
    if (endpoint) endpoints.push(endpoint);
  }
  return endpoints;
}

function endpointOf(container: Record<string, unknown>, options: DiscoveryOptions): ScrapeEndpoint | undefined {
  const labels = isRecord(container.Labels) ? container.Labels : {};
  const path = labels[PATH_LABEL];
  const portText = labels[PORT_LABEL];
  const name = container.Name;
  if (path === undefined || portText === undefined || typeof name !== 'string' || name === '') return undefined;
  if (options.selfDockerId !== undefined && container.DockerId === options.selfDockerId) return undefined;
  if (container.KnownStatus !== undefined && container.KnownStatus !== 'RUNNING') return undefined;
  const port = typeof portText === 'string' && /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535) || typeof path !== 'string' || !/^\/[^\s]*$/.test(path)) {
    options.logger?.debug('scrape target skipped: invalid docker labels', { container: name, [PORT_LABEL]: String(portText), [PATH_LABEL]: String(path) });
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
export function firstNetwork(container: Record<string, unknown> | undefined): { readonly mode?: string; readonly ip?: string } {
  const network: unknown = Array.isArray(container?.Networks) ? container.Networks[0] : undefined;
  if (!isRecord(network)) return {};
  const addresses = Array.isArray(network.IPv4Addresses) ? network.IPv4Addresses : [];
  return { mode: text(network.NetworkMode) ?? 'unknown', ip: text(addresses[0]) };
}
