import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTask, readTaskStats } from '../src/metadata/reader';
import { transformTaskStats, type TransformOptions, type TransformResult } from '../src/metrics/transform';
import type { MetricFamily } from '../src/model';

export interface RecordedShape {
  /** Which ECS shape the recording is (launch type, network mode, cgroup version). */
  readonly shape: string;
  readonly task: unknown;
  readonly stats: unknown;
}

export type ShapeName = 'fargate-awsvpc-cgroupv1' | 'ec2-bridge-cgroupv2' | 'ec2-host-cgroupv2' | 'ec2-awsvpc-health-cgroupv2';

export function loadShape(name: ShapeName): RecordedShape {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', `${name}.json`), 'utf8')) as RecordedShape;
}

/** The samples of one family as `{ "<label>=<value>,...": value }`, labels sorted, for exact assertions. */
export function seriesOf(families: readonly MetricFamily[], name: string): Record<string, number> {
  const family = families.find((f) => f.name === name);
  const out: Record<string, number> = {};
  for (const sample of family?.samples ?? []) {
    const key = Object.keys(sample.labels).sort().map((k) => `${k}=${sample.labels[k]}`).join(',');
    out[key] = sample.value;
  }
  return out;
}

/** Values of one family keyed by a single label (e.g. `container`). */
export function valuesBy(families: readonly MetricFamily[], name: string, label: string): Record<string, number> {
  const family = families.find((f) => f.name === name);
  const out: Record<string, number> = {};
  for (const sample of family?.samples ?? []) out[sample.labels[label] ?? '<none>'] = sample.value;
  return out;
}

/**
 * One collection as the collector runs it: the metadata reader, then the transform, collected at
 * the newest stats `read` time of the input (so recorded shapes keep their own timestamps) unless
 * `collectedAtMs` is given. The reader checks the stats in place, on the document the collector
 * has just parsed; here it gets a copy, so the caller's value stays as it was.
 */
export function collect(task: unknown, stats: unknown, options: Partial<TransformOptions> = {}): TransformResult {
  const typedStats = readTaskStats(structuredClone(stats));
  const reads = Object.values(typedStats).map((s) => Date.parse(s?.read ?? '')).filter((ms) => Number.isFinite(ms) && ms > 0);
  const collectedAtMs = options.collectedAtMs ?? (reads.length > 0 ? Math.max(...reads) : Date.parse('2024-01-01T00:00:00Z'));
  return transformTaskStats(readTask(task), typedStats, { ...options, collectedAtMs });
}
