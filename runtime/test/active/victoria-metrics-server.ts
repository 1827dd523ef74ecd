/**
 * A real VictoriaMetrics (Debian's `victoria-metrics`, 1.79) for tests: single binary on 127.0.0.1 with
 * a TSDB in a temporary directory; remote write at /api/v1/write, queries at /api/v1/query.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, ServerProcess, which } from '../helpers';

export const VICTORIA_METRICS_BINARY = process.env.VICTORIA_METRICS_BINARY ?? 'victoria-metrics';

export interface VmResult { metric: Record<string, string>; value?: [number, string] }

export class VictoriaMetricsServer {
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'victoria-metrics-'));
  private server?: ServerProcess;
  private port = 0;

  get writeUrl(): string {
    return `http://127.0.0.1:${this.port}/api/v1/write`;
  }

  async start(): Promise<void> {
    if (!which(VICTORIA_METRICS_BINARY) && !fs.existsSync(VICTORIA_METRICS_BINARY)) {
      throw new Error(`${VICTORIA_METRICS_BINARY} not found: install it with "apt-get install victoria-metrics" (.ci/run does)`);
    }
    this.port = await freePort();
    this.server = await ServerProcess.start(VICTORIA_METRICS_BINARY, [
      `-storageDataPath=${path.join(this.dir, 'data')}`,
      `-httpListenAddr=127.0.0.1:${this.port}`,
      // Fresh samples are queryable at once (the default hides the last 30 s), and nothing is cached.
      '-search.latencyOffset=0s',
      // A series without new samples stays visible for 5 minutes, as in Prometheus: only a staleness marker ends it sooner.
      '-search.maxStalenessInterval=5m',
      '-search.disableCache',
      '-loggerLevel=ERROR',
    ], async () => (await fetch(`http://127.0.0.1:${this.port}/health`)).status === 200);
  }

  /** Stops the server and deletes its data. */
  async dispose(): Promise<void> {
    await this.server?.stop(10_000);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Instant query at `atMs` (default now). */
  async query(promql: string, atMs = Date.now()): Promise<VmResult[]> {
    const url = `http://127.0.0.1:${this.port}/api/v1/query?query=${encodeURIComponent(promql)}&time=${atMs / 1000}`;
    const body = await (await fetch(url)).json() as { status: string; data: { result: VmResult[] }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${promql}: ${body.error}`);
    return body.data.result;
  }
}
