/**
 * The labels objects of one task, kept from one collection to the next. A container's labels are
 * the same every collection, so the transform hands out the same object each time: the exposition
 * then encodes each label set once for the life of the task rather than once per collection, and
 * Active mode's caches keyed by labels object keep hitting. With 200 containers that is ~1,000
 * label sets a collection no longer builds, escapes and encodes (runtime/bench/FINDINGS.md).
 *
 * An object is only reused when every value is the same (the keys are the ones the transform
 * builds), so what a collection exposes never depends on what an earlier one saw. The maps are
 * bounded: a stats document with ever-new interface names cannot grow them without limit.
 */
import type { Labels } from '../model';

/** Label sets derived from one base and label name (a container's interfaces, devices or health statuses). */
const MAX_DERIVED_PER_NAME = 256;
/** Container label sets of a task (containers come and go; a task has at most a few dozen). */
const MAX_CONTAINERS = 1024;

export class LabelSets {
  private task: Labels | undefined;
  private readonly containers = new Map<string, Labels>();
  private readonly derived = new WeakMap<Labels, Map<string, Map<string, Labels>>>();

  /** The task-level labels: the previous object when its values are the same. */
  taskLabels(labels: Labels): Labels {
    if (this.task !== undefined && sameLabels(this.task, labels)) return this.task;
    // Other task labels (another task's document): every container label set is built anew.
    this.task = labels;
    this.containers.clear();
    return labels;
  }

  /**
   * A container's labels, kept by `key` (the values they are built from besides the task labels)
   * while the task labels stay the same object; `build` makes them the first time.
   */
  container(key: string, taskLabels: Labels, build: () => Labels): Labels {
    const current = this.task === taskLabels;
    const known = current ? this.containers.get(key) : undefined;
    if (known !== undefined) return known;
    const labels = build();
    if (current) {
      if (this.containers.size >= MAX_CONTAINERS) this.containers.clear();
      this.containers.set(key, labels);
    }
    return labels;
  }

  /** `{...base, [name]: value}`, the same object for the same base, name and value. */
  with(base: Labels, name: string, value: string): Labels {
    let byName = this.derived.get(base);
    if (byName === undefined) {
      byName = new Map();
      this.derived.set(base, byName);
    }
    // By name, then by value: no key string is built per call (over a thousand calls a collection
    // with 200 containers, each a new string to hash).
    let byValue = byName.get(name);
    if (byValue === undefined) {
      byValue = new Map();
      byName.set(name, byValue);
    }
    let labels = byValue.get(value);
    if (labels === undefined) {
      if (byValue.size >= MAX_DERIVED_PER_NAME) byValue.clear();
      labels = { ...base, [name]: value };
      byValue.set(value, labels);
    }
    return labels;
  }
}

/** Same keys in the same order (the order is the exposition's) with the same values. */
function sameLabels(a: Labels, b: Labels): boolean {
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (let i = 0; i < keysA.length; i++) {
    if (keysA[i] !== keysB[i] || a[keysA[i]] !== b[keysB[i]]) return false;
  }
  return true;
}
