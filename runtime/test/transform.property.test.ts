import * as fc from 'fast-check';
import { collect, loadShape } from './fixtures';
import type { MetricFamily } from '../src/model';

/** The invariants every output must keep, whatever the input. */
function checkInvariants(families: readonly MetricFamily[]): void {
  for (const family of families) {
    const seen = new Set<string>();
    for (const sample of family.samples) {
      if (Number.isNaN(sample.value) || !Number.isFinite(sample.value)) throw new Error(`${family.name}: non-finite value ${sample.value}`);
      if (family.type === 'counter' && sample.value < 0) throw new Error(`${family.name}: negative counter ${sample.value}`);
      for (const [name, value] of Object.entries(sample.labels)) {
        if (typeof value !== 'string' || value === '') throw new Error(`${family.name}: empty label ${name}`);
      }
      const key = JSON.stringify(Object.entries(sample.labels).sort());
      if (seen.has(key)) throw new Error(`${family.name}: duplicate series ${key}`);
      seen.add(key);
      if (sample.timestampMs !== undefined && !(Number.isFinite(sample.timestampMs) && sample.timestampMs > 0)) {
        throw new Error(`${family.name}: bad timestamp ${sample.timestampMs}`);
      }
    }
  }
}

/** Replace, delete or corrupt values at random paths of a recorded shape. */
function mutate(value: unknown, random: () => number, junk: readonly unknown[]): unknown {
  if (Array.isArray(value)) {
    return value.filter(() => random() > 0.1).map((v) => mutate(v, random, junk));
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const roll = random();
      if (roll < 0.08) continue; // field missing
      out[key] = roll < 0.16 ? junk[Math.floor(random() * junk.length)] : mutate(child, random, junk);
    }
    return out;
  }
  return random() < 0.1 ? junk[Math.floor(random() * junk.length)] : value;
}

const junkValue = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(''),
  fc.constant('   '),
  fc.constant(NaN),
  fc.constant(-1),
  fc.constant(Infinity),
  fc.constant(-Infinity),
  fc.constant('0001-01-01T00:00:00Z'),
  fc.double(),
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
);

describe('transform on malformed and partial input (property-based)', () => {
  const shapes = [loadShape('fargate-awsvpc-cgroupv1'), loadShape('ec2-bridge-cgroupv2'), loadShape('ec2-host-cgroupv2')];

  test('arbitrary JSON never throws and never emits NaN, negative counters, empty labels or duplicate series', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (task, stats) => {
        checkInvariants(collect(task, stats).families);
      }),
      { numRuns: 500, seed: 20240611 },
    );
  });

  test('recorded shapes with fields removed or replaced by junk keep every invariant', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: shapes.length - 1 }),
        // fast-check draws the "dice" itself, so a failing case shrinks and replays from its seed.
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 64, maxLength: 64 }),
        fc.array(junkValue, { minLength: 1, maxLength: 8 }),
        (index, dice, junk) => {
          let roll = 0;
          const random = () => dice[roll++ % dice.length];
          const shape = shapes[index];
          checkInvariants(collect(mutate(shape.task, random, junk), mutate(shape.stats, random, junk)).families);
        },
      ),
      { numRuns: 1000, seed: 20240611 },
    );
  });

  test('containers with generated names, ids and stats keep every invariant', () => {
    const isoDate = fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'not a date' : d.toISOString()));
    const container = fc.record(
      {
        Name: fc.oneof(fc.string(), junkValue),
        DockerId: fc.oneof(fc.constantFrom('a', 'b', 'c'), junkValue),
        Image: fc.oneof(fc.string(), junkValue),
        Limits: fc.anything(),
        StartedAt: fc.oneof(isoDate, junkValue),
        RestartCount: junkValue,
      },
      { requiredKeys: [] },
    );
    const number = fc.oneof(fc.double(), fc.nat(), junkValue);
    const stats = fc.oneof(
      fc.constant(null),
      fc.constant({}),
      fc.record({
        read: fc.oneof(isoDate, junkValue),
        cpu_stats: fc.record({
          cpu_usage: fc.record({ total_usage: number, usage_in_usermode: number, usage_in_kernelmode: number }, { requiredKeys: [] }),
        }, { requiredKeys: [] }),
        memory_stats: fc.record({
          usage: number,
          max_usage: number,
          stats: fc.dictionary(fc.constantFrom('cache', 'rss', 'total_inactive_file', 'inactive_file', 'anon', 'file', 'total_rss'), number),
        }, { requiredKeys: [] }),
        networks: fc.dictionary(fc.oneof(fc.constantFrom('eth0', 'eth1'), fc.string()), fc.record({ rx_bytes: number, tx_bytes: number, rx_dropped: number }, { requiredKeys: [] })),
        blkio_stats: fc.record({
          io_service_bytes_recursive: fc.array(
            fc.record({ major: number, minor: number, op: fc.constantFrom('Read', 'read', 'Write', 'write', 'Total', ''), value: number }, { requiredKeys: [] }),
          ),
        }, { requiredKeys: [] }),
      }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(
        fc.record({
          Cluster: fc.oneof(fc.string(), junkValue),
          TaskARN: fc.oneof(fc.string(), junkValue),
          LaunchType: fc.oneof(fc.constantFrom('FARGATE', 'EC2', 'EXTERNAL'), junkValue),
          Limits: fc.record({ CPU: number, Memory: number }, { requiredKeys: [] }),
          EphemeralStorageMetrics: fc.record({ Utilized: number, Reserved: number }, { requiredKeys: [] }),
          Containers: fc.array(fc.tuple(container, fc.constantFrom('awsvpc', 'bridge', 'host', '')).map(([c, mode]) => ({ ...c, Networks: [{ NetworkMode: mode }] })), { maxLength: 5 }),
        }, { requiredKeys: [] }),
        fc.dictionary(fc.constantFrom('a', 'b', 'c'), stats),
        (task, taskStats) => {
          checkInvariants(collect(task, taskStats).families);
        },
      ),
      { numRuns: 1000, seed: 20240611 },
    );
  });
});
