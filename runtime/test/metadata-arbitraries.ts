/**
 * Generators of task metadata for the fuzz tests: the recorded shapes with a wrong value put at any
 * path, and `/task`- and `/task/stats`-shaped JSON with any value at each known field.
 */
import * as fc from 'fast-check';
import type { ShapeName } from './fixtures';

export const SHAPES: readonly ShapeName[] = ['fargate-awsvpc-cgroupv1', 'ec2-bridge-cgroupv2', 'ec2-host-cgroupv2', 'ec2-awsvpc-health-cgroupv2'];
/** Values of every JSON type (and the odd ones a reader must not trust) put in place of each field. */
export const WRONG_VALUES: readonly unknown[] = [null, 7, -1.5, 'x', '', true, {}, [], [null], { a: 1 }, '0001-01-01T00:00:00Z'];

/** Every path of a JSON value, as key lists. */
export function pathsOf(value: unknown, prefix: readonly (string | number)[] = []): (readonly (string | number)[])[] {
  if (value === null || typeof value !== 'object') return [prefix];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((key) => pathsOf((value as Record<string | number, unknown>)[key], [...prefix, key]))];
}

/** Runs `run` with the value at `path` of `root` replaced, then puts the original back (`collect` reads a copy of the stats). */
export function withReplaced(root: unknown, path: readonly (string | number)[], value: unknown, run: (changed: unknown) => void): void {
  if (path.length === 0) return run(value);
  let parent = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const key = path[path.length - 1];
  const original = parent[key];
  parent[key] = value;
  try {
    run(root);
  } finally {
    parent[key] = original;
  }
}

/** Any JSON value, and the odd ones a reader must not trust, for any field. */
export const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...WRONG_VALUES), fc.string({ unit: 'grapheme' }), fc.double());
/** DockerIds, including keys that are special in JavaScript objects. */
const ids = fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor');
const container = fc.record({
  Name: fc.oneof(fc.constantFrom('app', 'app', '~internal~ecs~pause', 'we"ird\\name\n'), anyValue),
  DockerId: fc.oneof(ids, anyValue),
  Image: anyValue,
  Type: fc.oneof(fc.constantFrom('NORMAL', 'CNI_PAUSE'), anyValue),
  Labels: fc.oneof(fc.dictionary(fc.string(), anyValue, { maxKeys: 4 }), anyValue),
  ExitCode: anyValue,
  Health: fc.oneof(fc.record({ status: fc.oneof(fc.constantFrom('HEALTHY', 'UNHEALTHY', 'UNKNOWN'), anyValue) }, { requiredKeys: [] }), anyValue),
  Limits: fc.oneof(fc.record({ CPU: anyValue, Memory: anyValue }, { requiredKeys: [] }), anyValue),
  StartedAt: anyValue,
  RestartCount: anyValue,
  Networks: fc.oneof(fc.array(fc.record({ NetworkMode: fc.oneof(fc.constantFrom('awsvpc', 'bridge', 'host'), anyValue) }), { maxLength: 2 }), anyValue),
}, { requiredKeys: [] });
const counters = fc.dictionary(fc.string(), fc.oneof(fc.nat(), anyValue), { maxKeys: 6 });
/** One container's stats: docker's `StatsJSON` shape with any value at each known field. */
const containerStatsJson = fc.oneof(fc.constant(null), fc.constant({}), anyValue, fc.record({
  read: fc.oneof(fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'bad' : d.toISOString())), anyValue),
  cpu_stats: fc.oneof(fc.record({ cpu_usage: fc.oneof(counters, anyValue) }), anyValue),
  memory_stats: fc.oneof(fc.record({ usage: anyValue, stats: fc.oneof(counters, anyValue) }, { requiredKeys: [] }), anyValue),
  networks: fc.oneof(fc.dictionary(fc.string(), fc.oneof(counters, anyValue), { maxKeys: 40 }), anyValue),
  blkio_stats: fc.oneof(fc.record({ io_service_bytes_recursive: fc.oneof(fc.array(fc.record({ major: anyValue, minor: anyValue, op: fc.oneof(fc.constantFrom('read', 'Write'), anyValue), value: anyValue }), { maxLength: 80 }), anyValue) }), anyValue),
}, { requiredKeys: [] }));
/** `/task`-shaped JSON with any value at each known field. */
export const taskJson = fc.record({
  Cluster: anyValue,
  TaskARN: anyValue,
  Family: anyValue,
  Revision: anyValue,
  AvailabilityZone: anyValue,
  LaunchType: fc.oneof(fc.constant('FARGATE'), anyValue),
  Limits: anyValue,
  EphemeralStorageMetrics: anyValue,
  PullStartedAt: anyValue,
  PullStoppedAt: anyValue,
  Containers: fc.oneof(fc.array(fc.oneof(container, anyValue), { maxLength: 6 }), anyValue),
}, { requiredKeys: [] });

/** `/task/stats`-shaped JSON: a few DockerIds, each with stats-shaped JSON. */
export const taskStatsJson = fc.dictionary(ids, containerStatsJson, { maxKeys: 4 });
