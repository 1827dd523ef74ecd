/**
 * The HTTP server: the metrics endpoint (optionally behind basic auth) and `/health` (never behind
 * auth, so the ECS container health check works). It only moves bytes; what to expose comes from
 * the `exposition` callback.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BasicAuthCredentials } from './config';
import { HEALTH_PATH } from './environment-contract.generated';
import type { Logger } from './logger';

export interface MetricsServerOptions {
  readonly port: number;
  /** 0.0.0.0 in the container; tests use 127.0.0.1. */
  readonly host?: string;
  readonly metricsPath: string;
  readonly auth?: BasicAuthCredentials;
  readonly logger: Logger;
  /** Produces the exposition text and its content type. */
  readonly exposition: () => Promise<{ readonly contentType: string; readonly body: string }>;
}

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningServer> {
  const checkAuth = options.auth ? basicAuthChecker(options.auth) : () => true;
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      options.logger.error('request failed', { path: pathOf(req), err: error });
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  // Prometheus reuses connections; keep them a little longer than a typical 15 s scrape interval.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    if (path !== HEALTH_PATH && path !== options.metricsPath) {
      send(res, 404, 'not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'method not allowed\n');
      return;
    }
    if (path === HEALTH_PATH) {
      send(res, 200, 'OK', 'text/plain; charset=utf-8', req.method === 'HEAD');
      return;
    }
    if (!checkAuth(req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="ecs-exporter", charset="UTF-8"');
      send(res, 401, 'unauthorized\n');
      return;
    }
    const { contentType, body } = await options.exposition();
    send(res, 200, body, contentType, req.method === 'HEAD');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '0.0.0.0';
  return {
    port,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8', headOnly = false): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(headOnly ? undefined : body);
}

/** Constant-time comparison of the whole `Authorization` header against the expected one. */
function basicAuthChecker(credentials: BasicAuthCredentials): (header: string | undefined) => boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const expected = digest(`Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`);
  return (header) => header !== undefined && timingSafeEqual(digest(header.trim()), expected);
}
