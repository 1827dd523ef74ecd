import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { parseConfig, type ExporterConfig } from '../src/config';

/** A parsed config for tests, listening on a free port (0) instead of the contract's 1..65535. */
export function testConfig(env: Record<string, string>): ExporterConfig {
  return { ...parseConfig({ collectInterval: '1h', ...env }), httpListenPort: 0 };
}

export async function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { method, headers });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** The value of one exposition line, by exact series text (name + labels), or undefined. */
export function exposedValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

let bundleDir: string | undefined;
/** Bundle a runtime entry point (e.g. `main`) to plain JS with esbuild, so process tests need no prior compile. */
export function bundledEntry(name: 'main' | 'healthcheck'): string {
  bundleDir ??= mkdtempSync(join(tmpdir(), 'ecs-exporter-bundle-'));
  const outfile = join(bundleDir, `${name}.js`);
  buildSync({ entryPoints: [join(__dirname, '..', 'src', `${name}.ts`)], bundle: true, platform: 'node', target: 'node20', outfile, logLevel: 'silent' });
  return outfile;
}

/** Absolute path of a program on PATH, or undefined. */
export function which(program: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * Polls `condition` until it holds, failing after `timeoutMs` with `what` (text, or a function for
 * text known only then, such as a server's log). A condition that throws counts as not yet.
 */
export async function until(
  what: string | (() => string),
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(condition).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A free TCP port on 127.0.0.1: the OS picks one, the probe listener is closed again. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A server program that a test starts (Prometheus, moto): its output is kept for the failure message,
 * readiness is polled, and stopping escalates from SIGTERM to SIGKILL.
 */
export class ServerProcess {
  /** Spawns `program` and resolves once `isReady` answers true (it may throw while the server is not listening). */
  static async start(program: string, args: string[], isReady: () => Promise<boolean>, timeoutMs = 30_000): Promise<ServerProcess> {
    const server = new ServerProcess(program, spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (server.child.exitCode !== null) throw new Error(`${server.name} exited early:\n${server.output}`);
      if (await isReady().catch(() => false)) return server;
      if (Date.now() > deadline) {
        await server.stop(0);
        throw new Error(`${server.name} not ready after ${timeoutMs / 1000} s:\n${server.output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private output = '';

  private constructor(private readonly name: string, private readonly child: ChildProcess) {
    child.stdout?.on('data', (d) => { this.output += d; });
    child.stderr?.on('data', (d) => { this.output += d; });
  }

  /** What the program printed so far, for failure messages. */
  get log(): string {
    return this.output;
  }

  async stop(graceMs = 5_000): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Starts a real Prometheus on a free 127.0.0.1 port with the given configuration file and a TSDB
 * under `dataDir`; resolves once it is ready. `extraFlags` e.g. `--web.enable-remote-write-receiver`.
 */
export async function startPrometheus(
  binary: string,
  configFile: string,
  dataDir: string,
  extraFlags: readonly string[] = [],
): Promise<{ readonly url: string; readonly process: ServerProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const process = await ServerProcess.start(binary, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dataDir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    ...extraFlags,
    '--log.level=warn',
  ], async () => (await fetch(`${url}/-/ready`)).status === 200);
  return { url, process };
}

/** Debian's prometheus package (prometheus + promtool), when on PATH. */
export const PROMETHEUS = which('prometheus');
export const PROMTOOL = which('promtool');

/**
 * `describe` for suites that need prometheus and promtool: skipped when they are missing, except
 * under CI=true, where a missing binary fails the suite instead.
 */
export const describeWithPrometheus: (name: string, body: () => void) => void = PROMETHEUS && PROMTOOL
  ? describe
  : process.env.CI ? describeMissingPrometheus : describe.skip;

function describeMissingPrometheus(name: string): void {
  describe(name, () => {
    test('prometheus and promtool are on PATH (CI installs them with apt-get install prometheus)', () => {
      throw new Error(`prometheus=${PROMETHEUS ?? 'missing'} promtool=${PROMTOOL ?? 'missing'}: install the Debian package "prometheus" (2.42)`);
    });
  });
}
