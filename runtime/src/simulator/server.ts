/**
 * A simulated ECS task metadata endpoint: serves `/task` and `/task/stats` (and the container's own
 * `/` and `/stats`) in a recorded shape, with counters advancing over (injectable) time, and a
 * switch to make it fail like the real endpoint does. Used by the tests, the demo and the benchmark.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildStats, buildTask, taskAt, type ShapeOptions, type SimulatedShape } from './shapes';

export interface SimulatedTaskOptions {
  /** @default 'fargate-v1' */
  readonly shape?: SimulatedShape;
  /** Running containers. @default 3 */
  readonly containers?: number;
  /** CPU per container in cores. @default 0.25 */
  readonly cpuCores?: number;
  /** @default 10000 */
  readonly networkBytesPerSecond?: number;
  /** @default true */
  readonly includeStopped?: boolean;
  /** Answer 500 to this many requests first, like the endpoint right after task start. @default 0 */
  readonly failFirstRequests?: number;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Clock in ms; counters are a function of `now() - start`. @default Date.now */
  readonly now?: () => number;
}

/** How the endpoint misbehaves: an HTTP status, a body that is not JSON, or no answer at all. */
export type SimulatedFailure = { readonly status: number } | 'malformed' | 'hang';

export interface SimulatedTask {
  /** The value for ECS_CONTAINER_METADATA_URI_V4. */
  readonly metadataUri: string;
  readonly port: number;
  readonly options: Required<Omit<SimulatedTaskOptions, 'port' | 'host' | 'now' | 'failFirstRequests'>>;
  /** Requests served, by path. */
  readonly requests: Readonly<Record<string, number>>;
  /** Make every request fail until `recover()`. */
  fail(failure?: SimulatedFailure): void;
  recover(): void;
  stop(): Promise<void>;
}

export async function startSimulatedTask(options: SimulatedTaskOptions = {}): Promise<SimulatedTask> {
  const shapeOptions = shapeOptionsOf(options);
  const now = options.now ?? Date.now;
  const startMs = now();
  const task = buildTask(shapeOptions, startMs);
  const requests: Record<string, number> = {};
  let failure: SimulatedFailure | undefined;
  let failuresLeft = options.failFirstRequests ?? 0;
  const hanging = new Set<import('node:http').ServerResponse>();

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
    requests[path] = (requests[path] ?? 0) + 1;
    const active: SimulatedFailure | undefined = failure ?? (failuresLeft > 0 ? { status: 500 } : undefined);
    if (failure === undefined && failuresLeft > 0) failuresLeft--;
    if (active === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (active === 'malformed') return json(res, 200, '{"Cluster": "trunc');
    if (active !== undefined) return json(res, active.status, JSON.stringify({ error: 'simulated failure' }));

    const nowMs = now();
    const [status, body] = metadataResponse(path, task, nowMs, () => buildStats(shapeOptions, nowMs, Math.max(0, (nowMs - startMs) / 1000)));
    return json(res, status, JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    metadataUri: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    options: shapeOptions,
    requests,
    fail: (f = { status: 500 }) => {
      failure = f;
    },
    recover: () => {
      failure = undefined;
      for (const res of hanging) res.destroy();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function shapeOptionsOf(options: SimulatedTaskOptions): ShapeOptions {
  const shapeOptions: ShapeOptions = {
    shape: options.shape ?? 'fargate-v1',
    containers: options.containers ?? 3,
    cpuCores: options.cpuCores ?? 0.25,
    networkBytesPerSecond: options.networkBytesPerSecond ?? 10_000,
    includeStopped: options.includeStopped ?? true,
  };
  if (!Number.isInteger(shapeOptions.containers) || shapeOptions.containers < 0) throw new Error(`containers must be a non-negative integer, got ${shapeOptions.containers}`);
  if (!(shapeOptions.cpuCores >= 0)) throw new Error(`cpuCores must be >= 0, got ${shapeOptions.cpuCores}`);
  return shapeOptions;
}

/** The metadata endpoint's routes: the task (as at `nowMs`), its stats, and (at the root) the calling container. */
function metadataResponse(path: string, task: ReturnType<typeof buildTask>, nowMs: number, stats: () => unknown): [number, unknown] {
  switch (path) {
    case '/task':
      return [200, taskAt(task, nowMs)];
    case '/task/stats':
      return [200, stats()];
    case '/':
      return [200, task.Containers?.[0] ?? {}];
    default:
      return [404, { error: `no such path ${path}` }];
  }
}

function json(res: import('node:http').ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
