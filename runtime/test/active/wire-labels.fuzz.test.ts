/**
 * Fuzzing the Active path from task metadata to the wire: arbitrary `/task` JSON (and the recorded
 * shapes with a wrong value at every path) through the metadata reader, the target labels, the wire
 * label sets and the remote-write encoder, each request read back with an independent protobuf
 * decoder. Seeded and bounded (a few seconds). Every label set must be sorted by name, hold
 * `__name__`, have no empty or repeated names and no empty values, and decode as it was built.
 */
import * as fc from 'fast-check';
import { WriteRequest } from './write-request-schema';
import type { AwsTaskInfo } from '../../src/active/aws/task-info';
import { snappyUncompress } from '../../src/active/remote-write/codec';
import { seriesKey, seriesLabels, type LabelPair, type WireSeries } from '../../src/active/remote-write/series';
import { encodeWriteRequest } from '../../src/active/remote-write/snappy-request';
import { LabelSetCache, targetLabels } from '../../src/active/target-labels';
import { readTask } from '../../src/metadata/reader';
import { loadShape } from '../fixtures';
import { anyValue, pathsOf, SHAPES, taskJson, withReplaced, WRONG_VALUES } from '../metadata-arbitraries';

const SEED = 20240611;
const AT_MS = Date.parse('2024-06-10T08:10:00Z');
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** The enrichment as it may answer: some fields, tags whose keys and values are anything. */
const RECORDED_AWS: AwsTaskInfo = { serviceName: 'checkout', vpcId: 'vpc-1', tags: { 'aws:ecs:serviceName': 'checkout', 'CostCenter': '', '': 'x', 'Team Name!': 'payments' } };

interface DecodedRequest { timeseries: Array<{ labels: Array<{ name: string; value: string }>; samples: Array<{ value: number }> }> }

let cases = 0;
let seriesChecked = 0;

function checkLabelSet(labels: readonly LabelPair[]): void {
  if (labels.filter(([name]) => name === '__name__').length !== 1) throw new Error(`no single __name__: ${seriesKey(labels)}`);
  labels.forEach(([name, value], i) => {
    if (!LABEL_NAME.test(name) && name !== '__name__') throw new Error(`invalid label name "${name}"`);
    if (value === '') throw new Error(`empty value of "${name}"`);
    if (typeof value !== 'string') throw new Error(`value of "${name}" is a ${typeof value}`);
    if (i > 0 && !(labels[i - 1][0] < name)) throw new Error(`labels not sorted or repeated at "${name}": ${seriesKey(labels)}`);
  });
  const key = seriesKey(labels);
  if (JSON.stringify(JSON.parse(key)) !== key) throw new Error(`series key does not read back: ${key}`);
}

/** One `/task` document: every container as a target, and the sidecar without a container, to the wire and back. */
function runCase(rawTask: unknown, aws: AwsTaskInfo): void {
  cases++;
  const task = readTask(rawTask);
  const names = [undefined, ...(task.Containers ?? []).map((c) => c.Name)];
  const cache = new LabelSetCache();
  const series: WireSeries[] = [];
  for (const containerName of names) {
    const target = targetLabels({ task, aws, containerName, tenant: 'tenant-x', region: 'eu-west-1' });
    const built = [
      seriesLabels('ecs_exporter_collection_up', target),
      seriesLabels('container_cpu_usage_seconds_total', { ...target, cpu: 'total' }),
      // A scraped series: the target exposes labels of its own (honor_labels), one of them empty.
      cache.labelsOf(target, 'jobs_total', { queue: 'a', job: '', instance: 'exposed:1' }).labels,
    ];
    for (const labels of built) {
      checkLabelSet(labels);
      series.push({ labels, samples: [{ value: 1, timestampMs: AT_MS }, { value: 0, timestampMs: AT_MS + 1, stale: true }] });
    }
  }
  cache.endRound(false);
  seriesChecked += series.length;
  const decoded = WriteRequest.decode(snappyUncompress(encodeWriteRequest(series))) as unknown as DecodedRequest;
  if (decoded.timeseries.length !== series.length) throw new Error(`${decoded.timeseries.length} series decoded of ${series.length}`);
  decoded.timeseries.forEach((got, i) => {
    // Label values travel as UTF-8: a lone surrogate in a metadata string goes out as U+FFFD.
    const sent = JSON.stringify(series[i].labels.map(([n, v]) => [n, Buffer.from(v).toString()]));
    const read = JSON.stringify(got.labels.map((l) => [l.name, l.value]));
    if (read !== sent) throw new Error(`labels decoded as ${read}, sent ${sent}`);
    if (got.samples.length !== 2 || got.samples[0].value !== 1) throw new Error(`samples did not decode: ${JSON.stringify(got.samples)}`);
  });
}

const awsInfo: fc.Arbitrary<AwsTaskInfo> = fc.record({
  serviceName: fc.option(fc.string({ unit: 'grapheme' }), { nil: undefined }),
  subnetId: fc.option(fc.string(), { nil: undefined }),
  vpcId: fc.option(fc.string(), { nil: undefined }),
  taskDefinitionFamily: fc.option(fc.string({ unit: 'grapheme' }), { nil: undefined }),
  taskDefinitionRevision: fc.option(fc.string(), { nil: undefined }),
  tags: fc.dictionary(fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('aws:ecs:serviceName', 'CostCenter', '__proto__', '9lives', '___')), fc.string({ unit: 'grapheme' }), { maxKeys: 4 }),
}, { requiredKeys: ['tags'] });

/** Task ARNs (both formats, and broken ones) and clusters (ARN or name), put over the generated task. */
const arnLike = fc.oneof(
  fc.constantFrom('arn:aws:ecs:us-west-2:111122223333:task/c/0f1e', 'arn:aws:ecs:::task/', 'arn:aws:ecs:us-east-1:1:task/abc', 'arn:x:ecs:r:a:task//', 'task/'),
  fc.tuple(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' })).map(([r, a, id]) => `arn:aws:ecs:${r}:${a}:task/${id}`),
  anyValue,
);
const taskWithArn = fc.tuple(taskJson, arnLike, fc.oneof(arnLike.map((a) => String(a).replace(':task/', ':cluster/')), anyValue))
  .map(([task, arn, cluster]) => ({ ...task, TaskARN: arn, Cluster: cluster }));

describe('fuzzing task metadata to remote-write labels', () => {
  test('a wrong type at every path of every recorded /task gives valid, decodable label sets', () => {
    const before = cases;
    for (const name of SHAPES) {
      const { task } = loadShape(name);
      for (const path of pathsOf(task)) {
        for (const value of WRONG_VALUES) withReplaced(task, path, value, (changed) => runCase(changed, RECORDED_AWS));
      }
    }
    expect(cases - before).toBeGreaterThan(1000);
  });

  test('arbitrary JSON as /task (seeded) gives valid, decodable label sets', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), awsInfo, (task, aws) => runCase(task, aws)), { seed: SEED, numRuns: 800 });
  });

  test('task-shaped JSON with any value at each known field (seeded) gives valid, decodable label sets', () => {
    fc.assert(fc.property(taskWithArn, awsInfo, (task, aws) => runCase(task, aws)), { seed: SEED, numRuns: 1500 });
  });

  afterAll(() => {
    // The case count for the record (jest prints console output of passing tests only with --verbose).
    process.stdout.write(`wire labels fuzz: ${cases} cases, ${seriesChecked} series encoded and decoded\n`);
  });
});
