import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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
