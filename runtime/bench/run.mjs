#!/usr/bin/env node
/**
 * Runtime benchmark: starts the BUILT exporter (lib/main.js) as its own process, with the node
 * flags of the image's CMD (runtime/Dockerfile), against the simulated ECS task with 1, 10, 50
 * and 200 containers, in Passive and Active mode, and prints CPU per fresh data point, per
 * collection and per scrape, steady RSS, gzip and plain bytes per scrape, scrape latency,
 * remote-write throughput, start-up time and shipped size, each judged against its budget.
 * Run it on the Node major the image ships (24): the report names the version.
 *
 *   node bench/run.mjs            full run, writes bench/results/latest.{json,md}
 *   node bench/run.mjs --smoke    short run for CI (10 containers, small windows), writes
 *                                 bench/results/smoke.{json,md}; fails only if the benchmark breaks
 * Options: --containers 1,10,50,200  --modes passive,active  --no-outage
 *          --update-docs   rewrites the table in docs/benchmark.md
 *          --node-arg=--cpu-prof (repeatable; added to the image's flags, e.g. to profile it)
 *          --no-image-flags   start plain `node lib/main.js` (to measure what the flags buy)
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluateBudgets } from './lib/budgets.mjs';
import { startFixtureProcess } from './lib/fixture-client.mjs';
import { runOutageScenario } from './lib/outage.mjs';
import { imageNodeArgs } from './lib/image-command.mjs';
import { renderMarkdown } from './lib/report.mjs';
import { runScenario } from './lib/scenarios.mjs';
import { measureWakeUpCostUs } from './lib/wake-up-cost.mjs';
import { assembleImageApp, estimateShippedSizeFromLocalTree } from './lib/shipped-size.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RUNTIME_DIR = resolve(BENCH_DIR, '..');
const DOCS = resolve(RUNTIME_DIR, '..', 'docs', 'benchmark.md');
const TABLE_BEGIN = '<!-- bench:latest:begin (written by `npx projen bench`, do not edit) -->';
const TABLE_END = '<!-- bench:latest:end -->';

const FULL = {
  containers: [1, 10, 50, 200],
  scrapeRatePerSecond: 50,
  warmupScrapes: 200,
  measuredScrapes: 500,
  idleWindowMs: 3_000,
  collectInterval: '1s',
  steadyScrapeRatePerSecond: 1,
  collectWarmupMs: 3_000,
  collectWindowMs: 30_000,
  mixedScrapes: 1_000,
  extraStartups: 1,
  firstScrapeTimeoutMs: 15_000,
  // The budget reads "<= 80 MiB with a full default outage queue" beside "Active steady RSS <= 72 MiB
  // with 10 containers": the same 10-container task, whose queue takes ~1.5 min to fill at 50 ms.
  outageContainers: 10,
  outageCollectInterval: '50ms',
  outageQueueSamples: undefined, // the documented default capacity
  outageFillTimeoutMs: 360_000,
  outageHoldMs: 5_000,
  outageDrainTimeoutMs: 180_000,
  assembleImageApp: true,
};

/** Same code paths, small windows: proves the benchmark works, says nothing about budgets. */
const SMOKE = {
  ...FULL,
  containers: [10],
  warmupScrapes: 20,
  measuredScrapes: 50,
  idleWindowMs: 500,
  collectInterval: '250ms',
  steadyScrapeRatePerSecond: 4,
  collectWarmupMs: 600,
  collectWindowMs: 1_500,
  mixedScrapes: 25,
  extraStartups: 0,
  outageContainers: 10,
  outageCollectInterval: '100ms',
  outageQueueSamples: 5_000,
  outageFillTimeoutMs: 30_000,
  outageHoldMs: 1_000,
  outageDrainTimeoutMs: 30_000,
  assembleImageApp: false,
};

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown CPU',
    memTotalGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    kernel: os.release(),
    loadAverageAtStart: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/**
 * Copies the built lib/ aside for the length of the run: other work on this machine recompiles
 * lib/ at any time, and every scenario must measure the same build. The copy sits under
 * node_modules/.cache so that its requires still resolve to the runtime's node_modules.
 */
function snapshotBuild() {
  const dir = join(RUNTIME_DIR, 'node_modules', '.cache', 'asserts-ecs-exporter-bench', String(process.pid));
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(RUNTIME_DIR, 'lib'), join(dir, 'lib'), { recursive: true });
  return { libDir: join(dir, 'lib'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function updateDocs(markdown) {
  const text = readFileSync(DOCS, 'utf8');
  const begin = text.indexOf(TABLE_BEGIN);
  const end = text.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`docs/benchmark.md has no ${TABLE_BEGIN} ... ${TABLE_END} block to update`);
  writeFileSync(DOCS, `${text.slice(0, begin + TABLE_BEGIN.length)}\n${markdown}\n${text.slice(end)}`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      'smoke': { type: 'boolean', default: false },
      'containers': { type: 'string' },
      'modes': { type: 'string', default: 'passive,active' },
      'no-outage': { type: 'boolean', default: false },
      'update-docs': { type: 'boolean', default: false },
      'node-arg': { type: 'string', multiple: true, default: [] },
      'no-image-flags': { type: 'boolean', default: false },
    },
  });
  const profile = values.smoke ? SMOKE : FULL;
  if (!existsSync(join(RUNTIME_DIR, 'lib', 'main.js'))) throw new Error(`${join(RUNTIME_DIR, 'lib', 'main.js')} does not exist: build the runtime first (npx projen compile in runtime/)`);
  const build = snapshotBuild();
  process.once('exit', build.remove);
  // Full mode runs the exporter from the image's /app layout (pruned production tree); short mode
  // from the frozen lib/ copy against the runtime's own node_modules.
  let libDir = build.libDir;
  let shippedSize;
  if (profile.assembleImageApp) {
    log('assembling the image /app layout (Dockerfile deps stage) in a scratch dir');
    const app = await assembleImageApp(RUNTIME_DIR, build.libDir);
    process.once('exit', app.remove);
    libDir = join(app.appDir, 'lib');
    shippedSize = app.shippedSize;
  } else {
    shippedSize = await estimateShippedSizeFromLocalTree(RUNTIME_DIR);
  }
  const mainJs = join(libDir, 'main.js');
  const require = createRequire(import.meta.url);
  const { REMOTE_WRITE_METRIC_PREFIX } = require(join(libDir, 'active', 'remote-write', 'stats.js'));

  const settings = {
    ...profile,
    containers: values.containers ? values.containers.split(',').map(Number) : profile.containers,
    runtimeDir: RUNTIME_DIR,
    libDir,
    mainJs,
    nodeArgs: [...(values['no-image-flags'] ? [] : imageNodeArgs(readFileSync(join(RUNTIME_DIR, 'Dockerfile'), 'utf8'))), ...values['node-arg']],
    exporterEnv: {},
  };
  const modes = values.modes.split(',');
  if (!process.version.startsWith('v24.')) log(`running on Node ${process.version}; the image ships Node 24 (runtime/Dockerfile): figures from another major do not describe the image`);
  const results = { mode: values.smoke ? 'smoke' : 'full', startedAt: new Date().toISOString(), machine: machine(), settings: { ...settings, mainJs: 'lib/main.js', runtimeDir: undefined, libDir: undefined, nodeArgs: settings.nodeArgs }, scenarios: [] };

  log('timing one wake-up of an idle process (1 s period)');
  results.machine.wakeUpCpuUs = measureWakeUpCostUs({ nodeArgs: settings.nodeArgs, ticks: values.smoke ? 2 : 8 });
  const fixture = startFixtureProcess();
  const stopOnSignal = () => fixture.close().finally(() => process.exit(130)); // 'exit' removes the build copy
  process.once('SIGINT', stopOnSignal);
  try {
    for (const mode of modes) {
      for (const containers of settings.containers) {
        results.scenarios.push(await runScenario({ mode, containers, settings, fixture, log }));
      }
    }
    if (modes.includes('active') && !values['no-outage']) {
      results.outage = await runOutageScenario({ containers: settings.outageContainers, settings, fixture, metricPrefix: REMOTE_WRITE_METRIC_PREFIX, log });
    }
  } finally {
    await fixture.close();
  }
  results.shippedSize = shippedSize;
  results.finishedAt = new Date().toISOString();
  results.loadAverageAtEnd = os.loadavg().map((load) => Math.round(load * 100) / 100);
  results.budgets = evaluateBudgets(results);

  const markdown = renderMarkdown(results);
  const outDir = join(BENCH_DIR, 'results');
  mkdirSync(outDir, { recursive: true });
  const base = values.smoke ? 'smoke' : 'latest';
  writeFileSync(join(outDir, `${base}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, `${base}.md`), `${markdown}\n`);
  process.stdout.write(`${markdown}\n\nwritten: bench/results/${base}.json, bench/results/${base}.md\n`);
  if (values['update-docs']) {
    updateDocs(markdown);
    log('docs/benchmark.md table updated');
  }
}

main().catch((error) => {
  process.stderr.write(`benchmark failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
