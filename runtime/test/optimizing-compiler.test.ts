/**
 * Maglev is turned on at the first collection of MAGLEV_MIN_SAMPLES samples or more, once; smaller
 * collections leave the image's interpreted tiers alone. The process test below checks that V8 then
 * really compiles the exporter's code.
 */
import { createLogger } from '../src/logger';
import type { MetricFamily } from '../src/model';
import { MAGLEV_MIN_SAMPLES, maglevForLargeCollections, sampleCount } from '../src/optimizing-compiler';

function families(...sizes: number[]): MetricFamily[] {
  return sizes.map((size, i) => ({
    name: `family_${i}`,
    help: 'h',
    type: 'gauge',
    samples: Array.from({ length: size }, (_, j) => ({ labels: { n: String(j) }, value: j })),
  }));
}

function subject() {
  const lines: string[] = [];
  const flags: string[] = [];
  const listener = maglevForLargeCollections(createLogger({ level: 'info', write: (line) => lines.push(line) }), (f) => flags.push(f));
  return { lines, flags, listener };
}

test('samples are counted across families', () => {
  expect(sampleCount(families(3, 0, 7))).toBe(10);
  expect(sampleCount([])).toBe(0);
});

test('collections below the threshold leave the flags alone', () => {
  const { lines, flags, listener } = subject();
  listener(families(MAGLEV_MIN_SAMPLES - 1));
  listener(families(200, MAGLEV_MIN_SAMPLES - 201));
  expect(flags).toEqual([]);
  expect(lines).toEqual([]);
});

test('the first large collection turns Maglev on, once, and says so', () => {
  const { lines, flags, listener } = subject();
  listener(families(10));
  listener(families(MAGLEV_MIN_SAMPLES - 100, 100));
  listener(families(MAGLEV_MIN_SAMPLES * 3));
  listener(families(10));
  expect(flags).toEqual(['--maglev']);
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0])).toMatchObject({ level: 'info', msg: 'optimizing compiler turned on for a large task', samples: MAGLEV_MIN_SAMPLES, minSamples: MAGLEV_MIN_SAMPLES });
});
