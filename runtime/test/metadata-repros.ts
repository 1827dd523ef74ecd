/**
 * Minimal metadata documents that each once made the exporter exit: the recorded Fargate shape with
 * one field of the wrong type. Shared by the reader, Passive-mode and Active-mode process tests, with
 * a metadata server that serves them in turn (`serve(repro)`), on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadShape } from './fixtures';

export interface MetadataRepro {
  /** What is wrong, e.g. `Revision as the number 7`. */
  readonly name: string;
  /** The field the reader must leave out (a path as the reader reports it), or undefined when the value is kept converted. */
  readonly invalidPath?: string;
  readonly task: Record<string, unknown>;
  readonly stats: Record<string, unknown>;
}

/** Docker labels of the container the sidecar (Active mode) would scrape. */
export const SCRAPE_PORT_LABEL = 'PROMETHEUS_EXPORTER_PORT';
export const SCRAPE_PATH_LABEL = 'PROMETHEUS_EXPORTER_PATH';

type Task = Record<string, unknown> & { Containers: Record<string, unknown>[] };

function base(): { task: Task; stats: Record<string, unknown> } {
  const shape = loadShape('fargate-awsvpc-cgroupv1');
  return JSON.parse(JSON.stringify({ task: shape.task, stats: shape.stats })) as { task: Task; stats: Record<string, unknown> };
}

function repro(name: string, invalidPath: string | undefined, change: (task: Task) => void): MetadataRepro {
  const { task, stats } = base();
  change(task);
  return { name, invalidPath, task, stats };
}

export const METADATA_REPROS: readonly MetadataRepro[] = [
  repro('Revision as the number 7', undefined, (t) => {
    t.Revision = 7;
  }),
  repro('AvailabilityZone as an object', 'AvailabilityZone', (t) => {
    t.AvailabilityZone = { name: 'us-west-2a' };
  }),
  repro('Cluster as a number', 'Cluster', (t) => {
    t.Cluster = 42;
  }),
  repro('Family as an array', 'Family', (t) => {
    t.Family = ['checkout'];
  }),
  repro('Containers as an object', 'Containers', (t) => {
    t.Containers = Object.fromEntries(t.Containers.map((c) => [c.Name, c])) as unknown as Task['Containers'];
  }),
  repro('a null container', 'Containers[0]', (t) => {
    t.Containers = [null as unknown as Record<string, unknown>, ...t.Containers];
  }),
  repro('a numeric PROMETHEUS_EXPORTER_PATH label value', 'Containers[0].Labels.PROMETHEUS_EXPORTER_PATH', (t) => {
    t.Containers[0].Labels = { ...(t.Containers[0].Labels as object), [SCRAPE_PORT_LABEL]: '8080', [SCRAPE_PATH_LABEL]: 8080 };
  }),
];

export interface ReproServer {
  /** The value for ECS_CONTAINER_METADATA_URI_V4. */
  readonly metadataUri: string;
  /** Serve this repro from now on (`/task`, `/task/stats`, and its first container at `/`). */
  serve(repro: MetadataRepro): void;
  /** Requests of `/task` served since the last `serve`. */
  taskRequests(): number;
  stop(): Promise<void>;
}

export async function startReproServer(first: MetadataRepro = METADATA_REPROS[0]): Promise<ReproServer> {
  let current = first;
  let taskRequests = 0;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
    if (path === '/task') taskRequests++;
    const containers = current.task.Containers;
    const body = path === '/task' ? current.task : path === '/task/stats' ? current.stats : path === '/' ? (Array.isArray(containers) ? containers[0] : containers) ?? {} : undefined;
    const text = JSON.stringify(body ?? { error: `no such path ${path}` });
    res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    metadataUri: `http://127.0.0.1:${port}`,
    serve: (next) => {
      current = next;
      taskRequests = 0;
    },
    taskRequests: () => taskRequests,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
