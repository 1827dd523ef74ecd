/**
 * Labels objects kept across collections: the same object for the same values (what the exposition
 * and Active mode cache by), and never an output that depends on an earlier collection.
 */
import * as fc from 'fast-check';
import { collect, loadShape } from './fixtures';
import { taskJson, taskStatsJson } from './metadata-arbitraries';
import { LabelSets } from '../src/metrics/label-sets';
import type { Labels } from '../src/model';

const allLabels = (result: ReturnType<typeof collect>): Labels[] =>
  result.families.flatMap((family) => family.samples.map((sample) => sample.labels));

describe('labels objects across collections', () => {
  test('a second collection of the same task hands out the very same labels objects', () => {
    for (const shape of ['fargate-awsvpc-cgroupv1', 'ec2-bridge-cgroupv2', 'ec2-awsvpc-health-cgroupv2'] as const) {
      const { task, stats } = loadShape(shape);
      const labelSets = new LabelSets();
      const first = allLabels(collect(task, stats, { labelSets }));
      const second = allLabels(collect(task, stats, { labelSets }));
      expect(second.length).toBeGreaterThan(10);
      expect(second.every((labels, i) => labels === first[i])).toBe(true);
    }
  });

  test('what a collection exposes never depends on the collections before it (fuzzed pairs of documents)', () => {
    fc.assert(
      fc.property(taskJson, taskStatsJson, taskJson, taskStatsJson, (taskA, statsA, taskB, statsB) => {
        const labelSets = new LabelSets();
        collect(taskA, statsA, { labelSets, collectedAtMs: 1_700_000_000_000 });
        const afterA = collect(taskB, statsB, { labelSets, collectedAtMs: 1_700_000_000_000 });
        const fresh = collect(taskB, statsB, { collectedAtMs: 1_700_000_000_000 });
        expect(afterA.families).toEqual(fresh.families);
        // Same keys in the same order too: the exposition writes them in object order.
        expect(allLabels(afterA).map((labels) => Object.keys(labels))).toEqual(allLabels(fresh).map((labels) => Object.keys(labels)));
      }),
      { numRuns: 400, seed: 20261202 },
    );
  });

  test('a task whose labels change gets new objects with the new values', () => {
    const labelSets = new LabelSets();
    const a = labelSets.taskLabels({ cluster: 'c', task_id: '1' });
    const container = labelSets.container('app\nimg', a, () => ({ container: 'app', image: 'img', ...a }));
    const b = labelSets.taskLabels({ cluster: 'c', task_id: '2' });
    expect(b).not.toBe(a);
    const again = labelSets.container('app\nimg', b, () => ({ container: 'app', image: 'img', ...b }));
    expect(again).not.toBe(container);
    expect(again).toEqual({ container: 'app', image: 'img', cluster: 'c', task_id: '2' });
    // Same values in another key order are another label set.
    expect(labelSets.taskLabels({ task_id: '2', cluster: 'c' })).not.toBe(b);
  });

  test('derived label sets stay bounded when a document brings ever-new names', () => {
    const labelSets = new LabelSets();
    const base = labelSets.taskLabels({ cluster: 'c' });
    const first = labelSets.with(base, 'interface', 'eth0');
    expect(labelSets.with(base, 'interface', 'eth0')).toBe(first);
    for (let i = 0; i < 10_000; i++) expect(labelSets.with(base, 'interface', `veth${i}`)).toEqual({ cluster: 'c', interface: `veth${i}` });
    // eth0 was evicted with the rest: a new object, equal to the old one.
    const later = labelSets.with(base, 'interface', 'eth0');
    expect(later).not.toBe(first);
    expect(later).toEqual(first);
  });
});
