/**
 * Runs the real Prometheus server (Debian's 2.42 package) as a remote-write receiver for tests:
 * `--web.enable-remote-write-receiver`, basic auth through `--web.config.file` (bcrypt hash), a temp
 * TSDB directory and a free port on 127.0.0.1. A missing binary FAILS the test (CI installs it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as bcrypt from 'bcryptjs';
import { freePort, ServerProcess } from '../helpers';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? 'prometheus';

export interface QueryResult { metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }

export interface RangeSample { readonly timestampMs: number; readonly value: string }

export class PrometheusServer {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-rw-'));
  private server?: ServerProcess;
  port = 0;

  constructor(readonly username: string, readonly password: string) {}

  get writeUrl(): string {
    return `http://127.0.0.1:${this.port}/api/v1/write`;
  }

  /** Starts Prometheus (again on the same port and TSDB after a `stop`) and waits until it is ready. */
  async start(): Promise<void> {
    const probe = spawnSync(PROMETHEUS_BINARY, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error(`${PROMETHEUS_BINARY} not runnable (${probe.error?.message ?? probe.stderr}): install it with "apt-get install prometheus" (.ci/run does)`);
    }
    if (this.port === 0) {
      this.port = await freePort();
      fs.writeFileSync(path.join(this.dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
      const hash = bcrypt.hashSync(this.password, 4);
      fs.writeFileSync(path.join(this.dir, 'web.yml'), `basic_auth_users:\n  ${this.username}: '${hash}'\n`);
    }
    this.server = await ServerProcess.start(PROMETHEUS_BINARY, [
      `--config.file=${path.join(this.dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(this.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${this.port}`,
      `--web.config.file=${path.join(this.dir, 'web.yml')}`,
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
    ], async () => (await fetch(`http://127.0.0.1:${this.port}/-/ready`, { headers: { authorization: this.authorization() } })).status === 200);
  }

  async stop(): Promise<void> {
    await this.server?.stop(10_000);
    this.server = undefined;
  }

  /** Stops the server and deletes its TSDB. */
  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  authorization(): string {
    return `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
  }

  /** Instant query; returns the `data.result` array. */
  async query(promql: string, atMs?: number): Promise<QueryResult[]> {
    const params = new URLSearchParams({ query: promql });
    if (atMs !== undefined) params.set('time', String(atMs / 1000));
    const response = await fetch(`http://127.0.0.1:${this.port}/api/v1/query?${params}`, { headers: { authorization: this.authorization() } });
    const body = await response.json() as { status: string; error?: string; data: { result: any[] } };
    if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
    return body.data.result;
  }

  /** Every raw sample of the series matching `selector` within `rangeSeconds` before `atMs`. */
  async rawSamples(selector: string, atMs: number, rangeSeconds = 3600): Promise<Map<string, RangeSample[]>> {
    const result = await this.query(`${selector}[${rangeSeconds}s]`, atMs);
    const bySeries = new Map<string, RangeSample[]>();
    for (const series of result) {
      bySeries.set(JSON.stringify(series.metric), (series.values ?? []).map(([t, v]) => ({ timestampMs: Math.round(t * 1000), value: v })));
    }
    return bySeries;
  }
}
