/**
 * Fuzzing the whole Passive path: arbitrary JSON for `/task` and `/task/stats` through the metadata
 * reader, the transform and the exposition renderer. Seeded and bounded (a few seconds). Every output
 * must be a valid exposition within the series limit; `promtool check metrics` (Prometheus 2.42's
 * own linter) reads a sample of them when it is installed.
 */
import { spawnSync } from 'node:child_process';
import * as fc from 'fast-check';
import { collect, loadShape } from './fixtures';
import { which } from './helpers';
import { pathsOf, SHAPES, taskJson, taskStatsJson, withReplaced, WRONG_VALUES } from './metadata-arbitraries';
import { METADATA_REPROS } from './metadata-repros';
import { renderFamilies } from '../src/exposition';

const SEED = 20240611;
const MAX_SERIES = 500;

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*",?)*\})? (\S+)$/;

/** The exposition checks promtool would make, done in-process for every case. */
function checkExposition(text: string): void {
  const seen = new Set<string>();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta !== null) {
      if (meta[1] === 'TYPE') typed.add(meta[2]);
      continue;
    }
    const sample = SAMPLE_LINE.exec(line);
    if (sample === null) throw new Error(`invalid exposition line: ${line}`);
    if (!typed.has(sample[1])) throw new Error(`sample before its TYPE: ${line}`);
    if (!Number.isFinite(Number(sample[3]))) throw new Error(`non-finite value: ${line}`);
    if (/=""/.test(sample[2] ?? '')) throw new Error(`empty label value: ${line}`);
    const series = sample[1] + (sample[2] ?? '');
    if (seen.has(series)) throw new Error(`duplicate series: ${line}`);
    seen.add(series);
  }
}

/** Outputs kept for promtool: the first ones of each kind with samples, bounded. */
const promtoolSamples: string[] = [];
let cases = 0;

function runCase(task: unknown, stats: unknown): void {
  cases++;
  const result = collect(task, stats, { maxSeries: MAX_SERIES, collectedAtMs: Date.parse('2024-06-10T08:10:00Z') });
  const series = result.families.reduce((n, f) => n + f.samples.length, 0);
  if (series > MAX_SERIES) throw new Error(`${series} series over the limit of ${MAX_SERIES}`);
  const text = renderFamilies(result.families);
  checkExposition(text);
  if (text !== '' && promtoolSamples.length < 30 && cases % 13 === 0) promtoolSamples.push(text);
}

describe('fuzzing reader, transform and exposition', () => {
  test('a wrong type at every path of every recorded shape (task and stats) gives a valid exposition', () => {
    const before = cases;
    for (const name of SHAPES) {
      const shape = loadShape(name);
      for (const path of pathsOf(shape.task)) {
        for (const value of WRONG_VALUES) withReplaced(shape.task, path, value, (task) => runCase(task, shape.stats));
      }
      for (const path of pathsOf(shape.stats)) {
        // The stats of one container are large and alike: every path, fewer kinds of value.
        for (const value of WRONG_VALUES.slice(0, 6)) withReplaced(shape.stats, path, value, (stats) => runCase(shape.task, stats));
      }
    }
    expect(cases - before).toBeGreaterThan(5000);
  });

  test('the minimal repros give a valid exposition', () => {
    for (const repro of METADATA_REPROS) runCase(repro.task, repro.stats);
  });

  test('arbitrary JSON documents (seeded) give a valid exposition', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    fc.assert(fc.property(json, json, (task, stats) => runCase(task, stats)), { seed: SEED, numRuns: 1500 });
  });

  test('task-shaped JSON with any value at each known field (seeded) gives a valid exposition', () => {
    fc.assert(fc.property(taskJson, taskStatsJson, (t, s) => runCase(t, s)), { seed: SEED, numRuns: 1500 });
  });

  test('huge arrays (bounded: 2,000 containers, 20 of them with 2,000 interfaces) stay within the series limit', () => {
    const containers = Array.from({ length: 2000 }, (_, i) => ({ Name: `c${i}`, DockerId: `d${i}`, Health: { status: 'HEALTHY' }, ExitCode: 0, Networks: [{ NetworkMode: 'bridge' }] }));
    const networks = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`if${i}`, { rx_bytes: i, tx_bytes: i }]));
    const stats = Object.fromEntries(containers.slice(0, 20).map((c) => [c.DockerId, { read: '2024-06-10T08:10:00Z', cpu_stats: { cpu_usage: { total_usage: 1 } }, networks }]));
    runCase({ Containers: containers }, stats);
  });

  const promtool = which('promtool');
  (promtool ? test : test.skip)('promtool check metrics accepts a sample of the outputs', () => {
    expect(promtoolSamples.length).toBe(30);
    for (const text of promtoolSamples) {
      const result = spawnSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 10_000 });
      if (result.status !== 0) throw new Error(`promtool refused:\n${result.stdout}${result.stderr}\n--- exposition ---\n${text.slice(0, 2000)}`);
    }
  });

  afterAll(() => {
    // The case count for the record (jest prints console output of passing tests only with --verbose).
    process.stdout.write(`metadata fuzz: ${cases} cases, ${promtoolSamples.length} checked by promtool\n`);
  });
});
