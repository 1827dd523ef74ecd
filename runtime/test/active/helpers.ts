/** Test doubles shared by the Active-mode tests: a clock that never really sleeps and a capturing logger. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { Clock } from '../../src/core/clock';
import type { Logger } from '../../src/logger';

export interface LogRecord { readonly level: string; readonly message: string; readonly fields?: Record<string, unknown> }

export class CapturingLogger implements Logger {
  readonly records: LogRecord[] = [];
  debug(message: string, fields?: Record<string, unknown>) { this.records.push({ level: 'debug', message, fields }); }
  info(message: string, fields?: Record<string, unknown>) { this.records.push({ level: 'info', message, fields }); }
  warn(message: string, fields?: Record<string, unknown>) { this.records.push({ level: 'warn', message, fields }); }
  error(message: string, fields?: Record<string, unknown>) { this.records.push({ level: 'error', message, fields }); }
  child(): Logger { return this; }
  atLevel(level: string): LogRecord[] { return this.records.filter((r) => r.level === level); }
  /** Everything logged, as one string, to search for secrets. */
  text(): string { return this.records.map((r) => JSON.stringify(r)).join('\n'); }
}

/** A clock whose sleeps return at once and advance `now` by the requested time, recording each delay. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public current = Date.UTC(2026, 0, 1)) {}
  now(): number { return this.current; }
  setTimeout(): unknown { return undefined; }
  clearTimeout(): void {}
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new Error('aborted');
    this.sleeps.push(ms);
    this.current += ms;
    await Promise.resolve();
  }
}

/** Answers every AWS JSON call with the given error, counting requests. */
export async function awsErrorServer(errorType: string, status: number) {
  let requests = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': errorType });
      res.end(JSON.stringify({ __type: errorType, message: `${errorType} for this test` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let workerPath: string | undefined;
/**
 * The enrichment child's script, built from the TypeScript source (jest runs src/, where no compiled
 * worker exists). Written under node_modules/.cache so the external AWS SDK packages resolve from it.
 */
export function enrichmentWorker(): string {
  if (!workerPath) {
    mkdirSync(join(__dirname, '..', '..', 'node_modules', '.cache'), { recursive: true });
    const dir = mkdtempSync(join(__dirname, '..', '..', 'node_modules', '.cache', 'aws-enrichment-worker-'));
    workerPath = join(dir, 'aws-enrichment-worker.js');
    buildEnrichmentWorker(workerPath, { external: true });
  }
  return workerPath;
}

/** Builds the worker to `outfile` (next to a bundled main.js, where the bundle looks for it). */
export function buildEnrichmentWorker(outfile: string, { external }: { external: boolean }): void {
  buildSync({
    entryPoints: [join(__dirname, '..', '..', 'src', 'active', 'aws', 'aws-enrichment-worker.ts')],
    bundle: true,
    ...(external ? { packages: 'external' as const } : {}),
    platform: 'node',
    target: 'node20',
    // import() as require(), as tsc's CommonJS output (lib/) has it; ESM resolution would ignore NODE_PATH.
    supported: { 'dynamic-import': false },
    outfile,
    logLevel: 'silent',
  });
}

/**
 * An application container's metrics endpoint on 127.0.0.1: a counter that grows by 10 per scrape,
 * then `extra` exposition lines. `hits()` counts the scrapes.
 */
export async function appTarget(extra = ''): Promise<{ readonly port: number; hits(): number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE orders_processed_total counter\norders_processed_total{queue="eu"} ${hits * 10}\n${extra}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
